"""Reception books a returning client in from a free gap on the clinic grid: the walk-in page
opens at that therapist, day and time, the client is found by name, a time is picked, the room
confirmed and the health questions read out; on a phone and at a desk."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingRules
from clinic.london import wall_clock_to_utc

from ..factories import grant_clinic_diary, make_booking, make_room, make_user
from .helpers import assert_accessible, continue_to_details, log_in, say_18_or_over, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.desktop_too, pytest.mark.django_db(transaction=True)]


def test_reception_books_a_returning_client_in_from_a_gap_on_the_grid(page, asha, alice, sports):
    BookingRules.load()
    grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita"))
    make_room("Room 1", suits=[sports], display_order=1)
    make_room("Quiet room", suits=[sports], display_order=2)
    # The real clock: tomorrow's grid has every one of Asha's hours still to come.
    day = timezone.localdate() + dt.timedelta(days=1)
    make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=wall_clock_to_utc(day - dt.timedelta(days=30), dt.time(10)),
        client_phone="07700 900123",
        status=Booking.Status.ATTENDED,
    )
    v = page.viewport_name

    log_in(page, "rita")
    page.goto(f"/diary/clinic/{day.isoformat()}/")
    grid = page.get_by_role("region", name="Time grid")  # one therapist works that day: one column
    grid.get_by_role("link", name=re.compile("Free 09:00–17:00.*book a client in with Asha Patel")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Book a client in")
    expect(page.get_by_label("Therapist")).to_have_value(str(asha.pk))
    expect(page.get_by_role("textbox", name="Day")).to_have_value(day.isoformat())
    page.get_by_label("Session").select_option(label="Sports massage")
    page.get_by_label("Find the client").fill("alice")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Book for Alice").click()
    expect(page.locator("#chosen-client")).to_contain_text("alice@example.com, 07700 900123")
    times = page.get_by_role("region", name=re.compile("Free times for a Sports massage with Asha Patel"))
    expect(times.locator("time").first).to_have_text("09:00")
    screenshot(page, f"walk-in-{v}")
    assert_accessible(page)

    times.get_by_role("link", name="11:00").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book for a client")
    for legend in ("urgent", "pain", "history"):
        page.locator(f"input[name='health_{legend}'][value='none']").check()
    page.get_by_label("What would the client like help with?").select_option(index=1)
    continue_to_details(page)
    expect(page.get_by_label("Client's email")).to_have_value("alice@example.com")
    expect(page.get_by_label("Client's mobile number")).to_have_value("07700 900123")
    expect(page.get_by_label("Room")).to_have_value("")  # the first free room, Room 1
    page.get_by_label("Room").select_option(label="Quiet room")
    say_18_or_over(page)
    page.get_by_label(re.compile("keeping their health answers|keep their health answers|health answers")).first.check()
    screenshot(page, f"walk-in-details-{v}")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_text("is booked in with Asha Patel in Quiet room.")).to_be_visible()
    booking = Booking.objects.get(booked_by__username="rita")
    assert (booking.client_email, booking.room.name) == ("alice@example.com", "Quiet room")
    assert timezone.localtime(booking.start).time() == dt.time(11)
    screenshot(page, f"walk-in-booked-{v}")
