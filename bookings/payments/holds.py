"""A booking awaiting payment (held by bookings.models.payment_terms.payment_hold): it holds
its time in the exclusion constraints like any booking, sends nothing (no confirmation,
reminder, aftercare or marketing) until it is paid, and is released when PAYMENT_HOLD_MINUTES
pass unpaid, its time offered to the waitlist."""

import datetime
import logging

from django.db import transaction

from bookings.models import Booking, BookingPayment, FreedTime
from bookings.services.booking_writes import booked_emails_schedule
from clinic.free_times import free_times_changed

log = logging.getLogger(__name__)


def money_lock(booking_id: int) -> BookingPayment:
    """Inside a transaction: the booking's row, then its payment terms' row, locked in that
    order by everything in payments that changes a booking's money or status (a charge's row
    after them), so no two of them wait on each other round a circle."""
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    payment = BookingPayment.objects.select_for_update().get(booking_id=booking_id)
    payment.booking = booking
    return payment


def booking_paid(*, booking: Booking, now: datetime.datetime) -> bool:
    """Inside a transaction holding the booking's row lock: an awaiting booking becomes what it
    would have been (confirmed, or awaiting the therapist's review) and its emails are written.
    False when it was not awaiting payment (already paid, or released first)."""
    if booking.status != Booking.Status.AWAITING_PAYMENT:
        return False
    payment = booking.payment
    booking.status = payment.status_when_paid
    booking.save(update_fields=["status"])
    BookingPayment.objects.filter(pk=payment.pk).update(paid_at=now)
    booked_emails_schedule(booking=booking, now=now)
    return True


def unpaid_release(*, booking_id: int, now: datetime.datetime) -> bool:
    """Releases a booking still unpaid at its pay-by time: cancelled (the client was never told
    it was booked, so no email), its time freed and offered to the waitlist at once."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().filter(pk=booking_id).first()
        if booking is None or booking.status != Booking.Status.AWAITING_PAYMENT or booking.payment.pay_by > now:
            return False
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancellation_reason = "Not paid in time"
        booking.save(update_fields=["status", "cancelled_at", "cancellation_reason"])
        BookingPayment.objects.filter(booking=booking).update(released_at=now)
        free_times_changed(therapist_id=booking.therapist_id, room_ids=[booking.room_id])
        FreedTime.objects.create(therapist_id=booking.therapist_id, start=booking.start, offer_from=now)
    log.info("Booking %s released: not paid by %s", booking_id, now.isoformat())
    return True
