"""What happened at a session and the aftercare that follows it: a no-show, a session completed
with the therapist's notes (which plans the aftercare emails), the client's answer to the
check-in email, and the client stopping or restarting aftercare emails.

An outcome is recorded with a conditional UPDATE on the booking's status, so two clicks (or two
tabs) cannot both record one; emails are outbox rows written in the same transaction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.clinical import body_chart
from bookings.clinical.aftercare import FLARE_ANSWERS, Feedback, plan
from bookings.clinical.pressure import pressure_warnings
from bookings.messaging.outbox import outbound_email_schedule, outbound_emails_cancel
from bookings.models import AftercareOptOut, Booking, OutboundEmail, OutcomeScore, SessionNote
from bookings.models.payment_terms import money_settle_soon
from bookings.privacy.marketing import book_again_schedule
from bookings.records.consent import NOT_YET_GIVEN, treatment_consent_given
from bookings.records.outcome_scores import Ratings, outcome_scores_record
from bookings.records.selectors import last_session
from bookings.services.booking import BookingError
from therapists.models import Therapist

Kind = OutboundEmail.Kind


def booking_mark_no_show(*, therapist: Therapist, booking_id: int, now: datetime.datetime) -> Booking:
    """The client did not come: records it and cancels the booking's pending emails. (A
    session the client came to is marked attended only with its notes: session_complete.)

    Rules: only the booking's own therapist may mark it (anyone else gets Booking.DoesNotExist,
    so a view answers 404); only a booking that has started; only a confirmed one (never a
    cancelled one, and an outcome once recorded stays). Raises ValidationError otherwise."""
    with transaction.atomic():
        booking = _record_outcome(therapist=therapist, booking_id=booking_id, outcome=Booking.Status.NO_SHOW, now=now)
        outbound_emails_cancel(booking_id=booking.pk)
        money_settle_soon(booking=booking)  # the no-show fee, by the booking's terms
    return booking


def _record_outcome(*, therapist: Therapist, booking_id: int, outcome: str, now: datetime.datetime) -> Booking:
    booking = Booking.objects.get(pk=booking_id, therapist=therapist)
    # Booking.awaits_outcome as a conditional UPDATE, so two clicks (or two tabs) cannot both
    # record an outcome.
    updated = Booking.objects.filter(pk=booking.pk, status=Booking.Status.CONFIRMED, start__lte=now).update(
        status=outcome
    )
    if not updated:
        booking.refresh_from_db()
        if booking.status != Booking.Status.CONFIRMED:
            raise ValidationError(f"This booking is already marked {booking.get_status_display().lower()}.")
        raise ValidationError("You can mark a booking only once it has started.")
    booking.status = outcome
    return booking


def session_complete(
    *,
    therapist: Therapist,
    booking_id: int,
    areas_worked: list[str],
    pressure_used: int,
    areas_to_avoid: list[str] = (),
    problem: str,
    personal_tip: str = "",
    pressure_reason: str = "",
    now: datetime.datetime | None = None,
    **written: str,
) -> Booking:
    """The therapist marks a session attended with their notes, which plans the client's
    aftercare: up to three outbox emails at London times (aftercare.plan; fewer when the notes
    come late), unless the client has stopped aftercare emails; and, only with marketing
    consent, a "book again" email at the problem's rebooking interval.

    Rules: as booking_mark_no_show (own booking, started, confirmed, once); firm pressure on a
    sensitive problem, or more than last time after the client said the last session made things
    worse (the flare rule, bookings.records.selectors.last_session), needs a reason
    (bookings.clinical.pressure); areas are body chart regions, none both worked and avoided; the
    therapist confirmed the client's consent to treatment first (bookings.records.consent).
    ``written`` holds the written notes (SessionNote.WRITTEN: findings, techniques, the client's
    response, advice given), each optional. Raises Booking.DoesNotExist for someone else's
    booking and ValidationError for bad notes, no consent, or a booking that cannot be completed."""
    now = now or timezone.now()
    if unknown := set(written) - set(SessionNote.WRITTEN):
        raise TypeError(f"Not a written note: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        booking = _record_outcome(therapist=therapist, booking_id=booking_id, outcome=Booking.Status.ATTENDED, now=now)
        if not treatment_consent_given(booking_id=booking.pk):
            raise ValidationError(NOT_YET_GIVEN)  # rolls the status back with the transaction
        note = SessionNote(
            booking=booking,
            areas_worked=list(areas_worked),
            areas_to_avoid=list(areas_to_avoid),
            pressure_used=pressure_used,
            problem=problem,
            personal_tip=personal_tip.strip(),
            written_by=therapist.user,
            written_at=now,
            pressure_reason=pressure_reason.strip(),
            **{field: value.strip() for field, value in written.items()},
        )
        note.full_clean(exclude=["booking", "written_by"])  # refuses unknown body regions
        note.areas_worked = body_chart.in_chart_order(areas_worked)
        note.areas_to_avoid = body_chart.in_chart_order(areas_to_avoid)
        last = last_session(booking=booking)
        warnings = pressure_warnings(
            problem=problem,
            pressure=pressure_used,
            last_pressure=last.booking.session_note.pressure_used if last else None,
            flared=bool(last and last.flare),
        )
        if warnings and not note.pressure_reason:
            raise ValidationError({"pressure_reason": [*warnings, "Say why, or choose a lighter pressure."]})
        note.save()
        if not AftercareOptOut.objects.filter(email__iexact=booking.client_email).exists():
            for step, due_at in plan(booking.end, now=now):
                outbound_email_schedule(booking=booking, kind=step.value, to_email=booking.client_email, due_at=due_at)
        book_again_schedule(booking=booking, problem=note.problem)
    return booking


def aftercare_feedback_record(
    *, booking_id: int, answer: str, ratings: Ratings | None = None, now: datetime.datetime | None = None
) -> tuple[Booking, bool]:
    """Stores the client's answer to "how do you feel now?" (confirmed on the page the
    email's link opens). Rules: only an attended booking takes an answer, and the first answer
    stands, so a second click or another answer later changes nothing; a flare answer
    (aftercare.FLARE_ANSWERS) alerts the therapist. Returns the booking and whether this answer
    was the one recorded. Raises BookingError for an answer not in aftercare.Feedback and
    Booking.DoesNotExist for an unknown booking."""
    if answer not in Feedback.values:
        raise BookingError("That answer was not recognised.")
    now = now or timezone.now()
    with transaction.atomic():
        recorded = Booking.objects.filter(pk=booking_id, status=Booking.Status.ATTENDED, feedback="").update(
            feedback=answer, feedback_at=now
        )
        booking = Booking.objects.select_related("therapist__user", "session_type").get(pk=booking_id)
        if recorded and ratings:
            # With the answer, and only the first time: the scores stand as the answer does.
            outcome_scores_record(booking=booking, taken=OutcomeScore.Taken.CHECK_IN, ratings=ratings, now=now)
        if recorded and answer in FLARE_ANSWERS:
            outbound_email_schedule(
                booking=booking, kind=Kind.THERAPIST_FLARE_ALERT, to_email=booking.therapist.user.email, due_at=now
            )
    return booking, bool(recorded)


def aftercare_stop(*, email: str) -> int:
    """Stops aftercare emails to this address: records the choice and cancels what is
    pending. Returns how many emails were cancelled. Doing it twice is harmless."""
    with transaction.atomic():
        AftercareOptOut.objects.get_or_create(email=email.lower())
        return OutboundEmail.objects.filter(
            to_email__iexact=email, kind__in=OutboundEmail.AFTERCARE, status__in=OutboundEmail.PENDING
        ).update(status=OutboundEmail.Status.CANCELLED)


def aftercare_restart(*, email: str) -> None:
    """Aftercare emails start again from the next session."""
    AftercareOptOut.objects.filter(email__iexact=email).delete()
