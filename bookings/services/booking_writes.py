"""What making or moving a booking writes once its checks have passed: the booking row, what the
client told us kept with it, and the emails it queues.

No checks and no refusals here: the workflows in bookings.services.booking decide, under their
locks, then call these inside the same transaction, so a rolled-back booking leaves no row and
sends nothing (emails are outbox rows).
"""

import datetime
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

from bookings.clinical import health, minors
from bookings.messaging.outbox import outbound_email_schedule
from bookings.models import Booking, BookingRules, HealthScreen, OutboundEmail, OutcomeScore
from bookings.privacy.health_access import health_data_readers
from bookings.privacy.health_consent import health_consent_record
from bookings.records.outcome_scores import Ratings, outcome_scores_record
from clinic.free_times import free_times_changed
from clinic.london import LONDON, wall_clock_to_utc
from clinic.models import Room, SessionType
from therapists.models import Therapist

Kind = OutboundEmail.Kind

REMINDER_AHEAD = datetime.timedelta(hours=settings.REMINDER_AHEAD_HOURS)


@dataclass(frozen=True)
class ClientDetails:
    """Who the booking is for, as the form gave it (booking_create takes it)."""

    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class HealthAnswers:
    """The booking form's health screen, as the client answered it (booking_create takes it)."""

    answered_yes: tuple[str, ...]
    main_problem: str
    preferred_pressure: int | None
    notes: str
    consent: bool
    doctor_ok: bool = False  # the client says they have their doctor's agreement
    pregnancy_trimester: int | None = None
    # Under 18 only; under 16, a parent or guardian's name and agreement (bookings.clinical.minors).
    date_of_birth: datetime.date | None = None
    guardian_name: str = ""
    guardian_consent: bool = False


def booking_details_digest(
    *, session_type_id, therapist_id, start, details: ClientDetails, answers: HealthAnswers, client, booked_by
) -> str:
    """A keyed hash (HMAC, so the small space of health answers cannot be guessed back from
    it) of the booking form's details, normalised so the same form sent twice matches. Stored
    with the booking beside its idempotency key."""
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
        "date_of_birth": answers.date_of_birth.isoformat() if answers.date_of_birth else None,
        "client": getattr(client, "pk", None),
        "booked_by": getattr(booked_by, "pk", None),
    }
    payload = json.dumps(normalised, sort_keys=True)
    return salted_hmac("bookings.idempotency", payload, algorithm="sha256").hexdigest()


def booking_insert(
    *,
    session_type: SessionType,
    therapist: Therapist,
    room: Room | None,
    start: datetime.datetime,
    details: ClientDetails,
    assessment: health.Assessment,
    idempotency_key: uuid.UUID,
    submitted: str,
    client,
    booked_by,
) -> Booking:
    """Saves the booking row: it keeps the therapist busy until its end plus their buffer and the
    room until its end plus the room's turnover, and waits for the therapist's review when the
    health screen asks for one. The caller holds the locks; the database's constraints have the
    last word (validate_constraints=False: an overlap is an IntegrityError on save)."""
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
        blocks_until=end + datetime.timedelta(minutes=buffer_minutes_for(therapist)),
        room=room,
        room_until=end + datetime.timedelta(minutes=room.turnover_minutes) if room else None,
        status=Booking.Status.AWAITING_REVIEW if assessment.needs_therapist_review else Booking.Status.CONFIRMED,
        idempotency_key=idempotency_key,
        idempotency_details=submitted,
        booked_by=booked_by,
    )
    # The related rows were just read (the therapist locked) and the idempotency key's
    # uniqueness is the database's to refuse (the caller then returns the booking it made):
    # no query for any of them here, as a booking retried in the next room repeats this.
    booking.full_clean(
        exclude=["client", "booked_by", "cancelled_by", "room", "therapist", "session_type", "idempotency_key"],
        validate_constraints=False,
    )
    booking.save()
    free_times_changed(therapist_id=therapist.pk, room_ids=[booking.room_id])
    return booking


def buffer_minutes_for(therapist: Therapist) -> int:
    """How long after a session the therapist is kept busy: their own buffer, or the clinic's."""
    if therapist.buffer_minutes is not None:
        return therapist.buffer_minutes
    return BookingRules.load().buffer_minutes


def client_answers_record(
    *, booking: Booking, answers: HealthAnswers, ratings: Ratings | None, now: datetime.datetime
) -> None:
    """What the client told us, kept with the booking: the health answers (a doctor's OK counts
    only where an answer needs one, a trimester only when the client said they are pregnant),
    the consent to keep them (given through staff for a booking made on the client's behalf),
    and the first outcome ratings, if any; a minor's date of birth, and under 16 their parent or
    guardian's name and agreement."""
    under_16 = minors.needs_guardian(answers.date_of_birth, booking.start.astimezone(LONDON).date())
    screen = HealthScreen(
        booking=booking,
        answered_yes=sorted(answers.answered_yes),
        main_problem=answers.main_problem,
        preferred_pressure=answers.preferred_pressure,
        notes=answers.notes,
        consent_given_at=now,
        doctor_ok_confirmed=answers.doctor_ok and health.needs_doctors_ok(answers.answered_yes),
        pregnancy_trimester=answers.pregnancy_trimester if health.PREGNANT in answers.answered_yes else None,
        date_of_birth=answers.date_of_birth,
        guardian_name=answers.guardian_name.strip() if under_16 else "",
        guardian_consent=answers.guardian_consent and under_16,
    )
    screen.full_clean(exclude=["booking"])
    screen.save()
    health_consent_record(booking=booking, on_behalf=booking.booked_by is not None, now=now)
    if ratings:
        outcome_scores_record(booking=booking, taken=OutcomeScore.Taken.BOOKING, ratings=ratings, now=now)


def booked_emails_schedule(*, booking: Booking, now: datetime.datetime) -> None:
    """A new booking's emails: the client's confirmation (or, while it waits for the
    therapist's review, their request), its reminders, and the staff's notice."""
    # A booking waiting for the therapist's review is a request until they accept it.
    kind = Kind.BOOKING_REQUESTED if booking.status == Booking.Status.AWAITING_REVIEW else Kind.BOOKING_CONFIRMATION
    outbound_email_schedule(booking=booking, kind=kind, to_email=booking.client_email, due_at=now)
    _reminders_schedule(booking, now)
    staff_notify(booking=booking, kind=Kind.STAFF_BOOKED, now=now)


def moved_emails_schedule(*, booking: Booking, previous_start: datetime.datetime, now: datetime.datetime) -> None:
    """A moved booking's emails: its reminders at the new time, and the client and staff told
    of the move, with the time it had before."""
    _reminders_schedule(booking, now)
    extra = {"previous_start": previous_start.isoformat()}
    outbound_email_schedule(
        booking=booking, kind=Kind.BOOKING_MOVED, to_email=booking.client_email, due_at=now, extra=extra
    )
    staff_notify(booking=booking, kind=Kind.STAFF_MOVED, now=now, **extra)


def _reminders_schedule(booking: Booking, now: datetime.datetime) -> None:
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


def staff_notify(*, booking: Booking, kind: str, now: datetime.datetime, **extra) -> None:
    """The therapist hears of every booking, move and cancellation, and so do the staff who
    may read health data (a booking may need a health review); other staff do not."""
    addresses = {booking.therapist.user.email}
    addresses.update(health_data_readers().exclude(email="").values_list("email", flat=True))
    for address in sorted(a for a in addresses if a):
        outbound_email_schedule(booking=booking, kind=kind, to_email=address, due_at=now, extra=extra)
