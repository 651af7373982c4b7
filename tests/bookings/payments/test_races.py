"""Payments under pressure, on PostgreSQL with real threads (tests/factories.py's at_once): the
webhook and the reconcile task settling one payment give one ledger row and one confirmation;
the card form sent twice at once charges once; the hold's end racing the payment leaves a
booking confirmed and paid or released with nothing kept; a client cancelling while the beat
task settles the booking's money is refunded once.

Stripe's latency is part of each race: the fake answers at once, so some tests run each race
twice, once with the fake answering slowly (a request in flight, as Stripe takes a second or
so), which lets the other side in where a real request would."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection  # noqa: F401 (read by the skip condition)
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingPayment, Charge, LedgerEntry, OutboundEmail
from bookings.payments import checkout, gateway, outcomes
from bookings.payments.holds import unpaid_release
from bookings.payments.outcomes import money_settle
from bookings.payments.tasks import payments_reconcile
from bookings.services.booking_changes import booking_cancel

from ...clock import NOW, at, days_from_now
from ...factories import at_once, book
from ...stripe_local import signed

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clock", "rules"),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need real concurrency"),
]

TUESDAY = days_from_now(6)
STRIPE_LATENCY = [pytest.param(0, id="stripe-answers-at-once"), pytest.param(0.3, id="stripe-answers-slowly")]


def slowly(monkeypatch, name: str, seconds: float) -> None:
    """The gateway's ``name`` (the fake's, installed) takes ``seconds`` before Stripe acts."""
    if not seconds:
        return
    real = getattr(gateway, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(gateway, name, slow)


def card_form(booking, fake_stripe) -> str:
    """The card form shown and a good card saved in it: its SetupIntent's id."""
    setup_intent = checkout.card_step(booking_id=booking.pk, now=timezone.now()).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)
    return setup_intent


def pence(booking, kind: str) -> int:
    return LedgerEntry.objects.filter(booking=booking, kind=kind).aggregate(t=Sum("amount_pence"))["t"] or 0


def ledger(booking) -> list:
    return sorted(LedgerEntry.objects.filter(booking=booking).values_list("kind", "amount_pence"))


def taken_at_stripe(fake_stripe) -> int:
    return sum(i["amount"] for i in fake_stripe.payment_intents.values() if i["status"] == "succeeded")


def refunded_at_stripe(fake_stripe) -> int:
    return sum(r["amount"] for r in fake_stripe.refunds.values())


def not_a_crash(outcome) -> bool:
    """What the page may show: a result, or a refusal in words (never a 500)."""
    return not isinstance(outcome, Exception) or isinstance(outcome, checkout.PaymentRefused)


# 1. The webhook and the reconcile task ---------------------------------------------------


def test_the_webhook_and_the_reconcile_task_settling_one_payment_at_once_confirm_it_once(
    asha, deposit_policy, sports, fake_stripe, clock, monkeypatch
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = card_form(booking, fake_stripe)
    # Stripe takes the deposit, but its answer never reaches the page.
    real_create, created = fake_stripe.payment_intent_create, {}

    def answer_lost(**kwargs):
        created["intent"] = real_create(**kwargs)
        raise gateway.GatewayError("connection dropped")

    monkeypatch.setattr(gateway, "payment_intent_create", answer_lost)
    with pytest.raises(gateway.GatewayError):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    intent_id = created["intent"].id
    Charge.objects.filter(booking=booking).update(stripe_payment_intent=intent_id)  # its id kept, status starting
    assert Charge.objects.get(booking=booking).status == Charge.Status.STARTING
    clock.shift(dt.timedelta(minutes=1))  # the reconcile task asks about it now (within the hold)

    body, signature = signed(
        {
            "id": "evt_race",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": intent_id, "object": "payment_intent"}},
        }
    )

    def webhook():
        return Client().post(
            reverse("stripe_webhook"), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )

    response, reconciled = at_once(webhook, payments_reconcile)

    assert getattr(response, "status_code", response) == 200
    assert isinstance(reconciled, dict) and "error" not in reconciled, reconciled
    assert (reconciled["released"], reconciled["settled"]) == (0, 0)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert list(LedgerEntry.objects.values_list("booking_id", "kind", "amount_pence", "stripe_id")) == [
        (booking.pk, LedgerEntry.Kind.PAYMENT, 1100, intent_id)
    ]
    assert Charge.objects.get(booking=booking).status == Charge.Status.SUCCEEDED
    confirmations = OutboundEmail.objects.filter(booking=booking, kind=OutboundEmail.Kind.BOOKING_CONFIRMATION)
    assert list(confirmations.values_list("to_email", flat=True)) == [booking.client_email]
    assert len(fake_stripe.payment_intents) == 1


# 2. The card form sent twice at once -----------------------------------------------------


@pytest.mark.parametrize("latency", STRIPE_LATENCY)
def test_the_card_form_sent_twice_at_once_charges_once(asha, deposit_policy, sports, fake_stripe, monkeypatch, latency):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = card_form(booking, fake_stripe)
    slowly(monkeypatch, "payment_intent_create", latency)

    def submit():
        return checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)

    outcomes = at_once(submit, submit)

    assert all(not_a_crash(o) for o in outcomes), outcomes
    paid = [o for o in outcomes if isinstance(o, checkout.Step) and o.paid]
    refused = [o for o in outcomes if isinstance(o, checkout.PaymentRefused)]
    assert len(paid) + len(refused) == 2 and paid, outcomes  # the one that charged says so
    assert all(r.message == checkout.ALREADY_PAYING for r in refused), refused
    assert len(fake_stripe.payment_intents) == 1, fake_stripe.payment_intents
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert ledger(booking) == [(LedgerEntry.Kind.PAYMENT, 1100)]
    assert taken_at_stripe(fake_stripe) == 1100
    charge = Charge.objects.get(booking=booking)
    assert charge.status == Charge.Status.SUCCEEDED
    assert OutboundEmail.objects.filter(booking=booking, kind=OutboundEmail.Kind.BOOKING_CONFIRMATION).count() == 1


# 3. The hold's end racing the payment ----------------------------------------------------


@pytest.mark.parametrize("latency", STRIPE_LATENCY)
def test_the_holds_end_racing_the_payment_leaves_it_paid_and_confirmed_or_released_with_nothing_kept(
    asha, deposit_policy, sports, fake_stripe, clock, monkeypatch, latency
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = card_form(booking, fake_stripe)
    slowly(monkeypatch, "payment_intent_create", latency)
    clock.shift(dt.timedelta(minutes=15, seconds=1))  # past pay_by: the page is sent just as the hold ends
    late = timezone.now()

    paying, releasing = at_once(
        lambda: checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=late),
        payments_reconcile,
    )
    for outcome in (paying, releasing):
        assert not_a_crash(outcome), outcome
    # The beat runs on: anything left waiting is asked about, and a release's money settled.
    clock.shift(dt.timedelta(minutes=1))
    again = payments_reconcile()
    assert "error" not in again, again
    runs = [r for r in (releasing, again) if isinstance(r, dict)]
    assert all("error" not in r for r in runs), runs
    released = sum(r["released"] for r in runs)

    booking.refresh_from_db()
    payment = BookingPayment.objects.get(booking=booking)
    assert booking.status in (Booking.Status.CONFIRMED, Booking.Status.CANCELLED), booking.status
    assert released == (booking.status == Booking.Status.CANCELLED)
    if booking.status == Booking.Status.CONFIRMED:
        assert ledger(booking) == [(LedgerEntry.Kind.PAYMENT, 1100)]
        assert (taken_at_stripe(fake_stripe), refunded_at_stripe(fake_stripe)) == (1100, 0)
        assert payment.released_at is None and payment.paid_at is not None
        assert isinstance(paying, checkout.Step) and paying.paid, paying
    else:
        assert payment.released_at is not None
        # Nothing kept: whatever Stripe took went back, in the ledger as at Stripe.
        assert pence(booking, LedgerEntry.Kind.PAYMENT) == pence(booking, LedgerEntry.Kind.REFUND)
        assert pence(booking, LedgerEntry.Kind.PAYMENT) == taken_at_stripe(fake_stripe)
        assert refunded_at_stripe(fake_stripe) == taken_at_stripe(fake_stripe)
        assert payment.settled_at is not None
        assert not OutboundEmail.objects.filter(booking=booking, kind=OutboundEmail.Kind.BOOKING_CONFIRMATION).exists()
    assert not Charge.objects.filter(booking=booking, status=Charge.Status.STARTING).exists()


# 4. A client cancelling while the beat task settles the money ---------------------------


@pytest.mark.parametrize("latency", STRIPE_LATENCY)
@pytest.mark.usefixtures("celery_eager")
def test_a_client_cancelling_while_the_beat_task_settles_is_refunded_once(
    asha, deposit_policy, sports, fake_stripe, monkeypatch, latency
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = card_form(booking, fake_stripe)
    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW).paid
    slowly(monkeypatch, "refund_create", latency)

    def beat():
        """The beat task running again and again while the client cancels."""
        runs = []
        for _ in range(100):
            runs.append(payments_reconcile())
            if BookingPayment.objects.filter(booking=booking, settled_at__isnull=False).exists():
                break
            time.sleep(0.005)
        return runs

    # The cancel settles the money itself once it commits (the task, eager), and so does the beat.
    cancelled, runs = at_once(lambda: booking_cancel(booking_id=booking.pk, now=NOW), beat)

    assert isinstance(cancelled, Booking) and cancelled.status == Booking.Status.CANCELLED, cancelled
    assert isinstance(runs, list) and all("error" not in run for run in runs), runs
    assert len(fake_stripe.refunds) == 1, fake_stripe.refunds
    assert refunded_at_stripe(fake_stripe) == 1100
    assert ledger(booking) == [(LedgerEntry.Kind.PAYMENT, 1100), (LedgerEntry.Kind.REFUND, 1100)]
    assert LedgerEntry.objects.get(booking=booking, kind=LedgerEntry.Kind.REFUND).stripe_id in fake_stripe.refunds
    assert BookingPayment.objects.get(booking=booking).settled_at is not None
    assert OutboundEmail.objects.filter(booking=booking, kind=OutboundEmail.Kind.PAYMENT_NOTICE).count() == 1
    # And the beat after it changes nothing.
    payments_reconcile()
    assert len(fake_stripe.refunds) == 1


# Bugs the races found, each made to happen every time --------------------------------------


def test_a_release_and_the_card_form_locking_at_once_do_not_deadlock(
    asha, deposit_policy, sports, fake_stripe, clock, monkeypatch
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = card_form(booking, fake_stripe)
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    late = timezone.now()
    cancelling, go_on = threading.Event(), threading.Event()
    real_save = Booking.save

    def save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        if "cancellation_reason" in (kwargs.get("update_fields") or ()):
            cancelling.set()  # the release holds the booking's row: it pauses here a moment
            go_on.wait(10)

    monkeypatch.setattr(Booking, "save", save)

    def pay():
        assert cancelling.wait(10)
        return checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=late)

    def let_go():
        assert cancelling.wait(10)
        time.sleep(0.5)  # the page is waiting for the booking's row by now
        go_on.set()

    released, paying, _ = at_once(lambda: unpaid_release(booking_id=booking.pk, now=late), pay, let_go)

    assert released is True, released
    assert isinstance(paying, checkout.PaymentRefused) and paying.message == checkout.HOLD_LAPSED, paying
    assert not fake_stripe.payment_intents


def test_a_payment_answered_after_the_release_is_not_told_it_is_booked(
    asha, deposit_policy, sports, fake_stripe, clock, monkeypatch
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = card_form(booking, fake_stripe)
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    late = timezone.now()
    real_create = gateway.payment_intent_create

    def released_meanwhile(**kwargs):
        # The request is with Stripe (a second or so) when the beat releases the hold.
        assert payments_reconcile()["released"] == 1
        return real_create(**kwargs)

    monkeypatch.setattr(gateway, "payment_intent_create", released_meanwhile)
    try:
        step = checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=late)
    except checkout.PaymentRefused as refused:
        step = refused
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not (isinstance(step, checkout.Step) and step.paid), step


def test_a_payment_settled_between_money_settles_two_transactions_is_still_refunded(
    asha, deposit_policy, sports, fake_stripe, clock, monkeypatch
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = card_form(booking, fake_stripe)
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    late = timezone.now()
    real_create, answered = gateway.payment_intent_create, {}

    def released_meanwhile(**kwargs):
        assert unpaid_release(booking_id=booking.pk, now=late)
        answered["intent"] = real_create(**kwargs)
        raise gateway.GatewayError("the answer is slow: it is applied below")

    monkeypatch.setattr(gateway, "payment_intent_create", released_meanwhile)
    with pytest.raises(gateway.GatewayError):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=late)
    Charge.objects.filter(booking=booking).update(status=Charge.Status.STARTING)

    # The beat settles the released booking; the page's answer (or the webhook) lands between
    # money_settle's first transaction (nothing paid yet) and its second (marked settled).
    real_atomic, entered = outcomes.transaction.atomic, []

    class Transactions:
        @staticmethod
        def atomic(*args, **kwargs):
            entered.append(1)
            if len(entered) == 2:
                outcomes.intent_settle(gateway.payment_intent_get(answered["intent"].id), now=late)
            return real_atomic(*args, **kwargs)

    monkeypatch.setattr(outcomes, "transaction", Transactions)
    money_settle(booking_id=booking.pk, now=late)
    monkeypatch.undo()  # the gateway as Stripe is, and the real transactions
    fake_stripe.install(monkeypatch)

    clock.shift(dt.timedelta(minutes=1))
    payments_reconcile()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert taken_at_stripe(fake_stripe) == 1100
    assert pence(booking, LedgerEntry.Kind.PAYMENT) == 1100
    assert pence(booking, LedgerEntry.Kind.REFUND) == 1100  # nothing kept of a released booking
