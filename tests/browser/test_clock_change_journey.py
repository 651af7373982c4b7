"""On the night the clocks go back, a client on a phone can tell the two 01:00s apart and
books the one they mean."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, BookingRules
from clinic.london import LONDON
from therapists.models import WorkingHours

from .helpers import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FALL_BACK = dt.date(2026, 10, 25)


@pytest.fixture
def night_shift(asha, sports):
    rules = BookingRules.load()
    rules.buffer_minutes, rules.slot_step_minutes, rules.min_notice_minutes = 0, 30, 0
    rules.save()
    asha.working_hours.all().delete()
    WorkingHours.objects.create(therapist=asha, weekday=6, start_time=dt.time(0, 30), end_time=dt.time(2, 30))
    return asha


def test_the_repeated_hour_is_labelled_and_the_chosen_one_is_booked(page, night_shift, sports, time_machine):
    time_machine.move_to(dt.datetime(2026, 10, 20, 12, tzinfo=LONDON), tick=True)

    page.goto(f"/therapists/{night_shift.pk}/slots/?session_type={sports.pk}&date={FALL_BACK}")

    times = page.get_by_role("list", name="Free start times").get_by_role("link")
    labels = ["00:30", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT"]
    expect(times).to_have_text([f"{label} on Sunday 25 October" for label in labels])
    screenshot(page, f"clock-change-slots-{page.viewport_name}")
    assert_accessible(page)

    page.get_by_role("link", name="01:00 GMT on Sunday 25 October").click()
    expect(page.get_by_text("Sun 25 Oct, 01:00 GMT")).to_be_visible()  # the booking summary, short on a phone
    assert not Booking.objects.exists()
