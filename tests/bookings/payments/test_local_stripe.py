"""The payment step against a local, stateful Stripe server (localstripe): the same calls the
site makes in production, with Stripe's test cards. Its webhooks reach the live server."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from bookings.management.commands.payments_ledger_check import ledger_differences
from bookings.models import Booking, Charge, LedgerEntry, StripeEvent
from bookings.payments import checkout, gateway

from ...clock import at
from ...factories import book

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("rules")]


def in_days(days: int) -> dt.date:
    """A day ahead on the real clock: localstripe and its webhooks run in real time."""
    return timezone.localdate() + dt.timedelta(days=days)


def card_form(local_stripe, booking, number: str) -> str:
    """The card form as Stripe.js fills it: returns the SetupIntent's id."""
    secret = checkout.card_step(booking_id=booking.pk, now=timezone.now()).setup_secret
    local_stripe.card_confirm(secret, number)
    return secret.split("_secret_")[0]


def test_a_deposit_is_taken_and_stripes_webhook_is_stored(local_stripe, live_server, asha, deposit_policy, sports):
    local_stripe.webhook_register(f"{live_server.url}/pay/stripe/webhook/")
    booking = book(sports, asha, at(in_days(5), "10:00"), now=timezone.now())
    setup_intent = card_form(local_stripe, booking, "4242424242424242")

    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=timezone.now()).paid
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    charge = Charge.objects.get(booking=booking)
    assert charge.stripe_payment_intent.startswith("pi_")
    assert list(LedgerEntry.objects.values_list("amount_pence", flat=True)) == [1100]
    # localstripe sends payment_intent.succeeded a second later: stored, and it changes nothing.
    deadline = time.monotonic() + 10
    while not StripeEvent.objects.filter(type="payment_intent.succeeded").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert StripeEvent.objects.filter(type="payment_intent.succeeded", object_id=charge.stripe_payment_intent).exists()
    assert LedgerEntry.objects.count() == 1


def test_cards_declined_at_saving_and_at_charging_take_nothing(local_stripe, asha, deposit_policy, sports):
    booking = book(sports, asha, at(in_days(5), "11:00"), now=timezone.now())
    refused = card_form(local_stripe, booking, "4000000000000002")
    with pytest.raises(checkout.PaymentRefused):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=refused, now=timezone.now())

    declined_on_charge = card_form(local_stripe, booking, "4000000000000341")
    with pytest.raises(checkout.PaymentRefused, match="declined"):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=declined_on_charge, now=timezone.now())
    assert not LedgerEntry.objects.exists()

    paying = card_form(local_stripe, booking, "4242424242424242")
    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=paying, now=timezone.now()).paid
    assert LedgerEntry.objects.get().amount_pence == 1100


def test_the_ledger_check_agrees_with_stripe_and_names_each_difference(local_stripe, asha, deposit_policy, sports):
    from django.core.management import CommandError, call_command

    LedgerEntry.objects.all().delete()  # earlier tests' payments sit in the same local Stripe
    booking = book(sports, asha, at(in_days(5), "12:00"), now=timezone.now())
    paying = card_form(local_stripe, booking, "4242424242424242")
    checkout.card_saved(booking_id=booking.pk, setup_intent_id=paying, now=timezone.now())
    ours = LedgerEntry.objects.get(booking=booking)
    # Only this test's payment is ours: the others are known to the ledger check as strangers.
    others = [c for c in gateway.charges_all() if c["payment_intent"] != ours.stripe_id]

    with pytest.raises(CommandError):
        call_command("payments_ledger_check")  # the earlier tests' charges have no entry here
    differences = ledger_differences()
    assert len(differences) == len([c for c in others if c["status"] == "succeeded"])
    assert not any(ours.stripe_id in line for line in differences)

    LedgerEntry.objects.filter(pk=ours.pk).delete()  # the ledger loses a row (only by hand)
    assert any(ours.stripe_id in line and "has no ledger entry" in line for line in ledger_differences())
