import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingRules
from clinic.london import wall_clock_to_utc

from ..factories import STANDARD_HOURS, make_booking, make_user
from .helpers import assert_accessible, log_in, open_menu_if_collapsed, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_sets_hours_and_a_day_off_and_the_diary_and_the_slots_follow(page, asha, alice, sports):
    rules = BookingRules.load()
    rules.buffer_minutes = 0
    rules.slot_step_minutes = 60
    rules.save()
    # The browser sees the real clock, so this test does too. The week after next is far
    # enough ahead for the notice rule whatever time the test runs.
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=14)
    tuesday = monday + dt.timedelta(days=1)
    yesterday = today - dt.timedelta(days=1)
    make_booking(client=alice, therapist=asha, session_type=sports, start=wall_clock_to_utc(yesterday, dt.time(10)))
    make_booking(client=alice, therapist=asha, session_type=sports, start=wall_clock_to_utc(monday, dt.time(10)))
    make_booking(
        client=make_user("dave"), therapist=asha, session_type=sports, start=wall_clock_to_utc(yesterday, dt.time(12))
    )
    v = page.viewport_name

    log_in(page, "asha")
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Diary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your diary")
    screenshot(page, f"diary-week-empty-{v}")

    # Working hours: Monday with a lunch break, Tuesday mornings; the other days stay 09:00-17:00.
    # An overlap first, refused.
    page.get_by_role("link", name="Working hours").click()
    page.get_by_label("From (Monday, row 1)").fill("09:00")
    page.get_by_label("To (Monday, row 1)").fill("12:00")
    page.get_by_label("From (Monday, row 2)").fill("11:00")
    page.get_by_label("To (Monday, row 2)").fill("15:00")
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_text("Monday: 09:00-12:00 overlaps 11:00-15:00.")).to_be_visible()
    screenshot(page, f"diary-hours-overlap-{v}")
    assert list(asha.working_hours.order_by("weekday").values_list("weekday", "start_time", "end_time")) == list(
        STANDARD_HOURS
    )

    page.get_by_label("From (Monday, row 2)").fill("13:00")
    page.get_by_label("To (Monday, row 2)").fill("16:00")
    page.get_by_label("From (Tuesday, row 1)").fill("09:00")
    page.get_by_label("To (Tuesday, row 1)").fill("12:00")
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_text("Your working hours are saved.")).to_be_visible()
    expect(page.get_by_label("From (Monday, row 2)")).to_have_value("13:00")
    screenshot(page, f"diary-hours-{v}")

    # Monday off is refused: Alice is booked then. Tuesday off goes in.
    page.get_by_role("link", name="Time off").click()
    page.get_by_label("First day").fill(monday.isoformat())
    page.get_by_label("Last day").fill(monday.isoformat())
    page.get_by_role("button", name="Add time off").click()
    expect(page.get_by_role("alert")).to_contain_text("You have 1 booking in that time.")
    expect(page.get_by_role("alert")).to_contain_text(
        f"{monday:%a} {monday.day} {monday:%b} 10:00: Alice, Sports massage"
    )
    screenshot(page, f"diary-time-off-clash-{v}")
    assert not asha.time_off.exists()
    # The clash links to the booking, where it can be cancelled.
    page.get_by_role("link", name=f"{monday:%a} {monday.day} {monday:%b} 10:00: Alice, Sports massage").click()
    expect(page.get_by_role("button", name="Cancel booking")).to_be_visible()
    # Not the back button: the refused form's page holds client names and is never cached.
    page.goto("/diary/time-off/")
    page.get_by_label("First day").fill(tuesday.isoformat())
    page.get_by_label("Last day").fill(tuesday.isoformat())
    page.get_by_label("Reason").select_option("training")
    page.get_by_label("Note").fill("Kinesiology taping course")
    page.get_by_role("button", name="Add time off").click()
    expect(page.get_by_text("Time off added")).to_be_visible()
    expect(page.get_by_text("Kinesiology taping course")).to_be_visible()
    screenshot(page, f"diary-time-off-{v}")

    # The diary, two weeks on.
    page.get_by_role("link", name="Week", exact=True).click()
    page.get_by_role("link", name="Next week").click()
    page.get_by_role("link", name="Next week").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(f"{monday.day} {monday:%b}")
    monday_card = page.locator(".diary-day").nth(0)
    expect(monday_card).to_contain_text("09:00–12:00, 13:00–16:00")
    expect(monday_card).to_contain_text("10:00–11:00 Alice · Sports massage")
    tuesday_card = page.locator(".diary-day").nth(1)
    expect(tuesday_card).to_contain_text("Training")
    expect(tuesday_card).to_contain_text("all day")
    screenshot(page, f"diary-week-{v}")

    # The public free times: Monday around the break, Tuesday nothing.
    page.goto(f"/therapists/{asha.pk}/slots/?session_type={sports.pk}&date={monday.isoformat()}")
    expect(page.get_by_role("list", name="Free start times").locator("time")).to_have_text(
        ["09:00", "11:00", "13:00", "14:00", "15:00"]
    )
    screenshot(page, f"slots-monday-{v}")
    page.get_by_role("textbox", name="Day").fill(tuesday.isoformat())
    page.get_by_role("button", name="Show times").click()
    expect(page.get_by_text("No free times on this day.")).to_be_visible()
    screenshot(page, f"slots-tuesday-{v}")

    # Yesterday's client came: mark it from the day view.
    page.goto(f"/diary/day/{yesterday.isoformat()}/")
    expect(page.get_by_role("list").get_by_text("Alice · Sports massage")).to_be_visible()
    screenshot(page, f"diary-day-{v}")
    # The day is a time grid too: Alice's block opens her row, with its buttons, in the list.
    page.get_by_role("region", name="Time grid").get_by_role("link", name="10:00 Alice").click()
    expect(page.get_by_role("link", name="Attended: add notes for Alice at 10:00")).to_be_in_viewport()
    assert_accessible(page)
    page.get_by_role("link", name="Attended: add notes for Alice at 10:00").click()
    # The client's consent to treatment comes before any notes.
    page.get_by_label("the client agreed to the treatment").check()
    page.get_by_role("button", name="Confirm consent").click()
    page.get_by_role("group", name="Areas worked: body chart").get_by_role("checkbox", name="Calf, left").check()
    page.get_by_label("The client's problem").select_option(label="Recovery after training")
    page.get_by_role("button", name="Save and mark attended").click()
    expect(page.get_by_text("Alice: attended. Aftercare emails are on their way.")).to_be_visible()
    expect(page.get_by_role("link", name="Attended: add notes for Alice at 10:00")).to_have_count(0)
    assert Booking.objects.get(client=alice, start__date=yesterday).status == Booking.Status.ATTENDED
    # Dave did not come: "No-show" asks first, and going back changes nothing.
    page.get_by_role("link", name="No-show: Dave at 12:00").click()
    expect(page.get_by_role("heading", name="Mark a no-show?")).to_be_visible()
    screenshot(page, f"diary-no-show-confirm-{v}")
    page.get_by_role("link", name="No, back to the day").click()
    assert Booking.objects.get(client__username="dave").status == Booking.Status.CONFIRMED
    page.get_by_role("link", name="No-show: Dave at 12:00").click()
    page.get_by_role("button", name="Yes, mark Dave a no-show").click()
    expect(page.get_by_text("Dave: marked no-show.")).to_be_visible()
    assert Booking.objects.get(client__username="dave").status == Booking.Status.NO_SHOW
    screenshot(page, f"diary-day-marked-{v}")

    # The calendar link, made and then replaced.
    page.get_by_role("link", name="Calendar link").click()
    page.get_by_role("button", name="Make my calendar link").click()
    link = page.get_by_label("Your private calendar link").input_value()
    assert "/diary/feed/" in link
    screenshot(page, f"diary-calendar-{v}")
    feed = page.request.get(link)
    assert feed.status == 200
    assert "BEGIN:VCALENDAR" in feed.text()
    page.get_by_role("button", name="Make a new link (the old one stops working)").click()
    assert page.request.get(link).status == 404


def test_a_client_is_told_the_diary_is_not_there(page, alice):
    log_in(page, "alice")

    response = page.goto("/diary/")

    assert response.status == 404
