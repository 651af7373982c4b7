"""The card and payment step while booking. The client's card goes straight from their
browser to Stripe (Stripe.js confirms a SetupIntent, so the card is saved for the fees the
terms name); our server then checks with Stripe that the card was saved for this booking and
charges what is due now, confirmed as the PaymentIntent is created. A declined card leaves
the booking awaiting payment, to try another card until its hold ends."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from bookings.models import Booking, BookingPayment, Charge
from bookings.payments import gateway
from bookings.payments.holds import booking_paid, money_lock
from bookings.payments.settle import NEEDS_ACTION, intent_settle
from clinic.errors import ServiceError


class PaymentRefused(ServiceError):
    """The payment step cannot go on; ``message`` says why and what to do."""


HOLD_LAPSED = (
    "We held this time for 15 minutes for your payment and it has now been released. "
    "Nothing was taken. Please choose a time again."
)


PAID_AFTER_RELEASE = (
    "Your payment came after the 15 minutes we held this time for you, and the time had been "
    "released, so it is not booked. We are refunding the payment in full. Please choose a time again."
)
ALREADY_PAYING = "Your payment is already being taken. Please wait a moment, then reload this page to see it."


@dataclass(frozen=True)
class Step:
    """What the payment page shows next: the card form (``setup_secret``), the bank's check
    of a payment (``payment_secret``), or nothing more to do (``paid``)."""

    paid: bool = False
    setup_secret: str = ""
    payment_secret: str = ""


def _awaiting(booking_id: int, now: datetime.datetime) -> BookingPayment:
    """The booking's payment terms, under a lock on its row, while it still awaits payment."""
    payment = money_lock(booking_id)
    if payment.booking.status == Booking.Status.CANCELLED:
        raise PaymentRefused(HOLD_LAPSED if payment.released_at else "This booking was cancelled.")
    return payment


def card_step(*, booking_id: int, now: datetime.datetime) -> Step:
    """The card form's SetupIntent (made once per booking, again only after a declined card),
    or ``paid`` when there is nothing left to pay. Raises PaymentRefused, GatewayError."""
    with transaction.atomic():
        payment = _awaiting(booking_id, now)
        if payment.booking.status != Booking.Status.AWAITING_PAYMENT:
            return Step(paid=True)
        if payment.pay_by <= now:
            raise PaymentRefused(HOLD_LAPSED)
        charge = Charge.objects.filter(booking_id=booking_id, purpose=Charge.Purpose.AT_BOOKING).first()
        if charge is not None and charge.status == Charge.Status.NEEDS_ACTION:
            return Step(payment_secret=gateway.payment_intent_get(charge.stripe_payment_intent).client_secret)
        if charge is not None and charge.status == Charge.Status.STARTING and charge.attempts:
            raise PaymentRefused(ALREADY_PAYING)
        if payment.stripe_setup_intent:
            intent = gateway.setup_intent_get(payment.stripe_setup_intent)
            if intent.status not in ("canceled", "succeeded"):
                return Step(setup_secret=intent.client_secret)
        if not payment.stripe_customer:
            booking = payment.booking
            payment.stripe_customer = gateway.customer_create(
                email=booking.client_email, name=booking.client_name, booking_id=booking.pk
            )
        intent = gateway.setup_intent_create(customer=payment.stripe_customer, booking_id=booking_id)
        payment.stripe_setup_intent = intent.id
        payment.save(update_fields=["stripe_customer", "stripe_setup_intent"])
    return Step(setup_secret=intent.client_secret)


def card_saved(*, booking_id: int, setup_intent_id: str, now: datetime.datetime) -> Step:
    """After Stripe.js saved the card: Stripe is asked whether this booking's SetupIntent
    succeeded (a tampered or foreign id is refused), the card is kept, and what is due now is
    charged. Raises PaymentRefused (a declined card says so), GatewayError."""
    with transaction.atomic():
        payment = _awaiting(booking_id, now)
        if payment.booking.status != Booking.Status.AWAITING_PAYMENT:
            return Step(paid=True)
        if not setup_intent_id or setup_intent_id != payment.stripe_setup_intent:
            raise PaymentRefused("That card form was not for this booking. Please enter your card again.")
        intent = gateway.setup_intent_get(setup_intent_id)
        if intent.metadata.get("booking") != str(booking_id) or intent.status != "succeeded":
            raise PaymentRefused("Your card was not saved. Please enter it again.")
        payment.stripe_payment_method = intent.payment_method
        payment.card_saved_at = now
        payment.save(update_fields=["stripe_payment_method", "card_saved_at"])
        if payment.due_pence == 0:
            booking_paid(booking=payment.booking, now=now)
            return Step(paid=True)
        charge, _ = Charge.objects.get_or_create(
            booking_id=booking_id, purpose=Charge.Purpose.AT_BOOKING, defaults={"amount_pence": payment.due_pence}
        )
        if charge.status == Charge.Status.SUCCEEDED:
            return Step(paid=True)
        if charge.status == Charge.Status.NEEDS_ACTION:
            return Step(payment_secret=gateway.payment_intent_get(charge.stripe_payment_intent).client_secret)
        if charge.status == Charge.Status.STARTING and charge.attempts:
            # Asked of Stripe already (the form sent twice, or its answer lost): a second try
            # could take the money twice. Its answer, or the reconcile task, settles it.
            raise PaymentRefused(ALREADY_PAYING)
        # A new attempt, kept (committed) before Stripe is asked, so a lost answer is found again.
        charge.attempts += 1
        charge.status = Charge.Status.STARTING
        charge.stripe_payment_intent = None
        charge.failure_message = ""
        charge.save()
    return _charge_at_booking(charge, payment, now)


def _charge_at_booking(charge: Charge, payment: BookingPayment, now: datetime.datetime) -> Step:
    try:
        intent = gateway.payment_intent_create(
            charge_id=charge.pk,
            attempt=charge.attempts,
            booking_id=charge.booking_id,
            amount_pence=charge.amount_pence,
            customer=payment.stripe_customer,
            payment_method=payment.stripe_payment_method,
            off_session=False,
        )
    except gateway.CardDeclined as declined:
        Charge.objects.filter(pk=charge.pk, status=Charge.Status.STARTING).update(
            status=Charge.Status.DECLINED, failure_message=declined.message[:500]
        )
        raise PaymentRefused(f"{declined.message} Nothing was taken. Please try another card.") from None
    return _after_answer(intent, now, "Your card was declined. Nothing was taken. Please try another card.")


def _after_answer(intent: gateway.Intent, now: datetime.datetime, refused: str) -> Step:
    """What the page shows once Stripe has answered for a payment: paid (the booking confirmed),
    the bank's check, or the refusal. Paid after the hold ended is said as it is: refunded."""
    settled = intent_settle(intent, now=now)
    if settled is not None and settled.status == Charge.Status.SUCCEEDED:
        if Booking.objects.filter(pk=settled.booking_id, status=Booking.Status.CANCELLED).exists():
            raise PaymentRefused(PAID_AFTER_RELEASE)
        return Step(paid=True)
    if intent.status == NEEDS_ACTION:
        return Step(payment_secret=intent.client_secret)
    raise PaymentRefused(refused)


def payment_checked(*, booking_id: int, now: datetime.datetime) -> Step:
    """After the bank's check in the browser: Stripe is asked how the payment stands."""
    charge = Charge.objects.filter(booking_id=booking_id, purpose=Charge.Purpose.AT_BOOKING).first()
    if charge is None or not charge.stripe_payment_intent:
        raise PaymentRefused("There is no payment waiting for this booking. Please enter your card.")
    intent = gateway.payment_intent_get(charge.stripe_payment_intent)
    return _after_answer(
        intent, now, "Your bank did not confirm the payment. Nothing was taken. Please try another card."
    )
