"""Stripe's word applied: what a PaymentIntent's status means for its charge, the ledger and
the booking. The page that took the payment, the webhook and the reconcile task all end here,
in any order and any number of times: the charge's row lock orders them, and the ledger keeps
each Stripe id once, so a payment counts once and a booking is confirmed once."""

import datetime
import logging

from django.db import transaction

from bookings.models import Booking, BookingPayment, Charge, LedgerEntry
from bookings.payments import gateway
from bookings.payments.holds import booking_paid, money_lock
from bookings.payments.notices import payment_notice_schedule

log = logging.getLogger(__name__)

SUCCEEDED = "succeeded"
NEEDS_ACTION = "requires_action"
# A PaymentIntent in these has failed (or was cancelled): the card must be tried again.
FAILED = {"requires_payment_method", "canceled"}

LEDGER_KIND = {
    Charge.Purpose.AT_BOOKING: LedgerEntry.Kind.PAYMENT,
    Charge.Purpose.LATE_CANCEL_FEE: LedgerEntry.Kind.FEE_CHARGED,
    Charge.Purpose.NO_SHOW_FEE: LedgerEntry.Kind.FEE_CHARGED,
}


def _charge_for(intent: gateway.Intent) -> Charge | None:
    """The charge an intent pays: by the intent's id, or (an answer lost before its id was
    kept) by the charge and booking named in its metadata, both of which must agree."""
    charge = Charge.objects.filter(stripe_payment_intent=intent.id).first()
    if charge is not None:
        return charge
    charge_id, booking_id = intent.metadata.get("charge", ""), intent.metadata.get("booking", "")
    if not (charge_id.isdigit() and booking_id.isdigit()):
        return None
    return Charge.objects.filter(
        pk=int(charge_id), booking_id=int(booking_id), stripe_payment_intent__isnull=True
    ).first()


def intent_settle(intent: gateway.Intent, *, now: datetime.datetime) -> Charge | None:
    """Applies what Stripe says of ``intent`` to the charge it pays, under the booking's locks
    and then the charge's. Returns the charge, or None (logged) for an intent that pays none
    of ours."""
    with transaction.atomic():
        found = _charge_for(intent)
        if found is None:
            log.warning("PaymentIntent %s pays no charge of ours (metadata %s): ignored", intent.id, intent.metadata)
            return None
        payment = money_lock(found.booking_id)
        charge = Charge.objects.select_for_update().get(pk=found.pk)
        if charge.stripe_payment_intent is None:
            charge.stripe_payment_intent = intent.id
        if intent.status == SUCCEEDED:
            _succeeded(charge, payment, intent, now)
        elif (
            charge.status in (Charge.Status.SUCCEEDED, Charge.Status.WAIVED)
            or charge.stripe_payment_intent != intent.id
        ):
            # An older attempt's news, or a late failure after success or after staff waived the
            # fee (Stripe's webhook for a declined card can arrive after the waive): what is paid
            # stays paid, and what is waived stays waived.
            pass
        elif intent.status == NEEDS_ACTION:
            charge.status = Charge.Status.NEEDS_ACTION
        elif intent.status in FAILED:
            charge.status = Charge.Status.DECLINED
            charge.failure_message = charge.failure_message or "The card was declined."
        charge.save()
    return charge


def _succeeded(charge: Charge, payment: BookingPayment, intent: gateway.Intent, now: datetime.datetime) -> None:
    charge.status = Charge.Status.SUCCEEDED
    charge.failure_message = ""
    _, created = LedgerEntry.objects.get_or_create(
        stripe_id=intent.id,
        defaults={
            "booking_id": charge.booking_id,
            "kind": LEDGER_KIND[charge.purpose],
            "amount_pence": intent.amount,
            "at": now,
            "reason": charge.get_purpose_display(),
        },
    )
    if not created:
        return
    if charge.purpose != Charge.Purpose.AT_BOOKING:
        booking = Booking.objects.get(pk=charge.booking_id)
        payment_notice_schedule(
            booking=booking, what="fee", pence=intent.amount, why=charge.get_purpose_display(), now=now
        )
        return
    booking = Booking.objects.select_for_update().get(pk=charge.booking_id)
    if not booking_paid(booking=booking, now=now) and booking.status == Booking.Status.CANCELLED:
        # Paid after the hold lapsed and the time was released: the money goes back.
        # Settled again (bookings.payments.outcomes), which refunds it.
        BookingPayment.objects.filter(booking=booking).update(paid_at=now, settled_at=None)
        log.warning("Booking %s was paid after its release: refund owed", booking.pk)
