"""The week view on a desktop: every booking's badges stay inside their own day's column."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, HealthScreen

from ..factories import make_booking
from .helpers import log_in, screenshot

# The desktop is where the days stand side by side; the phone stacks them.
pytestmark = [pytest.mark.browser, pytest.mark.desktop_too, pytest.mark.django_db(transaction=True)]


def test_status_and_health_badges_stay_inside_their_day(page, asha, sports, alice):
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    booking = make_booking(
        therapist=asha, client=alice, session_type=sports, start=start, status=Booking.Status.AWAITING_REVIEW
    )
    HealthScreen.objects.create(
        booking=booking, main_problem="knee_pain", answered_yes=["pregnant"], consent_given_at=timezone.now()
    )
    log_in(page, "asha")

    page.goto(f"/diary/week/{start.date() - dt.timedelta(days=start.weekday())}/")
    badges = page.locator(".diary-booking .badge")
    expect(badges.first).to_be_visible()
    screenshot(page, f"diary-week-badges-{page.viewport_name}")

    for index in range(badges.count()):
        badge = badges.nth(index).bounding_box()
        day = badges.nth(index).locator("xpath=ancestor::*[contains(@class,'diary-day')][1]").bounding_box()
        assert badge["x"] + badge["width"] <= day["x"] + day["width"] + 0.5
