"""Accounts in a real browser: a client signs up, verifies her address, books and finds
every booking made with it; a therapist sets up an authenticator app and logs in with it."""

import datetime as dt
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking

from ..factories import PASSWORD, make_bookable_therapist, make_booking, make_working_hours
from .helpers import (
    answer_health_questions,
    assert_accessible,
    choose_a_time,
    in_three_days,
    log_out,
    open_menu_if_collapsed,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_signs_up_verifies_books_and_sees_every_booking(page, asha, sports):
    earlier = make_booking(
        therapist=asha,
        session_type=sports,
        start=timezone.now() - dt.timedelta(days=20),
        client_name="Dana",
        client_email="dana@example.com",
    )

    page.goto("/")
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make an account")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password*", exact=True).fill("dana-likes-long-runs")
    page.get_by_label("Password (again)*", exact=True).fill("dana-likes-long-runs")
    screenshot(page, f"account-sign-up-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Make my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    screenshot(page, f"account-verify-sent-{page.viewport_name}")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    screenshot(page, f"account-confirm-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    day = in_three_days()
    choose_a_time(page, day, "10:00")
    answer_health_questions(page)
    expect(page.get_by_label("Email")).to_have_value("dana@example.com")
    page.get_by_label("Your name").fill("Dana Runner")
    page.get_by_label("Mobile number").fill("07700 900456")
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("You're booked in.")).to_be_visible()

    open_menu_if_collapsed(page)
    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    expect(page.get_by_text(f"{day:%a %-d %b}, 10:00", exact=True)).to_be_visible()
    expect(page.get_by_text(timezone.localtime(earlier.start).strftime("%a %-d %b %Y"))).to_be_visible()
    screenshot(page, f"account-my-bookings-{page.viewport_name}")
    assert_accessible(page)
    assert Booking.objects.filter(client__email="dana@example.com").count() == 2


def test_a_therapist_sets_up_an_authenticator_app_and_logs_in_with_its_code(page, sports):
    tom = make_bookable_therapist("tom", display_name="Tom Reid", second_factor=False)
    make_working_hours(tom)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("tom@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Nothing opens before a second factor is set up: he lands on the setup page.
    expect(page.get_by_text("Staff accounts need a second step at login.")).to_be_visible()
    page.goto("/diary/")
    # Straight to the set-up: the password he has just typed is not asked for again.
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    secret = page.get_by_label("Authenticator secret").input_value()
    screenshot(page, f"account-totp-setup-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_label("Authenticator code").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    assert len(page.get_by_label("Unused codes").input_value().split()) == 10
    screenshot(page, f"account-recovery-codes-{page.viewport_name}")
    assert_accessible(page)
    # The last step of the set-up goes on to where his logins land: today in his diary.
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your diary")

    log_out(page)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("tom@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    # A code works once: forget that this 30 seconds' code activated the app, rather than wait.
    cache.clear()
    page.get_by_label("Code").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.get_by_role("button", name="Continue").click()
    # A therapist's login lands on today in their diary.
    expect(page).to_have_url(re.compile(rf"/diary/day/{timezone.localdate().isoformat()}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your diary")
    screenshot(page, f"account-diary-after-code-{page.viewport_name}")
