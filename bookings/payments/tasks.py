"""The payments' beat task: stands in for any webhook that never came, and releases unpaid
bookings whose hold has ended, so no booking sticks in "awaiting payment"."""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from bookings.models import Booking, BookingPayment, Charge
from bookings.payments import gateway
from bookings.payments.holds import unpaid_release
from bookings.payments.outcomes import money_settle
from bookings.payments.settle import intent_settle

log = logging.getLogger(__name__)

# A charge asked of Stripe this long ago with no answer kept is asked about again.
ASK_AFTER = datetime.timedelta(seconds=30)
BATCH = 200
# How far before a lost charge was asked for its PaymentIntent may be dated (clocks differ).
LOOK_BACK = datetime.timedelta(minutes=10)


def charges_unanswered_ask(*, now: datetime.datetime, booking_ids=None) -> int:
    """Asks Stripe about each charge still waiting for its answer; returns how many."""
    waiting = Charge.objects.filter(
        status__in=[Charge.Status.STARTING, Charge.Status.NEEDS_ACTION], updated_at__lte=now - ASK_AFTER
    )
    if booking_ids is not None:
        waiting = Charge.objects.filter(
            booking_id__in=booking_ids, status__in=[Charge.Status.STARTING, Charge.Status.NEEDS_ACTION]
        )
    asked = 0
    lost = []
    for charge in waiting[:BATCH]:
        asked += 1
        if charge.stripe_payment_intent:
            intent_settle(gateway.payment_intent_get(charge.stripe_payment_intent), now=now)
        else:
            lost.append(charge)
    if lost:
        # The answer was lost before the intent's id was kept: find it by its metadata, looking
        # back to a little before the oldest of them was asked for.
        looking_for = {str(charge.pk) for charge in lost}
        since = min(charge.updated_at for charge in lost) - LOOK_BACK
        for intent in gateway.payment_intents_listed(newer_than=since):
            if intent.metadata.get("charge") in looking_for:
                intent_settle(intent, now=now)
                looking_for.discard(intent.metadata["charge"])
                if not looking_for:
                    break
    return asked


def unpaid_bookings_release(*, now: datetime.datetime) -> int:
    due = list(
        BookingPayment.objects.filter(booking__status=Booking.Status.AWAITING_PAYMENT, pay_by__lte=now).values_list(
            "booking_id", flat=True
        )[:BATCH]
    )
    if due:
        # Stripe first: a payment made in time whose news never came must not be released.
        charges_unanswered_ask(now=now, booking_ids=due)
    return sum(unpaid_release(booking_id=booking_id, now=now) for booking_id in due)


def outcomes_settle(*, now: datetime.datetime) -> int:
    """Settles the money of every booking that did not go ahead and is not settled yet: those
    whose settling failed or waited (a late cancellation until its time comes)."""
    unsettled = BookingPayment.objects.filter(
        settled_at__isnull=True, booking__status__in=[Booking.Status.CANCELLED, Booking.Status.NO_SHOW]
    ).values_list("booking_id", flat=True)
    return sum(money_settle(booking_id=booking_id, now=now) == "settled" for booking_id in list(unsettled[:BATCH]))


@shared_task(name="bookings.payments_reconcile")
def payments_reconcile() -> dict:
    now = timezone.now()
    try:
        asked = charges_unanswered_ask(now=now)
        released = unpaid_bookings_release(now=now)
        settled = outcomes_settle(now=now)
    except gateway.GatewayError as error:
        log.warning("Payments not reconciled this run: Stripe did not answer (%s)", error)
        return {"error": str(error)}
    return {"asked": asked, "released": released, "settled": settled}


@shared_task(name="bookings.payments_settle", bind=True, max_retries=5, default_retry_delay=30)
def payments_settle(self, booking_id: int) -> str:
    """A booking's money settled as soon as it is cancelled or marked a no-show (the
    reconcile task settles anything this misses)."""
    if not BookingPayment.objects.filter(booking_id=booking_id).exists():
        return "no payment"
    try:
        return money_settle(booking_id=booking_id, now=timezone.now())
    except gateway.GatewayError as error:
        raise self.retry(exc=error) from error
