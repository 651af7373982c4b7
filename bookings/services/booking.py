"""Making and moving a booking, the two writes that claim a therapist's time (the errors every
booking service raises are in bookings.services.booking_errors, imported here). Cancelling, correcting contact details and accepting after a
health review are in bookings.services.booking_changes; the rows and emails these write, and
what booking_create takes (ClientDetails, HealthAnswers, imported here too), in
bookings.services.booking_writes.

Every write that takes a therapist's time follows one pattern: lock the therapist's row,
re-check the slot with the same selector that offered it, and, for a session held in a
treatment room, claim only the room it takes (bookings.services.booking_claims: the rooms in the
clinic's order, one at a time, the next when one is taken), write, and let the database's
no-overlap constraints (PostgreSQL: one per therapist, one per room) refuse anything that
slipped past. Emails are outbox rows written in the same transaction, so a rolled-back booking
sends nothing.
"""

import datetime
import uuid
from collections.abc import Callable

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from bookings.clinical import health, minors
from bookings.locks import therapist_lock
from bookings.models import Booking, FreedTime
from bookings.models.payment_terms import payment_hold, terms_for
from bookings.models.waitlist import expired_holds_end
from bookings.records.outcome_scores import Ratings
from bookings.services.booking_claims import RoomsTaken, room_claim, therapist_claim
from bookings.services.booking_errors import (
    BookingError,
    ClinicBusy,
    HealthScreenStops,
    IdempotencyKeyReused,
    NoRoomSuits,
    SlotNotFree,
    SlotTaken,
)
from bookings.services.booking_writes import (
    ClientDetails,
    HealthAnswers,
    booked_emails_schedule,
    booking_details_digest,
    booking_insert,
    client_answers_record,
    moved_emails_schedule,
)
from bookings.slots import availability, refusals
from bookings.slots.refusals import past_horizon_message, refusal_message, slot_refusal
from bookings.slots.selectors import (
    RoomsForSession,
    Slot,
    free_slot_at,
    last_bookable_day,
    nearest_free_slots,
    rooms_for_session,
)
from clinic.free_times import free_times_changed
from clinic.london import LONDON, instant_in_range
from clinic.models import Room, SessionType


def booking_create(
    *,
    session_type_id: int,
    therapist_id: int | None,
    start: datetime.datetime,
    details: ClientDetails,
    answers: HealthAnswers,
    idempotency_key: uuid.UUID,
    client=None,
    booked_by=None,
    ratings: Ratings | None = None,
    room_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Books a free slot. With therapist_id None, books whichever free therapist comes first.

    Rules: the session type is active; the therapist is bookable on the day and offers it; the
    start is still a free slot (hours, time off, other bookings and buffers, notice, horizon)
    when re-checked under a lock on the therapist (for "any", on the one it books only); a
    session that needs a room gets the first free room that suits it, in the clinic's order
    (booking_claims); the health screen allows online booking ("work around" or "doctor's OK"
    answers put it in therapist review) and consent to hold the answers was given. The same
    idempotency key with the same details returns its booking; with others it raises
    IdempotencyKeyReused. A booking by a guest or by staff is linked to no account (a typed
    address proves nothing). Staff (``booked_by``) are not held to the online notice (a walk-in
    at the desk) and may ask for a room (``room_id``: given if it suits and is free, else the
    first free one that suits).

    Raises HealthScreenStops; SlotNotFree saying why (SlotTaken: another booking or the last room
    got there first), with the nearest free times; NoRoomSuits; ClinicBusy; BookingError."""
    now = now or timezone.now()
    submitted = booking_details_digest(
        session_type_id=session_type_id,
        therapist_id=therapist_id,
        start=start,
        details=details,
        answers=answers,
        client=client,
        booked_by=booked_by,
    )
    if existing := _booking_for_key(idempotency_key, submitted):
        return existing
    _check_start_in_reach(start, now)
    assessment = _health_screen_check(answers, start.astimezone(LONDON).date())
    session_type, rooms = _session_to_book(session_type_id)
    by_staff = booked_by is not None
    # Staff booking a client in take payment at the desk.
    terms = None if by_staff else terms_for(session_type, client_email=details.email)

    try:
        with transaction.atomic():
            booking = _claim_and_insert(
                session_type,
                rooms,
                therapist_id,
                start,
                now,
                notice=not by_staff,
                keep_room=room_id if by_staff else None,
                details=details,
                assessment=assessment,
                idempotency_key=idempotency_key,
                submitted=submitted,
                client=client,
                booked_by=booked_by,
            )
            client_answers_record(booking=booking, answers=answers, ratings=ratings, now=now)
            if terms is None:
                booked_emails_schedule(booking=booking, now=now)
            else:  # its emails wait for the payment
                payment_hold(booking=booking, terms=terms, now=now)
    except OperationalError as error:  # too many writers: lock_timeout (bookings.locks) or SQLite's busy timeout
        raise ClinicBusy() from error
    except IntegrityError:
        # Another request won: the same form sent twice, or the same slot booked by someone
        # else in the moment between our check and our insert.
        if existing := _booking_for_key(idempotency_key, submitted):
            return existing
        raise SlotTaken(_nearest_alternatives(session_type, therapist_id, start, now, notice=not by_staff)) from None
    return booking


def _claim_and_insert(
    session_type: SessionType,
    rooms: RoomsForSession,
    therapist_id: int | None,
    start: datetime.datetime,
    now: datetime.datetime,
    *,
    notice: bool = True,
    keep_room: int | None = None,
    **fields,
) -> Booking:
    """Inside booking_create's transaction: claims a free therapist (the one named, or the first
    free one) and then a room (``keep_room`` first if it is free), and writes the booking row
    (``fields``: the rest of booking_insert's). ``notice`` False: staff booking a client in.
    Raises SlotNotFree saying why, or SlotTaken."""
    claim = {"session_type": session_type, "therapist_id": therapist_id, "start": start, "now": now}
    claimed = therapist_claim(**claim, rooms=rooms, notice=notice)
    end = start + datetime.timedelta(minutes=session_type.duration_minutes)
    if claimed is None and expired_holds_end(start=start, end=end, now=now):
        # A waitlist hold nobody can take any more was in the way: ended, so look again.
        claimed = therapist_claim(**claim, rooms=rooms, notice=notice)
    if claimed is None:
        raise _not_free(session_type, therapist_id, start, now, notice=notice)
    therapist, slot = claimed

    def write(room: Room | None) -> Booking:
        return booking_insert(session_type=session_type, therapist=therapist, room=room, start=start, **fields)

    return _with_room(rooms, slot, session_type, therapist_id, start, now, write, keep=keep_room, notice=notice)


def _health_screen_check(answers: HealthAnswers, day: datetime.date) -> health.Assessment:
    """The health screen's verdict, before anything is locked: consent to keep the answers,
    answers the screen knows, nothing that stops online booking (HealthScreenStops), the
    doctor's agreement where an answer needs it, and for a client under 16 on the session's
    ``day`` a parent or guardian's. Raises BookingError or HealthScreenStops."""
    if minors.needs_guardian(answers.date_of_birth, day) and not (
        answers.guardian_consent and answers.guardian_name.strip()
    ):
        raise BookingError(
            "A client under 16 needs a parent or guardian's name and agreement, and the parent or guardian "
            "comes to the session."
        )
    if not answers.consent:
        raise BookingError("Please agree to us keeping your health answers, so your therapist can treat you safely.")
    try:
        assessment = health.assess(answers.answered_yes)
    except KeyError:
        raise BookingError("Some health answers were not recognised. Please answer the questions again.") from None
    if not assessment.can_book_online:
        raise HealthScreenStops(assessment)
    if health.needs_doctors_ok(answers.answered_yes) and not answers.doctor_ok:
        raise BookingError("Some of your answers need your doctor's agreement before massage. Please get it first.")
    return assessment


def _session_to_book(session_type_id: int) -> tuple[SessionType, RoomsForSession]:
    """The active session type and the rooms that suit it (two queries, one for a session
    that needs no room). Raises BookingError, or NoRoomSuits when the clinic keeps rooms and
    none in use suits it."""
    session_type = SessionType.objects.filter(pk=session_type_id, active=True).first()
    if session_type is None:
        raise BookingError("That session is not available to book.")
    rooms = rooms_for_session(session_type=session_type)
    if rooms.tracked and not rooms.rooms:
        raise NoRoomSuits(session_type)
    return session_type, rooms


def _booking_for_key(idempotency_key: uuid.UUID, submitted: str) -> Booking | None:
    """The booking this key made, if the details match; IdempotencyKeyReused if they do not."""
    existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and not constant_time_compare(existing.idempotency_details, submitted):
        raise IdempotencyKeyReused()
    return existing


def _check_start_in_reach(start: datetime.datetime, now: datetime.datetime) -> None:
    """Refuses, before any arithmetic on it, a start that has passed, lies past the booking
    horizon, or that no London clock could show (year 1 or 9999 in a tampered form)."""
    if not isinstance(start, datetime.datetime) or start.tzinfo is None:
        raise BookingError("That time could not be read. Please choose one of the times shown.")
    if start <= now:
        raise SlotNotFree("That time has passed. Please choose a later one.", [])
    last_day = last_bookable_day(now=now)
    if not instant_in_range(start) or start.astimezone(LONDON).date() > last_day:
        raise SlotNotFree(past_horizon_message(last_day), [])


def _not_free(
    session_type: SessionType,
    therapist_id: int | None,
    start: datetime.datetime,
    now: datetime.datetime,
    *,
    notice: bool = True,
) -> SlotNotFree:
    """The error for a start that is not free: "just been taken" only when another booking
    holds it; otherwise why (availability rules, check lapsed, session not offered)."""
    refused = slot_refusal(therapist_id=therapist_id, session_type=session_type, start=start, now=now, notice=notice)
    alternatives = (
        []
        if refused.reason == refusals.NOT_OFFERED
        else _nearest_alternatives(session_type, therapist_id, start, now, notice=notice)
    )
    if refused.reason == availability.Refusal.TAKEN.value:
        return SlotTaken(alternatives)
    if refused.therapist_unverified:
        alternatives = []  # the message asks for another therapist; this one's times would contradict it
    return SlotNotFree(refusal_message(refused, session_type=session_type, now=now), alternatives)


def _with_room(
    rooms: RoomsForSession,
    slot: Slot,
    session_type: SessionType,
    therapist_id: int | None,
    start: datetime.datetime,
    now: datetime.datetime,
    write: Callable[[Room | None], Booking],
    keep: int | None = None,
    notice: bool = True,
) -> Booking:
    """``write`` with the room the session gets (bookings.services.booking_claims.room_claim:
    ``keep`` if it is free, else the first free one in the clinic's order, locking only that
    one), or with none when the clinic tracks no room for it. Raises SlotTaken when the last
    room went to another booking first."""
    try:
        return room_claim(
            rooms=rooms, room_ids=slot.room_ids, session_type=session_type, start=start, write=write, keep=keep
        )
    except RoomsTaken:
        raise SlotTaken(_nearest_alternatives(session_type, therapist_id, start, now, notice=notice)) from None


def _nearest_alternatives(
    session_type: SessionType,
    therapist_id: int | None,
    start: datetime.datetime,
    now: datetime.datetime,
    *,
    notice: bool = True,
) -> list[Slot]:
    return nearest_free_slots(therapist_id=therapist_id, session_type=session_type, start=start, now=now, notice=notice)


def booking_reschedule(
    *, booking_id: int, start: datetime.datetime, changed_by=None, now: datetime.datetime | None = None
) -> Booking:
    """Moves a booking to another free start with the same therapist and session type.

    Rules: only a booking that can still change (Booking.is_changeable); the new start is
    free under the same re-check as a new booking (the booking's own time does not count
    against it), a room included: the booking keeps its room if that is free then, or gets
    the first free one that suits it; the therapist must still offer the session type. Its
    reminders move with it; client, therapist and admins are told. Raises BookingError,
    SlotNotFree (saying why), SlotTaken, NoRoomSuits or ClinicBusy."""
    now = now or timezone.now()
    _check_start_in_reach(start, now)
    try:
        with transaction.atomic():
            # The therapist's lock, before the booking is read: the move is a new claim on
            # their time, re-checked under the same lock as a new booking.
            therapist_id = Booking.objects.filter(pk=booking_id).values_list("therapist_id", flat=True).first()
            if therapist_id is not None:
                therapist_lock(therapist_id=therapist_id)
            booking = changeable_booking(booking_id, now)
            previous_start = booking.start
            rooms = rooms_for_session(session_type=booking.session_type)
            if rooms.tracked and not rooms.rooms:
                raise NoRoomSuits(booking.session_type)
            # Free the booking's own time for the re-check, inside this transaction only.
            Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
            slot = free_slot_at(
                therapist_id=booking.therapist_id, session_type=booking.session_type, start=start, now=now
            )
            if slot is None or booking.therapist_id not in slot.therapist_ids:
                raise _not_free(booking.session_type, booking.therapist_id, start, now)
            held = booking.blocks_until - booking.end
            end = start + datetime.timedelta(minutes=booking.session_type.duration_minutes)
            sequence = booking.calendar_sequence + 1

            def write(room: Room | None) -> Booking:
                # Set whole each time: a room the database refuses leaves this for the next.
                booking.start, booking.end, booking.blocks_until = start, end, end + held
                booking.room = room
                booking.room_until = end + datetime.timedelta(minutes=room.turnover_minutes) if room else None
                booking.calendar_sequence = sequence
                booking.save(
                    update_fields=["start", "end", "blocks_until", "room", "room_until", "status", "calendar_sequence"]
                )
                return booking

            previous_room_id = booking.room_id
            _with_room(rooms, slot, booking.session_type, booking.therapist_id, start, now, write, keep=booking.room_id)
            free_times_changed(therapist_id=booking.therapist_id, room_ids=[previous_room_id, booking.room_id])
            # The old time, for the waitlist (bookings.waitlist) to offer.
            FreedTime.objects.create(
                therapist_id=booking.therapist_id, start=previous_start, offer_from=now + FreedTime.UNDO_DELAY
            )
            moved_emails_schedule(booking=booking, previous_start=previous_start, now=now)
    except OperationalError as error:
        raise ClinicBusy() from error
    except IntegrityError:
        raise SlotTaken([]) from None
    return booking


def changeable_booking(booking_id: int, now: datetime.datetime, *, lock: bool = False) -> Booking:
    """The booking, if it can still change (Booking.is_changeable), its row locked with
    ``lock``; BookingError saying why not, otherwise. Moving and cancelling both start here."""
    rows = Booking.objects.select_related("session_type", "therapist__user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    booking = rows.filter(pk=booking_id).first()
    if booking is None:
        raise BookingError("We could not find that booking.")
    if not booking.is_changeable(now):
        if booking.status in Booking.OPEN_STATUSES:
            raise BookingError("This session has already started, so it can no longer be changed.")
        raise BookingError(f"This booking is {booking.get_status_display().lower()} and cannot be changed.")
    return booking
