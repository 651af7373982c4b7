"""Staff and fees: charging a fee queued for review (or declined before) from the saved card,
and waiving a fee with a reason, which is logged in the ledger; a fee already charged is
refunded, and a deposit kept towards it goes back when the booking's money is settled again."""

import datetime

from django.db import transaction

from bookings.models import Booking, BookingPayment, Charge, LedgerEntry
from bookings.payments import gateway
from bookings.payments.notices import payment_notice_schedule
from bookings.payments.outcomes import fee_charge_now, money_settle
from clinic.errors import ServiceError

FEES = [Charge.Purpose.LATE_CANCEL_FEE, Charge.Purpose.NO_SHOW_FEE]


class FeeRefused(ServiceError):
    """A fee action that cannot be done; ``message`` says why."""


def may_handle_fees(user, booking: Booking) -> bool:
    """The booking's own therapist, or staff allowed to change charges (admins)."""
    return user.is_active and (booking.therapist.user_id == user.pk or user.has_perm("bookings.change_charge"))


def fee_charge(*, charge_id: int, by, now: datetime.datetime) -> Charge:
    """Charges a fee waiting for review, or declined before, from the saved card now."""
    charge = Charge.objects.select_related("booking__therapist").get(pk=charge_id, purpose__in=FEES)
    if not may_handle_fees(by, charge.booking):
        raise Charge.DoesNotExist
    if charge.status not in (Charge.Status.REVIEW, Charge.Status.DECLINED):
        raise FeeRefused(f"This fee is {charge.get_status_display().lower()}: there is nothing to charge.")
    if not charge.booking.payment.stripe_payment_method:
        raise FeeRefused("No card is saved for this booking: ask the client to pay at the desk, or waive the fee.")
    charge = fee_charge_now(charge_id=charge.pk, now=now)
    BookingPayment.objects.filter(booking_id=charge.booking_id).update(settled_at=now)
    return charge


def fee_waive(*, booking_id: int, purpose: str, by, reason: str, now: datetime.datetime) -> None:
    """Waives the booking's fee of ``purpose`` with a reason. A fee already charged is refunded;
    a deposit kept towards it is refunded by settling the booking's money again."""
    reason = reason.strip()
    if not reason:
        raise FeeRefused("Please give a reason for waiving the fee: it is kept in the booking's ledger.")
    if purpose not in FEES:
        raise FeeRefused("That is not a fee.")
    with transaction.atomic():
        payment = (
            BookingPayment.objects.select_for_update().select_related("booking__therapist").get(booking_id=booking_id)
        )
        booking = payment.booking
        if not may_handle_fees(by, booking):
            raise Charge.DoesNotExist
        amount = payment.no_show_fee_pence if purpose == Charge.Purpose.NO_SHOW_FEE else payment.late_cancel_fee_pence
        charge = Charge.objects.select_for_update().filter(booking=booking, purpose=purpose).first()
        if charge is None and not amount:
            raise FeeRefused("This booking's terms name no such fee.")
        if charge is None:
            charge = Charge.objects.create(
                booking=booking, purpose=purpose, amount_pence=amount, status=Charge.Status.REVIEW
            )
        if charge.status == Charge.Status.WAIVED:
            raise FeeRefused("This fee is already waived.")
        if charge.status == Charge.Status.STARTING:
            raise FeeRefused("This fee is being charged right now. Please try again in a minute.")
        if charge.status == Charge.Status.SUCCEEDED:
            refund_id = gateway.refund_create(
                payment_intent=charge.stripe_payment_intent, amount_pence=charge.amount_pence, key=f"waive-{charge.pk}"
            )
            LedgerEntry.objects.create(
                booking=booking,
                kind=LedgerEntry.Kind.REFUND,
                amount_pence=charge.amount_pence,
                stripe_id=refund_id,
                at=now,
                by=by,
                reason=f"Fee waived: {reason}"[:500],
            )
            payment_notice_schedule(
                booking=booking, what="refund", pence=charge.amount_pence, why="Fee waived", now=now
            )
        charge.status = Charge.Status.WAIVED
        charge.save(update_fields=["status", "updated_at"])
        LedgerEntry.objects.create(
            booking=booking,
            kind=LedgerEntry.Kind.FEE_WAIVED,
            amount_pence=charge.amount_pence,
            at=now,
            by=by,
            reason=reason[:500],
        )
        payment.settled_at = None
        payment.save(update_fields=["settled_at"])
    money_settle(booking_id=booking_id, now=now)
