"""Front-desk pages that never contradict themselves, seen in a browser on a phone (and the diary's box on a desk too):
the clinic diary scrolls inside its own box, not the page; the page after booking in each
state; where staff land after logging in."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking
from clinic.london import wall_clock_to_utc
from clinic.models import Clinic, clinic_placeholder_details
from clinic.selectors import clinic_forget

from ..factories import (
    grant_clinic_diary,
    make_bookable_therapist,
    make_booking,
    make_room,
    make_session_type,
    make_user,
    make_working_hours,
    manage_token,
)
from .helpers import AXE, answer_health_questions, assert_accessible, choose_a_time, in_three_days, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The widest thing on a page, for a failure message that says what to fix.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .map(e => [e.getBoundingClientRect().right, e.tagName + '.' + e.className])
  .sort((a, b) => b[0] - a[0]).slice(0, 5)"""


def page_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


# A desk fits every column; a phone scrolls the box sideways: both sizes, then.
@pytest.mark.desktop_too
def test_the_clinic_diary_by_therapist_scrolls_inside_its_box_not_the_page(page, asha, bob, sports):
    grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita"))
    for name in ("carol", "dev", "ella"):
        make_working_hours(make_bookable_therapist(name, display_name=f"{name.title()} Long-Surname"))
    make_working_hours(bob, [(weekday, dt.time(12), dt.time(18)) for weekday in range(7)])
    room = make_room("Room 1", suits=[sports])
    day = timezone.localdate() + dt.timedelta(days=7)
    make_booking(
        client=make_user("dave"),
        therapist=asha,
        session_type=sports,
        start=wall_clock_to_utc(day, dt.time(10)),
        room=room,
        status=Booking.Status.AWAITING_REVIEW,
    )

    log_in(page, "rita")
    for by in ("therapist", "room"):
        page.goto(f"/diary/clinic/{day.isoformat()}/?by={by}")
        grid = page.locator(".clinic-scroll")
        expect(grid).to_be_visible()
        screenshot(page, f"front-desk-clinic-diary-by-{by}-{page.viewport_name}")
        assert_accessible(page)

        width = page.viewport_size["width"]
        assert page_width(page) <= width, page.evaluate(WIDEST)
        if by == "therapist" and page.viewport_name == "phone":
            # Five therapists do not fit a phone: the box scrolls sideways, on its own.
            assert grid.evaluate("e => e.scrollWidth > e.clientWidth")


def test_the_page_after_booking_gives_the_calendar_price_room_and_map(page, asha, sports):
    # A transactional test before this one may have flushed the details row: make it anew.
    Clinic.objects.update_or_create(
        pk=Clinic.SINGLETON_PK,
        defaults={**clinic_placeholder_details(), "map_url": "https://www.openstreetmap.org/#map=19/51.5/-0.1"},
    )
    clinic_forget()
    make_room("Room 2", suits=[sports])
    day = in_three_days()
    choose_a_time(page, day, "10:00")
    answer_health_questions(page)
    page.get_by_label("Your name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Mobile number").fill("07700 900456")
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).check()
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    expect(page.get_by_text("You're booked in.")).to_be_visible()
    expect(page.get_by_text(f"£{sports.price}")).to_be_visible()
    expect(page.get_by_text("Room 2")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Find us on a map")).to_have_attribute(
        "href", "https://www.openstreetmap.org/#map=19/51.5/-0.1"
    )
    screenshot(page, f"front-desk-booked-{page.viewport_name}")
    assert_accessible(page)
    # Adding it to a calendar is the strong button; changing and cancelling are outlined.
    expect(page.get_by_role("link", name=re.compile("Change the time"))).to_have_class(
        re.compile("btn-outline-primary")
    )
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Add to calendar")).click()
    ics = download.value.path().read_text()
    assert "SUMMARY:Sports massage with Asha Patel" in ics
    assert "Room 2" in ics


def test_a_booking_awaiting_review_reads_as_a_request(page, asha, sports):
    booking = make_booking(
        therapist=asha,
        session_type=sports,
        start=wall_clock_to_utc(in_three_days(), dt.time(11)),
        client_name="Gina Guest",
        status=Booking.Status.AWAITING_REVIEW,
    )

    page.goto(reverse("booking_manage", args=[manage_token(booking)]))

    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking request")
    expect(page.get_by_text("Not confirmed yet.")).to_be_visible()
    expect(page.get_by_text("booked in")).to_have_count(0)
    screenshot(page, f"front-desk-awaiting-review-{page.viewport_name}")
    assert_accessible(page)


def test_reception_lands_on_the_clinic_diary_after_logging_in(page, asha):
    grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita"))

    log_in(page, "rita")

    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic diary")
    expect(page.get_by_role("heading", level=2, name=re.compile(timezone.localdate().strftime("%A")))).to_be_visible()


def test_the_home_page_favicon_my_data_and_the_admins_session_list(page, asha, sports, admin_user):
    make_session_type("Marathon recovery", display_order=0)
    gina = make_user("gina", first_name="")
    make_booking(
        client=gina,
        therapist=asha,
        session_type=sports,
        start=wall_clock_to_utc(in_three_days(), dt.time(10)),
        client_name="Gina Guest",
    )
    v = page.viewport_name

    page.goto("/")
    expect(page.get_by_role("heading", level=3).first).to_have_text("Marathon recovery")
    screenshot(page, f"front-desk-home-{v}")
    assert_accessible(page)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    response = page.request.get(icon)
    assert (response.status, response.headers["content-type"]) == (200, "image/svg+xml")
    # The icon drawn large and at a tab's size, to look at.
    src = page.url.rstrip("/") + icon
    page.set_content(
        f'<img src="{src}" width="128" height="128" alt=""> <img src="{src}" width="16" height="16" alt="">'
    )
    expect(page.locator("img").first).to_have_js_property("complete", True)
    screenshot(page, f"front-desk-favicon-{v}")

    log_in(page, "gina")
    page.goto("/my-data/")
    expect(page.get_by_text("Gina Guest (as you gave it when booking)")).to_be_visible()
    expect(page.get_by_role("link", name="My bookings", exact=True).last).to_have_attribute("href", "/my-bookings/")
    screenshot(page, f"front-desk-my-data-{v}")
    assert_accessible(page)

    log_in(page, "admin")
    page.goto("/admin/clinic/sessiontype/")
    expect(page.get_by_role("checkbox", name="Sports massage is active")).to_be_checked()
    expect(page.get_by_role("spinbutton", name="Order of Marathon recovery")).to_have_value("0")
    screenshot(page, f"front-desk-admin-sessions-{v}")
    # The list's own inputs all have names (the admin's stock breadcrumbs are another matter).
    page.evaluate(AXE.read_text())
    unnamed = page.evaluate(
        "async () => (await axe.run('#changelist-form', {runOnly: ['label']})).violations"
        ".flatMap(v => v.nodes.map(n => n.target.join(' ')))"
    )
    assert unnamed == []
