"""Reception's day: the whole clinic as a time grid, by therapist and by room, and a booking
moved to another room, on a phone and on a desktop."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingRules
from clinic.london import wall_clock_to_utc
from clinic.models import RoomClosure
from therapists.models import TimeOff

from ..factories import (
    grant_clinic_diary,
    make_bookable_therapist,
    make_booking,
    make_room,
    make_user,
    make_working_hours,
)
from .helpers import assert_accessible, log_in, open_menu_if_collapsed, screenshot

# Reception works at a desk as much as on a phone, and the grids are laid out differently on each.
pytestmark = [pytest.mark.browser, pytest.mark.desktop_too, pytest.mark.django_db(transaction=True)]


def test_reception_reads_the_clinics_day_and_moves_a_booking_to_another_room(page, asha, bob, alice, sports):
    BookingRules.load()
    grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita"))
    carol = make_bookable_therapist("carol", display_name="Carol Jones")
    make_working_hours(bob, [(weekday, dt.time(12), dt.time(18)) for weekday in range(7)])
    make_working_hours(carol, [(weekday, dt.time(8), dt.time(14)) for weekday in range(7)])
    room_1 = make_room("Room 1", suits=[sports], display_order=1, turnover_minutes=10)
    quiet = make_room("Quiet room", suits=[sports], display_order=2, turnover_minutes=10)
    # The real clock: a day far enough ahead for every booking to be still to come.
    day = timezone.localdate() + dt.timedelta(days=7)

    def at(hhmm: str) -> dt.datetime:
        return wall_clock_to_utc(day, dt.time.fromisoformat(hhmm))

    moving = make_booking(client=alice, therapist=asha, session_type=sports, start=at("10:00"), room=room_1)
    make_booking(
        client=make_user("dave"),
        therapist=carol,
        session_type=sports,
        start=at("08:45"),
        room=quiet,
        status=Booking.Status.AWAITING_REVIEW,
    )
    make_booking(client=make_user("erin"), therapist=bob, session_type=sports, start=at("13:30"), room=room_1)
    make_booking(client=make_user("finn"), therapist=asha, session_type=sports, start=at("15:00"), room=quiet)
    TimeOff.objects.create(therapist=carol, start=at("12:00"), end=at("14:00"))
    RoomClosure.objects.create(room=quiet, start=at("17:00"), end=at("19:00"))
    v = page.viewport_name

    log_in(page, "rita")
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Clinic diary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic diary")
    # One step along proves the link; the week ahead is then a typed address, not six more pages.
    page.get_by_role("link", name="Next day").click()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    expect(page.get_by_role("heading", level=2, name=f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}")).to_be_visible()
    page.goto(f"/diary/clinic/{day.isoformat()}/")
    expect(page.get_by_role("heading", level=2, name=f"{day:%A} {day.day} {day:%B %Y}")).to_be_visible()

    grid = page.get_by_role("region", name="Time grid, a column per therapist (scrolls sideways)")
    expect(grid.locator(".cd-head")).to_have_text(
        [
            "Asha Patel09:00–17:00",
            "Bob Okafor12:00–18:00",
            "Carol Jones08:00–14:00",
        ]
    )
    expect(grid.get_by_role("link", name="10:00 Alice · Sports massage Booked · Room 1")).to_be_visible()
    expect(grid.get_by_text("Awaiting review · Quiet room")).to_be_visible()
    expect(grid.get_by_text("Time off 12:00–14:00")).to_be_visible()
    expect(grid.get_by_text("Free 11:00–15:00")).to_be_visible()
    # A 60-minute booking is four 15-minute rows tall, whatever the screen.
    block = grid.get_by_role("link", name="10:00 Alice · Sports massage Booked · Room 1").bounding_box()
    hour = grid.locator(".cd-hour").nth(0).bounding_box()
    assert abs(block["height"] - hour["height"]) <= 3
    assert_accessible(page)
    screenshot(page, f"clinic-diary-therapists-{v}")

    page.get_by_role("link", name="By room").click()
    grid = page.get_by_role("region", name="Time grid, a column per room (scrolls sideways)")
    expect(grid.locator(".cd-head")).to_have_text(
        ["Room 1Open with the therapists", "Quiet roomOpen with the therapists"]
    )
    expect(grid.get_by_text("Closed 17:00–19:00")).to_be_visible()
    # Room 1 is turned over for ten minutes after Alice's session.
    expect(grid.get_by_text("Free 11:10–13:30")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"clinic-diary-rooms-{v}")

    # Alice's session moves to the quiet room; the grid and the list follow.
    page.get_by_label("Move to room (Alice, 10:00)").select_option(label="Quiet room")
    page.get_by_role("button", name="Move Alice's 10:00 booking").click()
    expect(page.get_by_text("Alice's 10:00 session is now in Quiet room.")).to_be_visible()
    moving.refresh_from_db()
    assert moving.room == quiet
    expect(page.locator(f"#booking-{moving.pk}")).to_contain_text("Quiet room")
    screenshot(page, f"clinic-diary-moved-{v}")

    # The week at a glance: a row per therapist; a session opens its day's grid.
    page.get_by_role("link", name="Week", exact=True).click()
    week = page.get_by_role("region", name="The week, a row per therapist (scrolls sideways)")
    expect(week.get_by_role("rowheader")).to_have_text(["Asha Patel", "Bob Okafor", "Carol Jones", "Sessions"])
    expect(week.get_by_role("link", name="10:00 Alice, Booked")).to_be_visible()
    expect(week.get_by_role("link", name="08:45 Dave, Awaiting review")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"clinic-diary-week-{v}")
    week.get_by_role("link", name="13:30 Erin, Booked").click()
    expect(page.get_by_role("heading", level=2, name=f"{day:%A} {day.day} {day:%B %Y}")).to_be_visible()
    expect(page.locator("#booking-" + str(moving.pk))).to_be_attached()
