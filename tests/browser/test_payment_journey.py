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

from .helpers import (
    answer_health_questions,
    assert_accessible,
    choose_a_time,
    in_three_days,
    log_in,
    open_menu_if_collapsed,
    screenshot,
)

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
    expect(money).to_contain_text(
        "No-show fee: £55.00 (£44.00 from the card, the rest kept from what was paid at booking): paid"
    )
    expect(money.get_by_role("table")).to_contain_text("£44.00")
    expect(money.get_by_role("button", name=re.compile("Waive"))).to_be_visible()
    screenshot(page, f"no-show-fee-{page.viewport_name}")
    assert_accessible(page)
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [("payment", 1100), ("fee_charged", 4400)]


def test_a_client_who_cancels_in_time_sees_the_refund_once_it_is_made(
    page, asha, alice, sports, deposit_policy, local_stripe
):
    """A client with an account (a guest's emailed link stops working when they cancel, so
    only a logged-in client can come back to the page). No celery_eager: the settling task
    queued on cancelling waits for a worker that never comes, so the page first shows what was
    paid and what happens next; the beat task (payments_reconcile) then refunds the deposit,
    and the page shows the refund when the client opens it again."""
    from bookings.models import OutboundEmail
    from bookings.payments.tasks import payments_reconcile

    log_in(page, "alice")
    day = in_three_days()
    choose_a_time(page, day, "10:00")
    answer_health_questions(page)
    page.get_by_label("Mobile number").fill("07700 900123")
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay £11.00 to confirm")
    pay_with(page, "4242424242424242")
    expect(page.get_by_text(THANK_YOU)).to_be_visible()

    page.get_by_role("link", name="Cancel booking…").click()
    page.get_by_role("button", name="Yes, cancel my booking").click()

    expect(page.get_by_text("Your booking is cancelled.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cancelled booking")
    money = page.get_by_role("region", name="Payment")
    expect(money.get_by_role("listitem").first).to_be_visible()  # the terms agreed
    rows = money.get_by_role("table", name="Payments and refunds").get_by_role("row")
    expect(rows).to_have_count(2)  # the heading and the payment: no refund yet
    expect(rows.nth(1)).to_contain_text("Payment")
    expect(
        page.get_by_text("Any refund due goes back to your card; we email you a note when it is made.")
    ).to_be_visible()
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [("payment", 1100)]

    assert payments_reconcile()["settled"] == 1
    # The page after cancelling was at the emailed link, which cancelling revoked: the
    # client comes back through My bookings.
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile(f"^Manage the booking on {day:%a %-d %b}")).click()

    expect(rows).to_have_count(3)
    expect(rows.nth(2).get_by_role("cell").nth(1)).to_have_text("Refund")
    expect(rows.nth(2).get_by_role("cell").nth(2)).to_have_text("£11.00")
    screenshot(page, f"refunded-by-beat-{page.viewport_name}")
    assert_accessible(page)
    booking = Booking.objects.get()
    assert (booking.client, booking.status) == (alice, Booking.Status.CANCELLED)
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [("payment", 1100), ("refund", 1100)]
    notice = OutboundEmail.objects.get(kind=OutboundEmail.Kind.PAYMENT_NOTICE)
    assert notice.to_email == "alice@example.com"


def paid_and_begun(local_stripe, asha, sports) -> Booking:
    """A booking whose £11 deposit was paid from a saved 4242 card and whose session began half
    an hour ago. Online booking refuses a time in the past, so it is booked through the
    services for a time ahead and then moved into the past by hand (a direct update, past the
    services' rules), as if the clock had moved on to the session."""
    from django.utils import timezone

    from bookings.payments import checkout

    from ..clock import at
    from ..factories import book

    now = timezone.now()
    booking = book(sports, asha, at(in_three_days(), "11:00"), now=now)
    secret = checkout.card_step(booking_id=booking.pk, now=now).setup_secret
    local_stripe.card_confirm(secret, "4242424242424242")
    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=secret.split("_secret_")[0], now=now).paid
    begun = now - dt.timedelta(minutes=30)
    Booking.objects.filter(pk=booking.pk).update(
        start=begun, end=begun + dt.timedelta(hours=1), blocks_until=begun + dt.timedelta(hours=1)
    )
    booking.refresh_from_db()
    return booking


def mark_no_show_on_the_diary(page, booking) -> None:
    """The therapist's day in their diary, its "No-show…" link and the page that asks first."""
    from django.utils import timezone

    day = timezone.localtime(booking.start).date()
    page.goto(f"/diary/day/{day.isoformat()}/")
    start = f"{timezone.localtime(booking.start):%H:%M}"
    page.get_by_role("link", name=f"No-show: {booking.client_first_name} at {start}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark a no-show?")
    page.get_by_role("button", name=f"Yes, mark {booking.client_first_name} a no-show").click()
    expect(page.get_by_text(f"{booking.client_first_name}: marked no-show.")).to_be_visible()


def test_the_therapist_marks_a_no_show_on_their_phone_and_sees_the_fee_taken(
    page, asha, sports, deposit_policy, local_stripe, celery_eager
):
    booking = paid_and_begun(local_stripe, asha, sports)
    log_in(page, "asha")

    mark_no_show_on_the_diary(page, booking)
    page.get_by_role("link", name=re.compile(f"Details of {booking.client_first_name}'s booking")).click()

    expect(page).to_have_url(re.compile(rf"/bookings/{booking.pk}/$"))
    expect(page.get_by_text("Status: No-show", exact=False)).to_be_visible()
    money = page.get_by_role("region", name="Payment")
    expect(money).to_contain_text(
        "No-show fee: £55.00 (£44.00 from the card, the rest kept from what was paid at booking): paid"
    )
    rows = money.get_by_role("table", name="Payments, fees and refunds").get_by_role("row")
    expect(rows).to_have_count(3)  # the heading, the deposit and the fee
    expect(rows.nth(1)).to_contain_text("Payment")
    expect(rows.nth(1)).to_contain_text("£11.00")
    expect(rows.nth(2)).to_contain_text("Fee charged")
    expect(rows.nth(2)).to_contain_text("£44.00")
    expect(money.get_by_role("button", name="Waive the no-show fee")).to_be_visible()
    expect(money.get_by_role("button", name=re.compile("^Charge"))).to_have_count(0)  # nothing left to charge
    money.scroll_into_view_if_needed()
    screenshot(page, f"no-show-marked-fee-paid-{page.viewport_name}")
    assert_accessible(page)
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [("payment", 1100), ("fee_charged", 4400)]


def saved_card_now_declines(local_stripe, booking) -> None:
    """The card that paid the deposit is refused later (stopped, or over its limit): the
    booking's saved card becomes one Stripe's test cards decline when charged (…0341)."""
    import requests
    from django.conf import settings

    from bookings.models import BookingPayment

    payment = BookingPayment.objects.get(booking=booking)
    card = {"number": "4000000000000341", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
    made = requests.post(
        f"{local_stripe.url}/v1/payment_methods",
        json={"type": "card", "card": card},
        auth=(settings.STRIPE_SECRET_KEY, ""),
        timeout=5,
    )
    made.raise_for_status()
    method = made.json()["id"]
    requests.post(
        f"{local_stripe.url}/v1/payment_methods/{method}/attach",
        json={"customer": payment.stripe_customer},
        auth=(settings.STRIPE_SECRET_KEY, ""),
        timeout=5,
    ).raise_for_status()
    BookingPayment.objects.filter(pk=payment.pk).update(stripe_payment_method=method)


def test_a_declined_no_show_fee_tells_the_therapist_what_to_do_and_can_be_waived(
    page, asha, sports, deposit_policy, local_stripe, celery_eager
):
    booking = paid_and_begun(local_stripe, asha, sports)
    saved_card_now_declines(local_stripe, booking)
    log_in(page, "asha")

    mark_no_show_on_the_diary(page, booking)
    page.goto(f"/bookings/{booking.pk}/")

    money = page.get_by_role("region", name="Payment")
    expect(money).to_contain_text(
        "No-show fee: £55.00 (£44.00 from the card, the rest kept from what was paid at booking): declined"
    )
    expect(money.get_by_role("alert")).to_contain_text("The card was declined (")  # the bank's words, then what to do
    expect(money.get_by_role("alert")).to_contain_text(
        "Ask the client to pay at the desk or by phone, charge the card again, or waive the fee with a reason."
    )
    # The button names what the card is asked for: the fee less the £11.00 deposit kept.
    expect(money.get_by_role("button", name="Charge £44.00 now")).to_be_visible()
    money.scroll_into_view_if_needed()
    screenshot(page, f"no-show-fee-declined-{page.viewport_name}")
    assert_accessible(page)
    assert list(LedgerEntry.objects.values_list("kind", "amount_pence")) == [("payment", 1100)]

    money.get_by_label("Reason to waive (kept in the ledger)").fill("Family emergency, phoned the next morning")
    money.get_by_role("button", name="Waive the no-show fee").click()

    expect(page.get_by_text("Fee waived; anything already taken for it is being refunded.")).to_be_visible()
    money = page.get_by_role("region", name="Payment")
    expect(money).to_contain_text("No-show fee: £55.00 (£44.00 from the card")
    expect(money).to_contain_text("): waived")
    expect(money.get_by_role("button")).to_have_count(0)
    rows = money.get_by_role("table", name="Payments, fees and refunds").get_by_role("row")
    expect(rows).to_have_count(4)  # the heading, the deposit, the fee waived and the refund
    expect(rows.nth(2)).to_contain_text("Fee waived")
    expect(rows.nth(2)).to_contain_text("Family emergency, phoned the next morning, by Asha")
    expect(rows.nth(3)).to_contain_text("Refund")
    expect(rows.nth(3)).to_contain_text("£11.00")  # the deposit kept towards the fee goes back
    screenshot(page, f"no-show-fee-waived-{page.viewport_name}")
    assert_accessible(page)
    assert sorted(LedgerEntry.objects.values_list("kind", "amount_pence")) == [
        ("fee_waived", 4400),
        ("payment", 1100),
        ("refund", 1100),
    ]
