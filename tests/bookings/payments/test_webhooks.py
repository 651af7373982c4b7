"""Stripe's webhooks: a bad signature is refused and stores nothing; an event is applied once
(a replay changes nothing); an event arriving out of order cannot undo a payment, since the
intent is read from Stripe as it is now; an event about no charge of ours is stored and
ignored."""

import pytest
from django.urls import reverse

from bookings.models import Booking, Charge, LedgerEntry, StripeEvent
from bookings.payments import checkout

from ...clock import NOW, at, days_from_now
from ...factories import book
from ...stripe_local import signed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)


def post(client, event: dict, *, secret=None):
    body, signature = signed(event, **({"secret": secret} if secret else {}))
    return client.post(
        reverse("stripe_webhook"), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def event(event_id: str, event_type: str, intent_id: str) -> dict:
    return {"id": event_id, "type": event_type, "data": {"object": {"id": intent_id, "object": "payment_intent"}}}


@pytest.fixture
def paid_at_stripe(asha, deposit_policy, sports, fake_stripe, monkeypatch):
    """A booking whose deposit Stripe took, but whose answer never reached the page: its charge
    waits (with the intent's id) for the webhook."""
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)
    real_create = fake_stripe.payment_intent_create
    created = {}

    def answer_lost(**kwargs):
        created["intent"] = real_create(**kwargs)
        raise checkout.gateway.GatewayError("connection dropped")

    monkeypatch.setattr(checkout.gateway, "payment_intent_create", answer_lost)
    with pytest.raises(checkout.gateway.GatewayError):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    Charge.objects.filter(booking=booking).update(stripe_payment_intent=created["intent"].id)
    return booking, created["intent"].id


def test_a_webhook_with_a_bad_signature_is_refused_and_stores_nothing(client, paid_at_stripe):
    booking, intent_id = paid_at_stripe
    response = post(client, event("evt_1", "payment_intent.succeeded", intent_id), secret="whsec_not_ours")
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.AWAITING_PAYMENT


def test_a_webhook_confirms_the_booking_once_and_a_replay_changes_nothing(client, paid_at_stripe):
    booking, intent_id = paid_at_stripe
    for _ in range(2):
        assert post(client, event("evt_1", "payment_intent.succeeded", intent_id)).status_code == 200

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert StripeEvent.objects.count() == 1
    assert list(LedgerEntry.objects.values_list("amount_pence", "stripe_id")) == [(1100, intent_id)]
    assert booking.emails.filter(kind="booking_confirmation").count() == 1


def test_a_failure_event_arriving_after_the_success_cannot_undo_the_payment(client, paid_at_stripe):
    booking, intent_id = paid_at_stripe
    post(client, event("evt_2", "payment_intent.succeeded", intent_id))
    post(client, event("evt_1", "payment_intent.payment_failed", intent_id))

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Charge.objects.get(booking=booking).status == Charge.Status.SUCCEEDED
    assert StripeEvent.objects.count() == 2


def test_an_event_about_no_charge_of_ours_is_stored_and_ignored(client, fake_stripe):
    fake_stripe.payment_intents["pi_elsewhere"] = {
        "status": "succeeded",
        "amount": 999,
        "metadata": {},
        "customer": "",
        "payment_method": "",
    }
    assert post(client, event("evt_9", "payment_intent.succeeded", "pi_elsewhere")).status_code == 200
    assert StripeEvent.objects.filter(event_id="evt_9").exists()
    assert not LedgerEntry.objects.exists()


def test_a_webhook_get_is_not_allowed(client):
    assert client.get(reverse("stripe_webhook")).status_code == 405
