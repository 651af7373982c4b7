"""A booking's outcome in money: cancelled in time (or released unpaid) gets back what it
paid; cancelled late or not attended owes the fee its terms name, from what it paid first
and then from the saved card (or queued for staff, the clinic's choice); a late cancellation
whose time someone else booked owes nothing when the clinic says so, which is known only
once the session's time comes, so that fee waits until then.

money_settle does it once, however often it runs: each refund is checked against Stripe's
own list of refunds before another is made, and each fee is one Charge row (one per kind)
committed before Stripe is asked."""

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from bookings.models import Booking, BookingPayment, Charge, LedgerEntry
from bookings.payments import gateway
from bookings.payments.holds import money_lock
from bookings.payments.notices import payment_notice_schedule
from bookings.payments.settle import intent_settle

log = logging.getLogger(__name__)

FEE_FOR = {Booking.Status.NO_SHOW: Charge.Purpose.NO_SHOW_FEE}


@dataclass(frozen=True)
class Due:
    """What the clinic keeps of a booking that did not go ahead, and for what."""

    keep_pence: int
    fee: str | None  # the Charge.Purpose of the fee, or None when nothing is owed
    why: str


def money_due(booking: Booking, payment: BookingPayment, now: datetime.datetime) -> Due | None:
    """What the booking owes, or None when it owes nothing to settle (it goes ahead, or it is
    too soon to say)."""
    if booking.status == Booking.Status.NO_SHOW:
        fee, keep, why = Charge.Purpose.NO_SHOW_FEE, payment.no_show_fee_pence, "Did not come"
    elif booking.status != Booking.Status.CANCELLED:
        return None
    elif payment.released_at is not None:
        return Due(0, None, "Not paid in time: the time was released")
    elif not booking.late_cancellation:
        return Due(0, None, "Cancelled in time")
    elif booking.start > now:
        return None  # someone may yet book the time
    elif payment.no_fee_when_refilled and _refilled(booking):
        return Due(0, None, "Cancelled late, but someone else booked the time")
    else:
        fee, keep, why = Charge.Purpose.LATE_CANCEL_FEE, payment.late_cancel_fee_pence, "Cancelled late"
    if Charge.objects.filter(booking=booking, purpose=fee, status=Charge.Status.WAIVED).exists():
        return Due(0, None, "Fee waived")
    return Due(keep, fee if keep else None, why)


def _refilled(booking: Booking) -> bool:
    return (
        Booking.objects.filter(
            therapist_id=booking.therapist_id,
            start__lt=booking.end,
            end__gt=booking.start,
            status__in=[Booking.Status.CONFIRMED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW],
        )
        .exclude(pk=booking.pk)
        .exists()
    )


def _total(booking_id: int, kind: str) -> int:
    return (
        LedgerEntry.objects.filter(booking_id=booking_id, kind=kind).aggregate(total=Sum("amount_pence"))["total"] or 0
    )


def money_settle(*, booking_id: int, now: datetime.datetime) -> str:
    """Settles the booking's money for its outcome; returns what happened in a word. Raises
    GatewayError when Stripe cannot be asked (the reconcile task tries again)."""
    with transaction.atomic():
        payment = money_lock(booking_id)
        if payment.settled_at is not None:
            return "settled"
        due = money_due(payment.booking, payment, now)
        if due is None:
            return "waiting"
        paid = _total(booking_id, LedgerEntry.Kind.PAYMENT)
        kept = min(due.keep_pence, paid)
        if paid - kept > 0:
            _refund(payment, paid - kept, due.why, now)
        extra = due.keep_pence - kept
        fee = _fee_charge(payment, due, extra) if extra > 0 else None
        if fee is None or fee.status != Charge.Status.STARTING:
            # Settled under the same locks it was read under: a payment arriving meanwhile
            # waits for them, then finds the booking settled and unsettles it (settle.py).
            BookingPayment.objects.filter(pk=payment.pk).update(settled_at=now)
            return "settled"
    fee_charge_now(charge_id=fee.pk, now=now)
    with transaction.atomic():
        payment = money_lock(booking_id)
        waiting = Charge.objects.filter(booking_id=booking_id, status=Charge.Status.STARTING).exists()
        # Settled only if no payment came in since it was read; otherwise the next run settles it.
        if not waiting and _total(booking_id, LedgerEntry.Kind.PAYMENT) == paid:
            BookingPayment.objects.filter(pk=payment.pk).update(settled_at=now)
            return "settled"
    return "charging"


def _refund(payment: BookingPayment, owed: int, why: str, now: datetime.datetime) -> None:
    """Refunds what is owed beyond what Stripe has already refunded (its list read first, and
    any refund missing from the ledger written to it), so a run cut short never refunds twice."""
    paid = Charge.objects.get(booking_id=payment.booking_id, purpose=Charge.Purpose.AT_BOOKING)
    made = gateway.refunds_for(paid.stripe_payment_intent)
    for refund_id, pence in made:
        LedgerEntry.objects.get_or_create(
            stripe_id=refund_id,
            defaults={
                "booking_id": payment.booking_id,
                "kind": LedgerEntry.Kind.REFUND,
                "amount_pence": pence,
                "at": now,
                "reason": why,
            },
        )
    still_owed = owed - sum(pence for _, pence in made)
    if still_owed <= 0:
        return
    refund_id = gateway.refund_create(
        payment_intent=paid.stripe_payment_intent, amount_pence=still_owed, key=f"refund-{paid.pk}-{owed}"
    )
    LedgerEntry.objects.create(
        booking_id=payment.booking_id,
        kind=LedgerEntry.Kind.REFUND,
        amount_pence=still_owed,
        stripe_id=refund_id,
        at=now,
        reason=why,
    )
    payment_notice_schedule(booking=payment.booking, what="refund", pence=still_owed, why=why, now=now)


def _fee_charge(payment: BookingPayment, due: Due, extra: int) -> Charge:
    """The fee's row, made once: to charge now, or for staff to charge or waive."""
    review = payment.fees_charged == "review" or not payment.stripe_payment_method
    charge, _ = Charge.objects.get_or_create(
        booking_id=payment.booking_id,
        purpose=due.fee,
        defaults={"amount_pence": extra, "status": Charge.Status.REVIEW if review else Charge.Status.STARTING},
    )
    return charge


def fee_charge_now(*, charge_id: int, now: datetime.datetime) -> Charge:
    """Charges a fee from the saved card without the client (off-session). One attempt per call,
    taken under a conditional update so two runs never both ask Stripe. A declined card is
    kept as DECLINED with the bank's words, for staff."""
    charge = Charge.objects.select_related("booking__payment").get(pk=charge_id)
    attempt = charge.attempts + 1
    claimed = Charge.objects.filter(
        pk=charge.pk,
        attempts=charge.attempts,
        status__in=[Charge.Status.STARTING, Charge.Status.REVIEW, Charge.Status.DECLINED],
    ).update(attempts=attempt, status=Charge.Status.STARTING, stripe_payment_intent=None)
    if not claimed:
        return charge
    payment = charge.booking.payment
    try:
        intent = gateway.payment_intent_create(
            charge_id=charge.pk,
            attempt=attempt,
            booking_id=charge.booking_id,
            amount_pence=charge.amount_pence,
            customer=payment.stripe_customer,
            payment_method=payment.stripe_payment_method,
            off_session=True,
        )
    except gateway.CardDeclined as declined:
        Charge.objects.filter(pk=charge.pk, attempts=attempt).update(
            status=Charge.Status.DECLINED, failure_message=declined.message[:500]
        )
        log.info("Fee %s declined: %s", charge.pk, declined.message)
    else:
        intent_settle(intent, now=now)
    charge.refresh_from_db()
    return charge
