"""The payment page as a client meets it: the booking form leads there; the terms and the hold
are shown; a card refused in the browser is said and nothing changes; a lapsed hold says so;
someone else's booking is not found; My bookings offers "Pay now"."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.messaging.tokens import link_issue
from bookings.models import Booking, BookingLink, BookingPayment, Charge

from ...clock import NOW, at, days_from_now
from ...factories import book, details_url, form_data, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)


def pay_url(booking) -> str:
    return reverse("booking_pay", args=[link_issue(booking=booking, purpose=BookingLink.Purpose.MANAGE)])


def test_the_booking_form_leads_to_the_payment_page(client, asha, deposit_policy, sports, fake_stripe):
    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00")))
    assert response.status_code == 302 and response["Location"].startswith("/pay/booking/")
    page = client.get(response["Location"]).content.decode()
    assert "Pay £11.00 to confirm" in page
    assert "Test payments: no money moves." in page
    assert "We hold this time for you until" in page
    assert 'data-setup-secret="seti_' in page
    assert Booking.objects.get().status == Booking.Status.AWAITING_PAYMENT


def test_a_card_refused_in_the_browser_is_said_and_changes_nothing(client, asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    url = pay_url(booking)
    client.get(url)
    response = client.post(url, {"card_error": "Your card number is incomplete."}, follow=True)
    page = response.content.decode()
    assert "Your card number is incomplete. Nothing was taken." in page
    assert not Charge.objects.exists()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.AWAITING_PAYMENT


def test_a_tampered_setup_intent_is_refused_on_the_page(client, asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    url = pay_url(booking)
    client.get(url)
    response = client.post(url, {"setup_intent": "seti_someone_elses"}, follow=True)
    assert "That card form was not for this booking" in response.content.decode()
    assert not Charge.objects.exists()


def test_a_lapsed_hold_says_the_time_was_released(client, asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    BookingPayment.objects.filter(booking=booking).update(pay_by=NOW - dt.timedelta(minutes=1))
    page = client.get(pay_url(booking)).content.decode()
    assert "This time was released" in page
    assert "data-setup-secret" not in page


def test_someone_elses_booking_is_not_found_from_my_bookings(client, asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"), client=make_user("owner"))
    client.force_login(make_user("stranger"))
    assert client.get(reverse("my_booking_pay", args=[booking.pk])).status_code == 404


def test_my_bookings_offers_pay_now_for_a_booking_awaiting_payment(client, asha, deposit_policy, sports, fake_stripe):
    owner = make_user("owner")
    booking = book(sports, asha, at(TUESDAY, "10:00"), client=owner)
    client.force_login(owner)
    page = client.get(reverse("my_bookings")).content.decode()
    assert reverse("my_booking_pay", args=[booking.pk]) in page
    assert "Awaiting payment" in page


def test_only_the_payment_page_allows_stripe_in_its_content_security_policy(
    client, asha, deposit_policy, sports, fake_stripe, settings
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    paying = client.get(pay_url(booking))["Content-Security-Policy"]
    home = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self' http://127.0.0.1:8420" in paying
    assert "127.0.0.1:8420" not in home
