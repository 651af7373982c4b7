"""A client books, moves and cancels on a phone, as a person would."""

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Booking, OutboundEmail

from ..outbox import outbound_email_send
from .helpers import (
    answer_health_questions,
    assert_accessible,
    choose_a_time,
    continue_to_details,
    in_three_days,
    log_in,
    say_18_or_over,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sent_manage_path() -> str:
    for email in OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED):
        outbound_email_send(email_id=email.pk)
    [confirmation] = [m for m in mail.outbox if m.subject.startswith("Booked:")]
    return re.search(r"https?://[^/\s]+(/booking/\S+/)", confirmation.body).group(1)


def test_a_guest_books_then_moves_and_cancels_from_the_email_link(page, asha, sports):
    day = in_three_days()
    choose_a_time(page, day, "10:00")

    expect(page.get_by_role("heading", name="Your health", exact=True)).to_be_visible()
    screenshot(page, f"book-health-{page.viewport_name}")
    assert_accessible(page)
    answer_health_questions(page)
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    page.get_by_label("Your name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Mobile number").fill("07700 900456")
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).check()
    screenshot(page, f"book-details-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_text("You're booked in.")).to_be_visible()
    expect(page.get_by_text(f"{day:%A %-d %B %Y}, 10:00 to 11:00")).to_be_visible()
    screenshot(page, f"booking-manage-{page.viewport_name}")
    assert_accessible(page)
    booking = Booking.objects.get()
    assert (booking.client_name, booking.status) == ("Gina Guest", Booking.Status.CONFIRMED)

    page.goto(sent_manage_path())
    page.get_by_role("link", name="Change the time").click()
    page.get_by_label("New day").fill((day + dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show times").click()
    screenshot(page, f"booking-move-{page.viewport_name}")
    page.get_by_role("button", name=f"11:00 on {day + dt.timedelta(days=1):%A %-d %B}").click()
    expect(page.get_by_text("Your booking has moved.")).to_be_visible()
    expect(page.get_by_text(f"{day + dt.timedelta(days=1):%A %-d %B %Y}, 11:00 to 12:00")).to_be_visible()

    # Cancelling asks first; keeping it changes nothing.
    page.get_by_role("link", name="Cancel booking…").click()
    page.get_by_role("link", name="No, keep it").click()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    page.get_by_role("link", name="Cancel booking…").click()
    expect(page.get_by_role("heading", name="Cancel this booking?")).to_be_visible()
    screenshot(page, f"booking-cancel-confirm-{page.viewport_name}")
    page.get_by_role("button", name="Yes, cancel my booking").click()
    expect(page.get_by_text("Your booking is cancelled.")).to_be_visible()
    screenshot(page, f"booking-cancelled-{page.viewport_name}")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_red_flag_stops_the_booking_and_says_what_to_do(page, asha, sports):
    choose_a_time(page, in_three_days(), "11:00")

    # Said at the end of the health step, before the client types who they are.
    answer_health_questions(page, red_flag="It hurts at night or when you are resting")
    expect(page.get_by_role("heading", name="Please get checked before a massage")).to_be_visible()
    expect(page.locator("#main").get_by_role("link", name="NHS 111", exact=True)).to_have_attribute("href", "tel:111")
    screenshot(page, f"booking-get-checked-{page.viewport_name}")
    assert_accessible(page)
    assert Booking.objects.count() == 0


def test_a_therapist_books_a_caller_in_and_lands_on_the_booking(page, asha, sports):
    day = in_three_days()
    log_in(page, "asha")
    choose_a_time(page, day, "11:00")

    expect(page.get_by_role("heading", level=1)).to_have_text("Book for a client")
    for legend in (
        "Right now, do you have any of these?",
        "Do any of these apply to you?",
        "About the pain or problem you are coming in with: do any of these apply?",
    ):
        page.get_by_role("group", name=legend).get_by_label("None of these").check()
    page.get_by_label("What would the client like help with?").select_option(label="Shin splints")
    continue_to_details(page)
    page.get_by_label("Client's name").fill("Phone Caller")
    page.get_by_label("Client's email").fill("caller@example.com")
    page.get_by_label("Client's mobile number").fill("07700 900789")
    say_18_or_over(page)
    page.get_by_role("button", name="Confirm booking").click()
    # The summary at the top links to the box; the same words stand under it.
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_focused()
    expect(
        page.get_by_role(
            "link", name="Ask the client for their agreement to keep their health answers, then tick this."
        )
    ).to_be_visible()
    expect(
        page.locator("strong").filter(
            has_text="Ask the client for their agreement to keep their health answers, then tick this."
        )
    ).to_be_visible()

    page.get_by_label(re.compile("The client agrees to the clinic keeping their health answers")).check()
    screenshot(page, f"book-for-a-client-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm booking").click()

    expect(
        page.get_by_text("Phone Caller is booked in with Asha Patel. We've emailed them the confirmation.")
    ).to_be_visible()
    screenshot(page, f"booked-for-a-client-{page.viewport_name}")
    booking = Booking.objects.get()
    assert (booking.client_email, booking.booked_by, booking.client) == ("caller@example.com", asha.user, None)
    assert page.url.endswith(f"/bookings/{booking.pk}/")
