"""The changes to a booking that claim no new time: cancelling it, correcting the client's contact
details, and the therapist accepting a booking whose health answers needed their review.
Moving a booking claims a new time, so it is in bookings.services.booking with making one.
"""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bookings import cancel_reasons
from bookings.clinical import health
from bookings.messaging.outbox import outbound_email_schedule, outbound_emails_cancel
from bookings.messaging.tokens import links_revoke
from bookings.models import (
    HEALTH_DATA_PERMISSION,
    Booking,
    BookingContactChange,
    BookingLink,
    FreedTime,
    HealthScreen,
    OutboundEmail,
    OutcomeScore,
    SessionNote,
)
from bookings.models.payment_terms import money_settle_soon
from bookings.records.doctor_letter import DoctorLetter, LetterRefused, letter_check, letter_write
from bookings.services.booking import BookingError, changeable_booking
from bookings.services.booking_writes import staff_notify
from clinic.free_times import free_times_changed
from therapists.models import Therapist

Kind = OutboundEmail.Kind


def booking_cancel(
    *, booking_id: int, cancelled_by=None, reason: str = "", now: datetime.datetime | None = None
) -> Booking:
    """Cancels a booking that has not started.

    Rules: only a booking that can still change (Booking.is_changeable). A client cancelling
    within the clinic's free-cancellation period (Booking.is_late_to_cancel) may still cancel,
    but it is recorded as late; a cancellation by the therapist or an admin never is, and
    needs a reason: ``reason`` is then a code from bookings.cancel_reasons, and the client's
    email says that reason's words, ours, never anything staff typed. Pending emails are
    cancelled and the links to manage the booking revoked; client, therapist and admins are told.
    Raises BookingError, or ReasonRefused for staff with no reason from the list."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = changeable_booking(booking_id, now, lock=True)
        by_staff = cancelled_by is not None and (
            cancelled_by.is_staff
            or getattr(getattr(cancelled_by, "therapist", None), "pk", None) == booking.therapist_id
        )
        if by_staff:
            reason = cancel_reasons.reason_for_client(reason)
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
        free_times_changed(therapist_id=booking.therapist_id, room_ids=[booking.room_id])
        # The time given up, for the waitlist (bookings.waitlist) to offer.
        FreedTime.objects.create(
            therapist_id=booking.therapist_id, start=booking.start, offer_from=now + FreedTime.UNDO_DELAY
        )
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
        staff_notify(booking=booking, kind=Kind.STAFF_CANCELLED, now=now)
        money_settle_soon(booking=booking)  # a refund, or a fee once its time comes
    return booking


class ContactChangeRefused(BookingError):
    """A change to a booking's contact details that was refused: nothing was changed."""


def booking_contact_update(
    *,
    booking_id: int,
    name: str,
    email: str,
    phone: str,
    changed_by,
    reason: str,
    now: datetime.datetime | None = None,
) -> Booking:
    """Corrects the client's contact details (an admin fixing a mistyped address, say). The
    client's emails not yet sent, or failed, go to the new address; sent ones keep the
    address they went to, and the therapist's and admins' emails are untouched.

    Rules: a reason is given; a new address on a booking holding health data (health answers,
    session notes or outcome scores) needs bookings.view_health_data, since its emails and
    links would go to whoever holds that address; the booking stays linked to the account it
    was (a guest's stays a guest's: see privacy.claims), and each change is logged as a
    BookingContactChange with who, when, why and the address before and after.
    Raises ContactChangeRefused, or ValidationError (by field) for an empty name or phone or an
    invalid address."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        old_email = booking.client_email
        reason = booking_contact_change_check(booking=booking, new_email=email, changed_by=changed_by, reason=reason)
        booking.client_name, booking.client_email, booking.client_phone = name.strip(), email.strip(), phone.strip()
        booking.full_clean(validate_unique=False, validate_constraints=False)
        email_changed = booking.client_email.lower() != old_email.lower()
        booking.save(update_fields=["client_name", "client_email", "client_phone"])
        BookingContactChange.objects.create(
            booking=booking,
            changed_by=changed_by,
            at=now,
            old_email=old_email,
            new_email=booking.client_email,
            reason=reason,
        )
        if email_changed:
            booking.emails.filter(
                to_email__iexact=old_email, status__in=[*OutboundEmail.PENDING, OutboundEmail.Status.FAILED]
            ).exclude(kind__in=OutboundEmail.TO_STAFF).update(to_email=booking.client_email)
    return booking


def booking_contact_change_check(*, booking: Booking, new_email: str, changed_by, reason: str) -> str:
    """The rules of booking_contact_update, for a form to check before it saves: ``booking``
    as it is now, ``new_email`` the address asked for. Returns the reason, tidied. Raises
    ContactChangeRefused."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise ContactChangeRefused("Say why the contact details are being changed: the change is logged.")
    email_changed = new_email.strip().lower() != booking.client_email.lower()
    if email_changed and _holds_health_data(booking) and not changed_by.has_perm(HEALTH_DATA_PERMISSION):
        raise ContactChangeRefused(
            "This booking holds health data, so only staff allowed to read health data can change its "
            "email address. Nothing was changed."
        )
    return reason


def _holds_health_data(booking: Booking) -> bool:
    return (
        HealthScreen.objects.filter(booking=booking).exists()
        or SessionNote.objects.filter(booking=booking).exists()
        or OutcomeScore.objects.filter(booking=booking).exists()
    )


def booking_review_accept(
    *,
    booking_id: int,
    therapist: Therapist,
    letter: DoctorLetter | None = None,
    see_letter_at_session: bool = False,
    now: datetime.datetime | None = None,
) -> Booking:
    """The therapist accepts a booking whose health answers needed their review; the client
    is sent the confirmation, with the calendar entry now confirmed.

    Rules: only the booking's own therapist (anyone else gets Booking.DoesNotExist, a 404);
    only a booking awaiting review that has not started; an answer needing a doctor's OK
    (health.DOCTORS_OK) needs either the letter the therapist has seen (its date, who it is
    from, a copy if given: bookings.records.doctor_letter), recorded with who and when, or
    acceptance to see it at the session, which cannot then start without it. Raises
    BookingError."""
    now = now or timezone.now()
    screen = HealthScreen.objects.filter(booking_id=booking_id, booking__therapist=therapist).first()
    needs_ok = bool(screen and health.needs_doctors_ok(screen.answered_yes))
    if needs_ok and letter is None and not see_letter_at_session:
        raise BookingError(
            "Record the doctor's letter you have seen (its date and who it is from), or accept to see it at the "
            "session."
        )
    if needs_ok and letter is not None:
        try:
            letter_check(letter, now=now)
        except LetterRefused as refused:
            raise BookingError(refused.message) from None
    with transaction.atomic():
        if needs_ok and letter is not None:
            letter_write(screen=screen, therapist=therapist, letter=letter, now=now)
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
