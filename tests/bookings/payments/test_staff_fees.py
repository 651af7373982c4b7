"""The fees on the staff's booking page: the booking's therapist sees a declined no-show fee
with what to do, charges it again or waives it with a reason; without a reason nothing
changes; another therapist gets 404 and changes nothing."""

import pytest
from django.urls import reverse

from bookings.models import Charge, LedgerEntry
from bookings.payments import checkout, gateway
from bookings.payments.settle import intent_settle
from bookings.services.outcome import booking_mark_no_show

from ...clock import NOW, at, days_from_now
from ...factories import book
from .fake_stripe import DECLINED_ON_CHARGE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules", "celery_eager")]

TUESDAY = days_from_now(6)


@pytest.fixture
def declined_no_show(asha, deposit_policy, sports, fake_stripe, clock, django_capture_on_commit_callbacks):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)
    checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    booking.refresh_from_db()
    fake_stripe.cards[booking.payment.stripe_payment_method] = DECLINED_ON_CHARGE
    clock.move_to(at(TUESDAY, "10:20"))
    with django_capture_on_commit_callbacks(execute=True):
        booking_mark_no_show(therapist=asha, booking_id=booking.pk, now=at(TUESDAY, "10:20"))
    return booking


def test_the_therapist_sees_the_declined_fee_and_what_to_do(client, asha, declined_no_show):
    client.force_login(asha.user)
    page = client.get(reverse("booking_detail", args=[declined_no_show.pk])).content.decode()
    assert "No-show fee: £55.00</strong> (£44.00 from the card" in page and "declined" in page
    assert "Charge £44.00 now" in page  # what the card is asked for: the fee less the deposit kept
    assert "Ask the client to pay at the desk" in page
    assert "£11.00" in page  # the deposit in the ledger


def test_waiving_without_a_reason_says_so_and_changes_nothing(client, asha, declined_no_show):
    client.force_login(asha.user)
    response = client.post(
        reverse("booking_fee", args=[declined_no_show.pk]),
        {"purpose": "no_show_fee", "action": "waive", "reason": ""},
        follow=True,
    )
    assert "Please give a reason" in response.content.decode()
    assert Charge.objects.get(purpose="no_show_fee").status == Charge.Status.DECLINED
    assert not LedgerEntry.objects.filter(kind="fee_waived").exists()


def test_the_therapist_waives_with_a_reason_and_the_deposit_goes_back(client, asha, declined_no_show):
    client.force_login(asha.user)
    client.post(
        reverse("booking_fee", args=[declined_no_show.pk]),
        {"purpose": "no_show_fee", "action": "waive", "reason": "Car broke down"},
    )
    kinds = list(LedgerEntry.objects.filter(booking=declined_no_show).values_list("kind", "amount_pence"))
    assert kinds == [("payment", 1100), ("fee_waived", 4400), ("refund", 1100)]


def test_another_therapist_gets_404_and_changes_nothing(client, bob, declined_no_show):
    client.force_login(bob.user)
    response = client.post(
        reverse("booking_fee", args=[declined_no_show.pk]),
        {"purpose": "no_show_fee", "action": "waive", "reason": "x"},
    )
    assert response.status_code == 404
    assert Charge.objects.get(purpose="no_show_fee").status == Charge.Status.DECLINED


def test_stripes_late_word_of_the_declined_card_leaves_a_waived_fee_waived(client, asha, declined_no_show):
    """The webhook for the declined PaymentIntent can arrive after staff waived the fee: it must
    not put the fee back to "declined" with a Charge button (seen in a CI run)."""
    charge = Charge.objects.get(purpose="no_show_fee")
    client.force_login(asha.user)
    client.post(
        reverse("booking_fee", args=[declined_no_show.pk]),
        {"purpose": "no_show_fee", "action": "waive", "reason": "Car broke down"},
    )
    late = gateway.Intent(
        id="pi_declined_late",
        status="requires_payment_method",
        client_secret="",
        metadata={"charge": str(charge.pk), "booking": str(declined_no_show.pk)},
    )

    intent_settle(late, now=NOW)

    assert Charge.objects.get(pk=charge.pk).status == Charge.Status.WAIVED
