"""The booking lifecycle: make, move and cancel a booking, correct the client's contact details,
and the therapist's review of health answers.

Every write that takes a therapist's time follows one pattern: lock the therapist's row,
re-check the slot with the same selector that offered it, write, and let the database's
no-overlap constraint (PostgreSQL) refuse anything that slipped past. Emails are outbox rows
written in the same transaction, so a rolled-back booking sends nothing.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from clinic.free_times import free_times_changed
from clinic.london import LONDON, wall_clock_to_utc
from clinic.models import SessionType
from therapists.models import Therapist

from .. import health
from ..locks import therapist_lock
from ..models import Booking, BookingRules, HealthScreen, OutboundEmail
from ..outbox import outbound_email_schedule, outbound_emails_cancel
from ..selectors import Slot, available_slots
from .claims import account_for_email

Kind = OutboundEmail.Kind

REMINDER_AHEAD = datetime.timedelta(hours=settings.REMINDER_AHEAD_HOURS)


class BookingError(Exception):
    """A booking could not be made or changed; str(error) is the message to show."""


class SlotTaken(BookingError):
    def __init__(self, alternatives: list[Slot]):
        super().__init__("Sorry, that time has just been taken. Please choose another.")
        self.alternatives = alternatives


class ClinicBusy(BookingError):
    def __init__(self):
        super().__init__("We are taking a lot of bookings right now. Please try again in a moment.")


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
    now: datetime.datetime | None = None,
) -> Booking:
    """Books a free slot. With therapist_id None, books whichever free therapist comes first.

    Rules: the session type is active; the therapist is bookable (Therapist.objects.bookable)
    on the day; the start is still one of the free slots (hours, time off, other bookings and
    buffers, notice, horizon) when re-checked under a lock on the therapist; the health screen
    allows online booking, and "work around" or "doctor's OK" answers put the booking in
    therapist review; consent to hold health answers was given. The same idempotency key
    returns the booking it made the first time. A booking made for someone else (a guest,
    or staff on a client's behalf) belongs to the account that has verified its email.

    Raises HealthScreenStops, SlotTaken (with the nearest free alternatives), ClinicBusy
    when the lock cannot be had in time, and BookingError or ValidationError for bad input.
    """
    now = now or timezone.now()
    existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    if not answers.consent:
        raise BookingError("Please agree to us keeping your health answers, so your therapist can treat you safely.")
    try:
        assessment = health.assess(answers.answered_yes)
    except KeyError:
        raise BookingError("Some health answers were not recognised. Please answer the questions again.") from None
    if not assessment.can_book_online:
        raise HealthScreenStops(assessment)
    session_type = SessionType.objects.filter(pk=session_type_id, active=True).first()
    if session_type is None:
        raise BookingError("That session is not available to book.")
    client = client or account_for_email(details.email)

    try:
        with transaction.atomic():
            therapist = _lock_free_therapist(session_type, therapist_id, start, now)
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
                status=Booking.Status.AWAITING_REVIEW
                if assessment.needs_therapist_review
                else Booking.Status.CONFIRMED,
                idempotency_key=idempotency_key,
                booked_by=booked_by,
            )
            booking.full_clean(exclude=["client", "booked_by", "cancelled_by"], validate_constraints=False)
            booking.save()
            free_times_changed(therapist_id=therapist.pk)
            screen = HealthScreen(
                booking=booking,
                answered_yes=sorted(answers.answered_yes),
                main_problem=answers.main_problem,
                preferred_pressure=answers.preferred_pressure,
                notes=answers.notes,
                consent_given_at=now,
            )
            screen.full_clean(exclude=["booking"])
            screen.save()
            _schedule_client_emails(booking, now)
            _notify_staff(booking, Kind.STAFF_BOOKED, now)
    except OperationalError as error:
        # PostgreSQL's lock_timeout (bookings.locks), or SQLite's busy timeout: too many
        # writers at once.
        raise ClinicBusy() from error
    except IntegrityError:
        # Another request won: the same form sent twice, or the same slot booked by someone
        # else in the moment between our check and our insert.
        existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
        raise SlotTaken(_nearest_alternatives(session_type, therapist_id, start, now)) from None
    return booking


def _lock_free_therapist(
    session_type: SessionType, therapist_id: int | None, start: datetime.datetime, now: datetime.datetime
) -> Therapist:
    """Finds a therapist free at start and locks their row until the transaction ends.

    Two bookings of one therapist queue on this lock, so the re-check after it sees every
    booking committed before ours."""
    day = timezone.localtime(start).date()
    candidates = [therapist_id] if therapist_id is not None else _free_therapist_ids(session_type, None, start, now)
    for candidate in candidates:
        therapist = therapist_lock(therapist_id=candidate)
        if therapist is None:
            break
        if candidate in _free_therapist_ids(session_type, candidate, start, now):
            return therapist
    if therapist_id is not None and not Therapist.objects.bookable(on=day).filter(pk=therapist_id).exists():
        raise BookingError("That therapist cannot be booked at the moment. Please choose another.")
    raise SlotTaken(_nearest_alternatives(session_type, therapist_id, start, now))


def _free_therapist_ids(
    session_type: SessionType, therapist_id: int | None, start: datetime.datetime, now: datetime.datetime
) -> tuple[int, ...]:
    day = timezone.localtime(start).date()
    for slot in available_slots(
        therapist_id=therapist_id, session_type=session_type, date_from=day, date_to=day, now=now
    ):
        if slot.start == start:
            return slot.therapist_ids
    return ()


def _nearest_alternatives(
    session_type: SessionType,
    therapist_id: int | None,
    start: datetime.datetime,
    now: datetime.datetime,
    count: int = 3,
) -> list[Slot]:
    day = timezone.localtime(start).date()
    slots = available_slots(
        therapist_id=therapist_id,
        session_type=session_type,
        date_from=day,
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
    """The therapist and the clinic's admins hear of every booking, move and cancellation."""
    addresses = {booking.therapist.user.email}
    addresses.update(
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    for address in sorted(a for a in addresses if a):
        outbound_email_schedule(booking=booking, kind=kind, to_email=address, due_at=now, extra=extra)


def booking_reschedule(
    *, booking_id: int, start: datetime.datetime, changed_by=None, now: datetime.datetime | None = None
) -> Booking:
    """Moves a booking to another free start with the same therapist and session type.

    Rules: only a booking that can still change (Booking.is_changeable); the new start is
    free under the same re-check as a new booking (the booking's own time does not count
    against it). Its reminders move with it; client, therapist and admins are told.
    Raises BookingError, SlotTaken or ClinicBusy."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # The therapist's lock, before the booking is read: the move is a new claim on
            # their time, re-checked under the same lock as a new booking.
            therapist_id = Booking.objects.filter(pk=booking_id).values_list("therapist_id", flat=True).first()
            if therapist_id is not None:
                therapist_lock(therapist_id=therapist_id)
            booking = _changeable_booking(booking_id, now)
            previous_start = booking.start
            # Free the booking's own time for the re-check, inside this transaction only.
            Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
            if booking.therapist_id not in _free_therapist_ids(booking.session_type, booking.therapist_id, start, now):
                raise SlotTaken(_nearest_alternatives(booking.session_type, booking.therapist_id, start, now))
            held = booking.blocks_until - booking.end
            booking.start = start
            booking.end = start + datetime.timedelta(minutes=booking.session_type.duration_minutes)
            booking.blocks_until = booking.end + held
            booking.calendar_sequence += 1
            booking.save(update_fields=["start", "end", "blocks_until", "status", "calendar_sequence"])
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
    and needs a reason. Pending emails are cancelled; client, therapist and admins are told.
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


def booking_review_accept(*, booking_id: int, therapist: Therapist, now: datetime.datetime | None = None) -> Booking:
    """The therapist accepts a booking whose health answers needed their review; the client
    is sent the confirmation, with the calendar entry now confirmed.

    Rules: only the booking's own therapist (anyone else gets Booking.DoesNotExist, a 404);
    only a booking awaiting review that has not started. Raises BookingError."""
    now = now or timezone.now()
    with transaction.atomic():
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
