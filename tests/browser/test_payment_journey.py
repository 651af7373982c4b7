"""A client pays the deposit on a phone, as a person would: the pay page after the booking
form, a card that works, a card the bank declines, and the page's policy letting Stripe.js in
(and no other page). Stripe is the local fake (localstripe): its Stripe.js mounts plain text
fields for the card inside #card-element."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, LedgerEntry, PaymentPolicy, Take

from .helpers import answer_health_questions, assert_accessible, choose_a_time, in_three_days, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THANK_YOU = "Thank you: £11.00 paid, and you're booked in and we've emailed your confirmation."
DECLINED = "Nothing was taken. Please check the details or try another card."


@pytest.fixture
def deposit_policy(sports):
    """Sports massage (£55): a 20% deposit (£11) at booking."""
    return PaymentPolicy.objects.create(
        session_type=sports,
        take=Take.DEPOSIT,
        deposit_percent=20,
        late_cancel_fee_percent=50,
        no_show_fee_percent=100,
    )


def book_as_a_guest(page, day) -> None:
    """From the home page through the booking form, which sends a guest on to the pay page."""
    choose_a_time(page, day, "10:00")
    answer_health_questions(page)
    page.get_by_label("Your name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Mobile number").fill("07700 900456")
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay £11.00 to confirm")


def pay_with(page, number: str) -> None:
    """Types a card into the local Stripe.js's fields and pays. The fake's number field takes
    the 16 digits only (it answers "Bad request" to spaces, which real Stripe Elements take)."""
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("SW1A 1AA")
    page.get_by_role("button", name="Pay £11.00").click()


def test_a_guest_pays_the_deposit_on_a_phone_and_is_booked_in(page, asha, sports, deposit_policy, local_stripe):
    day = in_three_days()
    book_as_a_guest(page, day)

    assert re.search(r"/pay/booking/[^/]+/$", page.url)
    expect(page.get_by_role("note")).to_contain_text("Test payments: no money moves")
    terms = page.get_by_role("region", name="What you agree to").get_by_role("listitem")
    expect(terms.first).to_be_visible()
    assert terms.count() >= 1
    expect(page.get_by_text(f"{day:%A %-d %B %Y}, 10:00 with Asha Patel")).to_be_visible()
    expect(page.get_by_role("button", name="Pay £11.00")).to_be_enabled()  # Stripe.js mounted the card
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    screenshot(page, f"pay-{page.viewport_name}")
    assert_accessible(page)

    pay_with(page, "4242424242424242")

    expect(page.get_by_text(THANK_YOU)).to_be_visible()
    expect(page.get_by_text(f"{day:%A %-d %B %Y}, 10:00 to 11:00")).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    screenshot(page, f"paid-{page.viewport_name}")
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    [entry] = LedgerEntry.objects.filter(booking=booking)
    assert (entry.kind, entry.amount_pence) == (LedgerEntry.Kind.PAYMENT, 1100)


def test_a_declined_card_takes_nothing_and_another_card_pays(page, asha, sports, deposit_policy, local_stripe):
    book_as_a_guest(page, in_three_days())
    pay_url = page.url

    pay_with(page, "4000000000000002")

    expect(page.get_by_text(DECLINED)).to_be_visible()
    expect(page).to_have_url(pay_url)
    expect(page.get_by_role("button", name="Pay £11.00")).to_be_enabled()  # a fresh card form
    screenshot(page, f"pay-declined-{page.viewport_name}")
    assert_accessible(page)
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    assert not LedgerEntry.objects.exists()

    pay_with(page, "4242424242424242")

    expect(page.get_by_text(THANK_YOU)).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [(LedgerEntry.Kind.PAYMENT, 1100)]


def script_src(response) -> list[str]:
    policy = response.headers["content-security-policy"]
    [directive] = [d.split()[1:] for d in policy.split(";") if d.split()[:1] == ["script-src"]]
    return directive


def test_only_the_pay_page_lets_stripe_js_in(page, asha, sports, deposit_policy, local_stripe):
    stripe_origin = f"{urlsplit(local_stripe.url).scheme}://{urlsplit(local_stripe.url).netloc}"
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    book_as_a_guest(page, in_three_days())

    pay_page = page.goto(page.url)
    expect(page.get_by_role("button", name="Pay £11.00")).to_be_enabled()  # Stripe.js ran
    home = page.request.get("/")

    assert stripe_origin in script_src(pay_page)
    assert stripe_origin not in script_src(home)
    assert not any("127.0.0.1" in source for source in script_src(home))
    assert violations == []


def test_a_guest_who_cancels_in_time_sees_the_deposit_refunded(
    page, asha, sports, deposit_policy, local_stripe, celery_eager
):
    day = in_three_days()
    book_as_a_guest(page, day)
    pay_with(page, "4242424242424242")
    expect(page.get_by_text(THANK_YOU)).to_be_visible()

    page.get_by_role("link", name="Cancel booking…").click()
    page.get_by_role("button", name="Yes, cancel my booking").click()

    expect(page.get_by_text("Your booking is cancelled.")).to_be_visible()
    ledger = page.get_by_role("table", name="Payments and refunds")
    expect(ledger).to_contain_text("Refund")
    expect(ledger).to_contain_text("£11.00")
    screenshot(page, f"refunded-{page.viewport_name}")
    assert_accessible(page)
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CANCELLED
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [("payment", 1100), ("refund", 1100)]


def test_a_no_show_fee_charged_from_the_saved_card_is_shown_to_the_therapist(
    page, asha, sports, deposit_policy, local_stripe, celery_eager
):
    from django.utils import timezone

    from bookings.payments import checkout
    from bookings.services.outcome import booking_mark_no_show

    from ..clock import at
    from ..factories import book

    now = timezone.now()
    booking = book(sports, asha, at(in_three_days(), "11:00"), now=now)
    secret = checkout.card_step(booking_id=booking.pk, now=now).setup_secret
    local_stripe.card_confirm(secret, "4242424242424242")
    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=secret.split("_secret_")[0], now=now).paid
    # The session has been and the client never came: moved into the past by hand, since no
    # booking can be made there.
    begun = now - dt.timedelta(minutes=30)
    Booking.objects.filter(pk=booking.pk).update(
        start=begun, end=begun + dt.timedelta(hours=1), blocks_until=begun + dt.timedelta(hours=1)
    )
    booking_mark_no_show(therapist=asha, booking_id=booking.pk, now=now)

    log_in(page, "asha")
    page.goto(f"/bookings/{booking.pk}/")
    money = page.get_by_role("region", name="Payment")
    expect(money).to_contain_text("No-show fee: £55.00: paid")
    expect(money.get_by_role("table")).to_contain_text("£44.00")
    expect(money.get_by_role("button", name=re.compile("Waive"))).to_be_visible()
    screenshot(page, f"no-show-fee-{page.viewport_name}")
    assert_accessible(page)
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [("payment", 1100), ("fee_charged", 4400)]
