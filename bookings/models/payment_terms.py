"""What a booking asks for, from its session type's payment policy: the amount taken when
booking, the fees for cancelling late and not coming, and those terms in plain words for the
time step, the card step, the booking's page and the download. With them, the two things the
booking lifecycle does about payments (it sits below bookings.payments, which it never
imports): hold a new booking for payment, and ask for its money to be settled when it is
cancelled or not attended."""

import datetime
import decimal
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import transaction

from bookings.models.booking import Booking
from bookings.models.payments import BookingPayment, Charge, LedgerEntry, PaymentPolicy, Take
from clinic.models import SessionType


@dataclass(frozen=True)
class Terms:
    take: str
    due_pence: int
    late_cancel_fee_pence: int
    no_show_fee_pence: int
    fees_charged: str
    no_fee_when_refilled: bool

    @classmethod
    def agreed(cls, payment: BookingPayment) -> "Terms":
        """The terms a booking's client agreed to, as kept with the booking."""
        return cls(
            take=payment.take,
            due_pence=payment.due_pence,
            late_cancel_fee_pence=payment.late_cancel_fee_pence,
            no_show_fee_pence=payment.no_show_fee_pence,
            fees_charged=payment.fees_charged,
            no_fee_when_refilled=payment.no_fee_when_refilled,
        )


def price_pence(session_type: SessionType) -> int:
    return int((session_type.price * 100).to_integral_value(rounding=decimal.ROUND_HALF_UP))


def _share(price: int, percent: int | None, pence: int | None) -> int:
    """A percentage of the price (rounded to the nearest penny) or an amount; never above the price."""
    if pence is not None:
        return min(pence, price)
    if percent is not None:
        return min((price * percent + 50) // 100, price)
    return 0


def is_first_visit(email: str) -> bool:
    return not Booking.objects.filter(client_email__iexact=email, status=Booking.Status.ATTENDED).exists()


def terms_for(session_type: SessionType, *, client_email: str) -> Terms | None:
    """The terms a client booking this session now would agree to; None when the clinic takes
    nothing online for it (no policy, or "nothing", with no card for fees)."""
    if not settings.STRIPE_SECRET_KEY:
        return None  # payments are not set up: nothing is taken online
    policy = PaymentPolicy.objects.filter(session_type=session_type).first()
    if policy is None:
        return None
    take = policy.take
    if policy.first_visit_take and is_first_visit(client_email):
        take = policy.first_visit_take
    return _terms(policy, session_type, take)


def _terms(policy: PaymentPolicy, session_type: SessionType, take: str) -> Terms | None:
    if take == Take.NONE:
        return None
    price = price_pence(session_type)
    due = {Take.FULL: price, Take.DEPOSIT: _share(price, policy.deposit_percent, policy.deposit_pence)}.get(take, 0)
    return Terms(
        take=take if due or take == Take.CARD else Take.CARD,
        due_pence=due,
        late_cancel_fee_pence=_share(price, policy.late_cancel_fee_percent, policy.late_cancel_fee_pence),
        no_show_fee_pence=_share(price, policy.no_show_fee_percent, policy.no_show_fee_pence),
        fees_charged=policy.fees_charged,
        no_fee_when_refilled=policy.no_fee_when_refilled,
    )


def pounds(pence: int) -> str:
    return f"£{pence // 100}.{pence % 100:02d}"


def terms_in_words(terms: Terms) -> list[str]:
    """The terms as sentences, the same wherever they are shown."""
    hours = settings.FREE_CANCELLATION_HOURS
    if terms.take == Take.FULL:
        lines = [f"You pay the full price, {pounds(terms.due_pence)}, when you book."]
    elif terms.take == Take.DEPOSIT:
        lines = [f"You pay a deposit of {pounds(terms.due_pence)} when you book; the rest is paid at the clinic."]
    else:
        lines = ["Nothing is taken when you book: your card is saved and charged only for the fees below."]
    if terms.due_pence:
        lines.append(f"Cancel at least {hours} hours before the start and we refund it in full.")
    fees = []
    if terms.late_cancel_fee_pence:
        fees.append(f"cancelling later than {hours} hours before the start costs {pounds(terms.late_cancel_fee_pence)}")
    if terms.no_show_fee_pence:
        fees.append(f"not coming without cancelling costs {pounds(terms.no_show_fee_pence)}")
    if fees:
        paid_towards = " (what you paid when booking counts towards it)" if terms.due_pence else ""
        lines.append(f"{'; '.join(fees).capitalize()}{paid_towards}.")
        if terms.no_fee_when_refilled and terms.late_cancel_fee_pence:
            lines.append("If someone else books the time you cancelled late, there is no fee.")
    if fees or terms.take == Take.CARD:
        lines.append(
            "Your card is kept by our payment provider, Stripe, so we can charge these fees without you present."
        )
    return lines


def policy_in_words(session_type: SessionType) -> list[str]:
    """The session's payment terms for the time step, before we know who books: those of a
    returning client, and what differs on a first visit. One query; empty when nothing is
    taken online."""
    policy = PaymentPolicy.objects.filter(session_type=session_type).first() if settings.STRIPE_SECRET_KEY else None
    if policy is None:
        return []
    usual = _terms(policy, session_type, policy.take)
    lines = terms_in_words(usual) if usual else ["Nothing is taken online: you pay at the clinic."]
    if policy.first_visit_take and policy.first_visit_take != policy.take:
        first = _terms(policy, session_type, policy.first_visit_take)
        said = terms_in_words(first)[0] if first else "Nothing is taken online."
        lines.append(f"On your first visit: {said[0].lower()}{said[1:]}")
    return lines if usual or policy.first_visit_take else []


def payment_hold(*, booking: Booking, terms: Terms, now: datetime.datetime) -> BookingPayment:
    """Inside booking_create's transaction: the booking waits for payment under ``terms``,
    holding its time until PAYMENT_HOLD_MINUTES pass (bookings.payments releases it then). It
    sends nothing until it is paid: its emails are written when it is."""
    payment = BookingPayment.objects.create(
        booking=booking,
        take=terms.take,
        due_pence=terms.due_pence,
        late_cancel_fee_pence=terms.late_cancel_fee_pence,
        no_show_fee_pence=terms.no_show_fee_pence,
        fees_charged=terms.fees_charged,
        no_fee_when_refilled=terms.no_fee_when_refilled,
        status_when_paid=booking.status,
        pay_by=now + datetime.timedelta(minutes=settings.PAYMENT_HOLD_MINUTES),
    )
    booking.status = Booking.Status.AWAITING_PAYMENT
    booking.save(update_fields=["status"])
    return payment


def money_settle_soon(*, booking: Booking) -> None:
    """Inside the transaction that cancelled the booking or marked it a no-show: its money (a
    refund, a fee) is settled by bookings.payments' task once that commits. Only a booking with
    payment terms has any; the payments' beat task settles whatever this misses."""
    if BookingPayment.objects.filter(booking=booking).exists():
        task = current_app.signature("bookings.payments_settle", args=(booking.pk,))
        transaction.on_commit(task.delay)


def money_of(booking: Booking) -> dict:
    """What a booking's pages show of its money: the terms in words, the ledger's entries (with
    their amounts in pounds) and, for staff, the fees it owes (``fees``: label, Charge.Purpose,
    the whole fee in pounds, its charge row or None, and what that charge asks of the card in
    pounds: the fee less any deposit kept for it); empty for a booking with no terms. Three queries."""
    payment = BookingPayment.objects.filter(booking=booking).first()
    if payment is None:
        return {"payment": None, "payment_terms": [], "ledger": [], "fees": []}
    entries = LedgerEntry.objects.filter(booking=booking).order_by("at", "pk")
    charges = {charge.purpose: charge for charge in Charge.objects.filter(booking=booking)}
    owed = []
    if booking.status == Booking.Status.NO_SHOW:
        owed.append((Charge.Purpose.NO_SHOW_FEE, payment.no_show_fee_pence))
    if booking.status == Booking.Status.CANCELLED and booking.late_cancellation:
        owed.append((Charge.Purpose.LATE_CANCEL_FEE, payment.late_cancel_fee_pence))
    return {
        "payment": payment,
        "payment_terms": terms_in_words(Terms.agreed(payment)),
        "ledger": [(entry, pounds(entry.amount_pence)) for entry in entries],
        "fees": [
            (
                Charge.Purpose(purpose).label,
                purpose,
                pounds(pence),
                charges.get(purpose),
                pounds(charges[purpose].amount_pence) if purpose in charges else "",
            )
            for purpose, pence in owed
            if pence
        ],
    }
