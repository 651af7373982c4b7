import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from therapists.models import TimeOff

from ..clock import at
from .helpers import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_sees_a_week_at_a_glance_and_jumps_to_the_next_free_day(page, asha, sports):
    today = timezone.localdate()
    back = today + dt.timedelta(days=3)
    TimeOff.objects.create(
        therapist=asha, start=at(today, "00:00"), end=at(back, "00:00"), reason=TimeOff.Reason.HOLIDAY
    )

    page.goto(f"/book/{sports.pk}/?therapist={asha.pk}&date={today.isoformat()}")
    strip = page.get_by_role("navigation", name="Days")
    expect(strip.get_by_role("link", name=f"{today:%a %-d %B}, no free times")).to_have_attribute(
        "aria-current", "date"
    )
    expect(strip.get_by_role("link", name=f"{back:%a %-d %B}, free times")).to_be_visible()
    screenshot(page, f"week-strip-{page.viewport_name}")
    assert_accessible(page)

    page.get_by_role("link", name=f"Next available: {back:%a %-d %b}").click()
    expect(page.get_by_role("heading", name=f"Free times on {back:%A %-d %B}")).to_be_visible()
    # From a day with times, "Next available" moves on to the next day after it, never back.
    after = back + dt.timedelta(days=1)
    expect(page.get_by_role("link", name=f"Next available: {after:%a %-d %b}")).to_be_visible()
    screenshot(page, f"week-strip-next-{page.viewport_name}")
