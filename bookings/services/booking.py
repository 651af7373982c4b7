"""The booking lifecycle: make, move and cancel a booking, correct the client's contact details,
and the therapist's review of health answers.

Every write that takes a therapist's time follows one pattern: lock the therapist's row (and,
for a session held in a treatment room, then the rooms that suit it), re-check the slot with
the same selector that offered it, write, and let the database's no-overlap constraints
(PostgreSQL: one per therapist, one per room) refuse anything that slipped past. Emails are outbox rows
written in the same transaction, so a rolled-back booking sends nothing.
"""

import datetime
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bookings.clinical import health
from bookings.locks import rooms_lock, therapist_lock
from bookings.messaging.outbox import outbound_email_schedule, outbound_emails_cancel
from bookings.messaging.tokens import links_revoke
from bookings.models import Booking, BookingLink, BookingRules, HealthScreen, OutboundEmail, OutcomeScore
from bookings.privacy.health_access import health_data_readers
from bookings.privacy.health_consent import health_consent_record
from bookings.records.outcome_scores import Ratings, outcome_scores_record
from bookings.slots import availability, refusals
from bookings.slots.refusals import SlotRefusal, slot_refusal
from bookings.slots.selectors import RoomsForSession, Slot, available_slots, rooms_for_session
from clinic.free_times import free_times_changed
from clinic.london import LONDON, instant_in_range, wall_clock_to_utc
from clinic.models import Room, SessionType
from therapists.models import Therapist

Kind = OutboundEmail.Kind

REMINDER_AHEAD = datetime.timedelta(hours=settings.REMINDER_AHEAD_HOURS)


class BookingError(Exception):
    """A booking could not be made or changed; str(error) is the message to show."""


class SlotNotFree(BookingError):
    """The time asked for is not free; the message says why, with the nearest free times."""

    def __init__(self, message: str, alternatives: list[Slot]):
        super().__init__(message)
        self.alternatives = alternatives


class SlotTaken(SlotNotFree):
    """A real race: another booking took the time after it was offered."""

    def __init__(self, alternatives: list[Slot]):
        super().__init__("Sorry, that time has just been taken. Please choose another.", alternatives)


class ClinicBusy(BookingError):
    def __init__(self):
        super().__init__("We are taking a lot of bookings right now. Please try again in a moment.")


class NoRoomSuits(BookingError):
    def __init__(self, session_type: SessionType):
        super().__init__(
            f"No treatment room in use suits a {session_type} at the moment, so it cannot be booked. "
            "Please choose another session, or call the clinic."
        )


class IdempotencyKeyReused(BookingError):
    def __init__(self):
        super().__init__(
            "This form has already made a booking, with other details; we emailed its confirmation. "
            "To change that booking, use the link in that email. To make another booking with these "
            "details, send the form again."
        )


class HealthScreenStops(BookingError):
    def __init__(self, assessment: health.Assessment):
        super().__init__("Please get checked before booking a massage.")
        self.assessment = assessment


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class HealthAnswers:
    answered_yes: tuple[str, ...]
    main_problem: str
    preferred_pressure: int | None
    notes: str
    consent: bool
    doctor_ok: bool = False  # the client says they have their doctor's agreement
    pregnancy_trimester: int | None = None


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
    now: datetime.datetime | None = None,
) -> Booking:
    """Books a free slot. With therapist_id None, books whichever free therapist comes first.

    Rules: the session type is active; the therapist is bookable (Therapist.objects.bookable)
    on the day; the start is still one of the free slots (hours, time off, other bookings and
    buffers, notice, horizon) when re-checked under a lock on the therapist; a session that
    needs a room gets the first free room that suits it, in the clinic's order, re-checked
    under a lock on those rooms (once the clinic has added rooms); the health screen
    allows online booking, and "work around" or "doctor's OK" answers put the booking in
    therapist review; consent to hold health answers was given. The same idempotency key
    with the same details returns the booking it made the first time; with other details it
    raises IdempotencyKeyReused, so a replayed key never opens someone else's booking. A
    booking made by a guest or by staff on a client's behalf is linked to no account: a typed
    address proves nothing (see claims).

    The therapist must offer the session type ("Sessions you offer" on their profile).

    Raises IdempotencyKeyReused; HealthScreenStops; SlotNotFree saying why a time was refused (too soon, past the
    horizon, outside the therapist's hours, not offered...), or its subclass SlotTaken when
    another booking (or the last room) got there first, both with the nearest free
    alternatives; NoRoomSuits; ClinicBusy when the lock cannot be had in time; and
    BookingError or ValidationError for bad input.
    """
    now = now or timezone.now()
    submitted = _details_digest(
        session_type_id=session_type_id,
        therapist_id=therapist_id,
        start=start,
        details=details,
        answers=answers,
        client=client,
        booked_by=booked_by,
    )
    existing = _booking_for_key(idempotency_key, submitted)
    if existing:
        return existing
    _check_start_in_reach(start, now)
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
    session_type = SessionType.objects.filter(pk=session_type_id, active=True).first()
    if session_type is None:
        raise BookingError("That session is not available to book.")
    rooms = rooms_for_session(session_type=session_type)
    if rooms.tracked and not rooms.rooms:
        raise NoRoomSuits(session_type)

    try:
        with transaction.atomic():
            therapist = _lock_free_therapist(session_type, therapist_id, start, now)
            room = _claim_room(rooms, session_type, therapist.pk, start, now)
            end = start + datetime.timedelta(minutes=session_type.duration_minutes)
            booking = Booking(
                client=client,
                client_name=details.name,
                client_email=details.email,
                client_phone=details.phone,
                therapist=therapist,
                session_type=session_type,
                start=start,
                end=end,
                blocks_until=end + datetime.timedelta(minutes=_buffer_minutes(therapist)),
                room=room,
                room_until=end + datetime.timedelta(minutes=room.turnover_minutes) if room else None,
                status=Booking.Status.AWAITING_REVIEW
                if assessment.needs_therapist_review
                else Booking.Status.CONFIRMED,
                idempotency_key=idempotency_key,
                idempotency_details=submitted,
                booked_by=booked_by,
            )
            booking.full_clean(exclude=["client", "booked_by", "cancelled_by", "room"], validate_constraints=False)
            booking.save()
            free_times_changed(therapist_id=therapist.pk)
            screen = HealthScreen(
                booking=booking,
                answered_yes=sorted(answers.answered_yes),
                main_problem=answers.main_problem,
                preferred_pressure=answers.preferred_pressure,
                notes=answers.notes,
                consent_given_at=now,
                doctor_ok_confirmed=answers.doctor_ok and health.needs_doctors_ok(answers.answered_yes),
                pregnancy_trimester=answers.pregnancy_trimester if health.PREGNANT in answers.answered_yes else None,
            )
            screen.full_clean(exclude=["booking"])
            screen.save()
            health_consent_record(booking=booking, on_behalf=booked_by is not None, now=now)
            if ratings:
                outcome_scores_record(booking=booking, taken=OutcomeScore.Taken.BOOKING, ratings=ratings, now=now)
            _schedule_client_emails(booking, now)
            _notify_staff(booking, Kind.STAFF_BOOKED, now)
    except OperationalError as error:
        # PostgreSQL's lock_timeout (bookings.locks), or SQLite's busy timeout: too many
        # writers at once.
        raise ClinicBusy() from error
    except IntegrityError:
        # Another request won: the same form sent twice, or the same slot booked by someone
        # else in the moment between our check and our insert.
        existing = _booking_for_key(idempotency_key, submitted)
        if existing:
            return existing
        raise SlotTaken(_nearest_alternatives(session_type, therapist_id, start, now)) from None
    return booking


def _details_digest(
    *, session_type_id, therapist_id, start, details: ClientDetails, answers: HealthAnswers, client, booked_by
) -> str:
    """A keyed hash (HMAC, so the small space of health answers cannot be guessed back from
    it) of the booking form's details, normalised so the same form sent twice matches."""
    try:
        start_key = start.astimezone(datetime.UTC).isoformat()
    except OverflowError:  # a start at the calendar's ends, refused further on
        start_key = start.isoformat()
    normalised = {
        "session_type": session_type_id,
        "therapist": therapist_id,
        "start": start_key,
        "name": " ".join(details.name.split()).casefold(),
        "email": details.email.strip().lower(),
        "phone": "".join(ch for ch in details.phone if ch.isdigit() or ch == "+"),
        "answered_yes": sorted(answers.answered_yes),
        "main_problem": answers.main_problem,
        "preferred_pressure": answers.preferred_pressure,
        "notes": " ".join(answers.notes.split()),
        "client": getattr(client, "pk", None),
        "booked_by": getattr(booked_by, "pk", None),
    }
    payload = json.dumps(normalised, sort_keys=True)
    return salted_hmac("bookings.idempotency", payload, algorithm="sha256").hexdigest()


def _booking_for_key(idempotency_key: uuid.UUID, submitted: str) -> Booking | None:
    """The booking this key made, if the details match; IdempotencyKeyReused if they do not."""
    existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and not constant_time_compare(existing.idempotency_details, submitted):
        raise IdempotencyKeyReused()
    return existing


def _lock_free_therapist(
    session_type: SessionType, therapist_id: int | None, start: datetime.datetime, now: datetime.datetime
) -> Therapist:
    """Finds a therapist free at start and locks their row until the transaction ends.

    Two bookings of one therapist queue on this lock, so the re-check after it sees every
    booking committed before ours."""
    candidates = [therapist_id] if therapist_id is not None else _free_therapist_ids(session_type, None, start, now)
    for candidate in candidates:
        therapist = therapist_lock(therapist_id=candidate)
        if therapist is None:
            break
        if candidate in _free_therapist_ids(session_type, candidate, start, now):
            return therapist
    raise _not_free(session_type, therapist_id, start, now)


def _check_start_in_reach(start: datetime.datetime, now: datetime.datetime) -> None:
    """Refuses, before any arithmetic on it, a start that has passed, lies past the booking
    horizon, or that no London clock could show (year 1 or 9999 in a tampered form)."""
    if not isinstance(start, datetime.datetime) or start.tzinfo is None:
        raise BookingError("That time could not be read. Please choose one of the times shown.")
    if start <= now:
        raise SlotNotFree("That time has passed. Please choose a later one.", [])
    rules = BookingRules.load()
    last_day = availability.last_bookable_day(now, availability.Rules(horizon_days=rules.horizon_days))
    if not instant_in_range(start) or start.astimezone(LONDON).date() > last_day:
        raise SlotNotFree(_past_horizon(last_day), [])


def _past_horizon(last_day: datetime.date) -> str:
    return f"We take bookings up to {last_day.day} {last_day:%B %Y}. Please choose an earlier day."


def _in_words(minutes: int) -> str:
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def _refusal_message(refused: SlotRefusal, session_type: SessionType, now: datetime.datetime) -> str:
    """What a client is told when the time they chose was refused and it was not a race."""
    therapist = refused.therapist
    who = therapist.display_name if therapist else "None of our therapists"
    Refusal = availability.Refusal
    match refused.reason:
        case Refusal.TOO_SOON.value:
            return (
                f"That time is too soon to book: {'sessions with ' + who if therapist else 'sessions'} can be "
                f"booked up to {_in_words(refused.rules.min_notice_minutes)} before they start. "
                "Please choose a later time."
            )
        case Refusal.PAST_HORIZON.value:
            return _past_horizon(availability.last_bookable_day(now, refused.rules))
        case Refusal.OUTSIDE_HOURS.value:
            if therapist:
                return f"{who} is not working at that time. Please choose one of the times shown."
            return "None of our therapists is working at that time. Please choose one of the times shown."
        case Refusal.OFF_GRID.value:
            return (
                f"Sessions start every {refused.rules.step_minutes} minutes, and that time is not one of them. "
                "Please choose one of the times shown."
            )
        case Refusal.AWAY.value:
            return f"{who} {'is' if therapist else 'are'} away at that time. Please choose another."
        case refusals.NOT_OFFERED:
            if therapist:
                return f"{who} does not offer {session_type.name.lower()}. Please choose another therapist or session."
            return f"None of our therapists offers {session_type.name.lower()} at the moment."
        case refusals.NOT_BOOKABLE if therapist:
            return f"{who} cannot be booked on that day. Please choose an earlier day or another therapist."
        case refusals.NOT_BOOKABLE:
            return "None of our therapists can be booked on that day. Please choose an earlier day."
    raise AssertionError(refused.reason)


def _not_free(
    session_type: SessionType, therapist_id: int | None, start: datetime.datetime, now: datetime.datetime
) -> SlotNotFree:
    """The error for a start that is not free: "just been taken" only when another booking
    holds it; otherwise why (availability rules, check lapsed, session not offered)."""
    refused = slot_refusal(therapist_id=therapist_id, session_type=session_type, start=start, now=now)
    alternatives = (
        [] if refused.reason == refusals.NOT_OFFERED else _nearest_alternatives(session_type, therapist_id, start, now)
    )
    if refused.reason == availability.Refusal.TAKEN.value:
        return SlotTaken(alternatives)
    unverified = (
        refused.therapist is not None and refused.therapist.registration_status != Therapist.RegistrationStatus.VERIFIED
    )
    if refused.reason == refusals.NOT_BOOKABLE and unverified:
        return SlotNotFree("That therapist cannot be booked at the moment. Please choose another.", [])
    return SlotNotFree(_refusal_message(refused, session_type, now), alternatives)


def _claim_room(
    rooms: RoomsForSession,
    session_type: SessionType,
    therapist_id: int,
    start: datetime.datetime,
    now: datetime.datetime,
    keep: int | None = None,
) -> Room | None:
    """The room the session gets: ``keep`` if it is free, else the first free one in the
    clinic's order; None when the clinic does not track rooms for it. Locks the rooms that suit
    the session (after the therapist's lock, as bookings.locks orders them), so two bookings
    with different therapists racing for the last room queue here, and the re-check after
    the lock sees every booking committed before ours."""
    if not rooms.tracked:
        return None
    locked = {room.pk: room for room in rooms_lock(room_ids=[room.id for room in rooms.rooms])}
    slot = _free_slot(session_type, therapist_id, start, now)
    free = [pk for pk in (slot.room_ids if slot and therapist_id in slot.therapist_ids else ()) if pk in locked]
    if not free:
        raise SlotTaken(_nearest_alternatives(session_type, therapist_id, start, now))
    return locked[keep if keep in free else free[0]]


def _free_slot(
    session_type: SessionType, therapist_id: int | None, start: datetime.datetime, now: datetime.datetime
) -> Slot | None:
    day = timezone.localtime(start).date()
    for slot in available_slots(
        therapist_id=therapist_id, session_type=session_type, date_from=day, date_to=day, now=now
    ):
        if slot.start == start:
            return slot
    return None


def _free_therapist_ids(
    session_type: SessionType, therapist_id: int | None, start: datetime.datetime, now: datetime.datetime
) -> tuple[int, ...]:
    slot = _free_slot(session_type, therapist_id, start, now)
    return slot.therapist_ids if slot else ()


def _nearest_alternatives(
    session_type: SessionType,
    therapist_id: int | None,
    start: datetime.datetime,
    now: datetime.datetime,
    count: int = 3,
) -> list[Slot]:
    # A week either side: a time refused because the therapist's check lapses before it still
    # gets the nearest times before that day.
    day = timezone.localtime(start).date()
    slots = available_slots(
        therapist_id=therapist_id,
        session_type=session_type,
        date_from=day - datetime.timedelta(days=7),
        date_to=day + datetime.timedelta(days=7),
        now=now,
    )
    return sorted(slots, key=lambda slot: abs(slot.start - start))[:count]


def _buffer_minutes(therapist: Therapist) -> int:
    if therapist.buffer_minutes is not None:
        return therapist.buffer_minutes
    return BookingRules.load().buffer_minutes


def _schedule_client_emails(booking: Booking, now: datetime.datetime) -> None:
    # A booking waiting for the therapist's review is a request until they accept it.
    kind = Kind.BOOKING_REQUESTED if booking.status == Booking.Status.AWAITING_REVIEW else Kind.BOOKING_CONFIRMATION
    outbound_email_schedule(booking=booking, kind=kind, to_email=booking.client_email, due_at=now)
    _schedule_reminders(booking, now)


def _schedule_reminders(booking: Booking, now: datetime.datetime) -> None:
    """Two reminders: one REMINDER_AHEAD_HOURS before (longer than the free-cancellation
    window, so a client it prompts can still cancel free) and one at REMINDER_ON_THE_DAY_AT
    London time on the day, if that is still before the start. Either is left out if its time
    has passed. Pending reminders from an earlier time are removed first."""
    OutboundEmail.objects.filter(booking=booking, kind=Kind.BOOKING_REMINDER, status__in=OutboundEmail.PENDING).delete()
    on_the_day = wall_clock_to_utc(booking.start.astimezone(LONDON).date(), settings.REMINDER_ON_THE_DAY_AT)
    for when, due_at in [("ahead", booking.start - REMINDER_AHEAD), ("today", on_the_day)]:
        if now < due_at < booking.start:
            outbound_email_schedule(
                booking=booking,
                kind=Kind.BOOKING_REMINDER,
                to_email=booking.client_email,
                due_at=due_at,
                extra={"when": when},
            )


def _notify_staff(booking: Booking, kind: str, now: datetime.datetime, **extra) -> None:
    """The therapist hears of every booking, move and cancellation, and so do the staff who
    may read health data (a booking may need a health review); other staff do not."""
    addresses = {booking.therapist.user.email}
    addresses.update(health_data_readers().exclude(email="").values_list("email", flat=True))
    for address in sorted(a for a in addresses if a):
        outbound_email_schedule(booking=booking, kind=kind, to_email=address, due_at=now, extra=extra)


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
            booking = _changeable_booking(booking_id, now)
            previous_start = booking.start
            rooms = rooms_for_session(session_type=booking.session_type)
            if rooms.tracked and not rooms.rooms:
                raise NoRoomSuits(booking.session_type)
            # Free the booking's own time for the re-check, inside this transaction only.
            Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
            if booking.therapist_id not in _free_therapist_ids(booking.session_type, booking.therapist_id, start, now):
                raise _not_free(booking.session_type, booking.therapist_id, start, now)
            room = _claim_room(rooms, booking.session_type, booking.therapist_id, start, now, keep=booking.room_id)
            held = booking.blocks_until - booking.end
            booking.start = start
            booking.end = start + datetime.timedelta(minutes=booking.session_type.duration_minutes)
            booking.blocks_until = booking.end + held
            booking.room = room
            booking.room_until = booking.end + datetime.timedelta(minutes=room.turnover_minutes) if room else None
            booking.calendar_sequence += 1
            booking.save(
                update_fields=["start", "end", "blocks_until", "room", "room_until", "status", "calendar_sequence"]
            )
            free_times_changed(therapist_id=booking.therapist_id)
            _schedule_reminders(booking, now)
            extra = {"previous_start": previous_start.isoformat()}
            outbound_email_schedule(
                booking=booking, kind=Kind.BOOKING_MOVED, to_email=booking.client_email, due_at=now, extra=extra
            )
            _notify_staff(booking, Kind.STAFF_MOVED, now, **extra)
    except OperationalError as error:
        raise ClinicBusy() from error
    except IntegrityError:
        raise SlotTaken([]) from None
    return booking


def booking_cancel(
    *, booking_id: int, cancelled_by=None, reason: str = "", now: datetime.datetime | None = None
) -> Booking:
    """Cancels a booking that has not started.

    Rules: only a booking that can still change (Booking.is_changeable). A client cancelling
    within the clinic's free-cancellation period (Booking.is_late_to_cancel) may still cancel,
    but it is recorded as late; a cancellation by the therapist or an admin never is,
    and needs a reason. Pending emails are cancelled and the links to manage the booking
    revoked; client, therapist and admins are told.
    Raises BookingError."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _changeable_booking(booking_id, now, lock=True)
        by_staff = cancelled_by is not None and (
            cancelled_by.is_staff
            or getattr(getattr(cancelled_by, "therapist", None), "pk", None) == booking.therapist_id
        )
        if by_staff and not reason.strip():
            raise BookingError("Please give the client a reason for cancelling.")
        # A therapist cancelling a booking still waiting for their review is declining it.
        declined = by_staff and booking.status == Booking.Status.AWAITING_REVIEW
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = cancelled_by
        booking.cancellation_reason = reason.strip()[:500]
        booking.late_cancellation = not by_staff and booking.is_late_to_cancel(now)
        booking.calendar_sequence += 1
        booking.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancelled_by",
                "cancellation_reason",
                "late_cancellation",
                "calendar_sequence",
            ]
        )
        free_times_changed(therapist_id=booking.therapist_id)
        outbound_emails_cancel(booking_id=booking.pk)
        # The links in its emails stop working; the stop link stays, as a way out always should.
        links_revoke(
            booking_id=booking.pk, purposes=[BookingLink.Purpose.MANAGE, BookingLink.Purpose.AFTERCARE], now=now
        )
        outbound_email_schedule(
            booking=booking,
            kind=Kind.BOOKING_CANCELLED,
            to_email=booking.client_email,
            due_at=now,
            extra={"declined": True} if declined else None,
        )
        _notify_staff(booking, Kind.STAFF_CANCELLED, now)
    return booking


def booking_contact_update(*, booking_id: int, name: str, email: str, phone: str) -> Booking:
    """Corrects the client's contact details (an admin fixing a mistyped address, say). The
    client's emails not yet sent, or failed, go to the new address; sent ones keep the
    address they went to, and the therapist's and admins' emails are untouched. Raises
    ValidationError (by field) for an empty name or phone or an invalid address."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        old_email = booking.client_email
        booking.client_name, booking.client_email, booking.client_phone = name.strip(), email.strip(), phone.strip()
        booking.full_clean(validate_unique=False, validate_constraints=False)
        booking.save(update_fields=["client_name", "client_email", "client_phone"])
        if booking.client_email.lower() != old_email.lower():
            booking.emails.filter(
                to_email__iexact=old_email, status__in=[*OutboundEmail.PENDING, OutboundEmail.Status.FAILED]
            ).exclude(kind__in=OutboundEmail.TO_STAFF).update(to_email=booking.client_email)
    return booking


def booking_review_accept(
    *, booking_id: int, therapist: Therapist, doctor_ok_seen: bool = False, now: datetime.datetime | None = None
) -> Booking:
    """The therapist accepts a booking whose health answers needed their review; the client
    is sent the confirmation, with the calendar entry now confirmed.

    Rules: only the booking's own therapist (anyone else gets Booking.DoesNotExist, a 404);
    only a booking awaiting review that has not started; an answer needing a doctor's OK
    (health.DOCTORS_OK) needs the therapist to have seen it, which is recorded with who and
    when. Raises BookingError."""
    now = now or timezone.now()
    screen = HealthScreen.objects.filter(booking_id=booking_id, booking__therapist=therapist).first()
    needs_ok = bool(screen and health.needs_doctors_ok(screen.answered_yes))
    if needs_ok and not doctor_ok_seen:
        raise BookingError("Record that you have seen the client's doctor's agreement before accepting.")
    with transaction.atomic():
        if needs_ok:
            HealthScreen.objects.filter(pk=screen.pk).update(doctor_ok_seen_at=now, doctor_ok_seen_by=therapist.user)
        updated = Booking.objects.filter(
            pk=booking_id, therapist=therapist, status=Booking.Status.AWAITING_REVIEW, start__gt=now
        ).update(status=Booking.Status.CONFIRMED, calendar_sequence=F("calendar_sequence") + 1)
        booking = Booking.objects.get(pk=booking_id, therapist=therapist)
        if not updated:
            raise BookingError(f"This booking is {booking.get_status_display().lower()}; there is nothing to accept.")
        # The request said "your therapist will confirm": this is that confirmation.
        outbound_email_schedule(
            booking=booking,
            kind=Kind.BOOKING_CONFIRMATION,
            to_email=booking.client_email,
            due_at=now,
            extra={"accepted": True},
        )
    return booking


def _changeable_booking(booking_id: int, now: datetime.datetime, *, lock: bool = False) -> Booking:
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
