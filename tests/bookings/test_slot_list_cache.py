"""The slot list htmx asks for is the list alone, cached per search and minute, and any change
to what it shows (a booking by someone else, a cancellation, a move, time off, hours, a
registration decision, the clinic's rules) makes the next request compute it afresh."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.diary.services import time_off_add, working_hours_set
from bookings.models import Booking, BookingRules
from bookings.services.booking import booking_reschedule
from bookings.services.booking_changes import booking_cancel
from bookings.slots.availability import WeeklyHours

from ..clock import NOW, at, days_from_now
from ..factories import book, booking_rules

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

DAY = days_from_now(6)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Runs what waits for a commit (the free-times bumps) as the real transaction would."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def slot_list(client, session_type, therapist="any", day=DAY):
    response = client.get(
        reverse("book_slots", args=[session_type.pk]) + f"?therapist={therapist}&date={day.isoformat()}", **HTMX
    )
    assert response.status_code == 200
    return response.content.decode()


def times(html: str) -> list[str]:
    return re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time>', html)


def test_htmx_gets_the_slot_list_alone(client, asha, sports):
    html = slot_list(client, sports, therapist=asha.pk)

    assert '<section id="slots"' in html
    assert "<html" not in html and "<select" not in html and "Asha Patel</option>" not in html
    assert times(html)[:2] == ["09:00", "09:15"]
    # A change in the form never replaces the field being used...
    assert "hx-swap-oob" not in html


def test_a_day_picked_in_the_strip_moves_the_day_picker_too(client, asha, sports):
    url = reverse("book_slots", args=[sports.pk]) + f"?therapist={asha.pk}&date={DAY.isoformat()}"

    html = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true").content.decode()

    assert f'<input type="date" name="date" id="id_date" value="{DAY.isoformat()}"' in html
    assert 'hx-swap-oob="true"' in html
    # ...and the two answers are cached apart.
    assert "hx-swap-oob" not in slot_list(client, sports, therapist=asha.pk)


def test_the_same_search_again_is_served_from_the_cache_without_a_query(
    client, asha, sports, django_assert_num_queries
):
    first = slot_list(client, sports, therapist=asha.pk)
    first_any = slot_list(client, sports)
    with django_assert_num_queries(0):
        again = slot_list(client, sports, therapist=asha.pk)
    with django_assert_num_queries(0):
        again_any = slot_list(client, sports)
    assert (again, again_any) == (first, first_any)


def test_a_booking_by_someone_else_drops_the_slot_at_once(client, asha, sports, commits):
    assert "10:00" in times(slot_list(client, sports, therapist=asha.pk))
    assert "10:00" in times(slot_list(client, sports))

    commits(book, sports, asha, at(DAY, "10:00"))

    assert "10:00" not in times(slot_list(client, sports, therapist=asha.pk))
    assert "10:00" not in times(slot_list(client, sports))


def test_a_cancellation_brings_the_slot_back_at_once(client, asha, sports, commits):
    booking = commits(book, sports, asha, at(DAY, "10:00"))
    assert "10:00" not in times(slot_list(client, sports, therapist=asha.pk))

    commits(booking_cancel, booking_id=booking.pk, reason="", now=NOW)

    assert "10:00" in times(slot_list(client, sports, therapist=asha.pk))


def test_a_move_frees_the_old_time_and_takes_the_new_one_at_once(client, asha, sports, commits):
    booking = commits(book, sports, asha, at(DAY, "10:00"))
    slot_list(client, sports, therapist=asha.pk)

    commits(booking_reschedule, booking_id=booking.pk, start=at(DAY, "14:00"), now=NOW)

    shown = times(slot_list(client, sports, therapist=asha.pk))
    assert "10:00" in shown and "14:00" not in shown


def test_time_off_and_new_hours_change_the_list_at_once(client, asha, sports, commits):
    assert times(slot_list(client, sports, therapist=asha.pk))[0] == "09:00"

    commits(time_off_add, therapist=asha, start=at(DAY, "09:00"), end=at(DAY, "12:00"), reason="admin")
    assert times(slot_list(client, sports, therapist=asha.pk))[0] == "12:00"

    stretches = [WeeklyHours(weekday, dt.time(13), dt.time(17), None, None) for weekday in range(7)]
    commits(working_hours_set, therapist=asha, stretches=stretches)
    assert times(slot_list(client, sports, therapist=asha.pk))[0] == "13:00"


def test_a_suspension_empties_the_therapists_lists_at_once(client, asha, sports, victor, commits):
    from therapists.services.registration import registration_suspend

    assert times(slot_list(client, sports, therapist=asha.pk))
    assert times(slot_list(client, sports))

    commits(registration_suspend, therapist_id=asha.pk, decided_by=victor, reason="Sanction.")

    assert times(slot_list(client, sports)) == []
    assert "Select a valid choice" in slot_list(client, sports, therapist=asha.pk)


def test_a_change_to_the_clinics_rules_in_the_admin_changes_every_list(admin_client, client, asha, sports, commits):
    assert times(slot_list(client, sports))[0] == "09:00"
    rules = BookingRules.load()

    response = commits(
        admin_client.post,
        reverse("admin:bookings_bookingrules_change", args=[rules.pk]),
        {
            "buffer_minutes": 0,
            "min_notice_minutes": rules.min_notice_minutes,
            "horizon_days": rules.horizon_days,
            "slot_step_minutes": 30,
        },
    )

    assert response.status_code == 302
    assert times(slot_list(client, sports))[:2] == ["09:00", "09:30"]


def test_a_cached_list_is_not_shown_once_a_time_falls_inside_the_notice(client, asha, sports, clock):
    """A list is computed as at the end of its minute, the same answer for every moment in
    it (starts and notice are whole minutes), and the minute is part of its key."""
    booking_rules(min_notice_minutes=30)
    # NOW is 09:30. At 09:44:30, 10:15 is still more than 30 minutes away, and still is at 09:45:00.
    clock.move_to(NOW + dt.timedelta(minutes=14, seconds=30))
    assert times(slot_list(client, sports, therapist=asha.pk, day=NOW.date()))[0] == "10:15"
    clock.move_to(NOW + dt.timedelta(minutes=15))
    assert times(slot_list(client, sports, therapist=asha.pk, day=NOW.date()))[0] == "10:15"

    # A moment later 10:15 is inside the notice, and the booking service would refuse it.
    clock.move_to(NOW + dt.timedelta(minutes=15, seconds=1))

    assert times(slot_list(client, sports, therapist=asha.pk, day=NOW.date()))[0] == "10:30"


@pytest.mark.parametrize(
    "therapist, day, message",
    [
        ("²", DAY.isoformat(), "Select a valid choice"),
        ("any", "2030-13-45", "Enter a valid date"),
        ("any", "9999-12-31", "We take bookings up to"),
        ("999999", DAY.isoformat(), "Select a valid choice"),
    ],
)
def test_a_bad_search_gets_a_message_in_the_list_and_nothing_is_cached(client, asha, sports, therapist, day, message):
    url = reverse("book_slots", args=[sports.pk]) + f"?therapist={therapist}&date={day}"

    for _ in range(2):
        response = client.get(url, **HTMX)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert 'role="alert"' in response.content.decode()


def test_a_cached_list_is_never_shown_for_a_session_type_no_longer_sold(client, admin_client, asha, sports, commits):
    slot_list(client, sports)

    commits(
        admin_client.post,
        reverse("admin:clinic_sessiontype_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(sports.pk),
            "form-0-display_order": str(sports.display_order),
            "form-0-active": "",
            "_save": "Save",
        },
    )

    assert not Booking.objects.exists()
    response = client.get(reverse("book_slots", args=[sports.pk]) + f"?therapist=any&date={DAY.isoformat()}", **HTMX)
    assert response.status_code == 404


def test_the_whole_page_reuses_the_cached_list(client, asha, sports, django_assert_max_num_queries):
    url = reverse("book_slots", args=[sports.pk]) + f"?therapist={asha.pk}&date={DAY.isoformat()}"
    first = client.get(url).content.decode()

    # The session type, the therapists for the menu and the booking horizon; no search.
    with django_assert_max_num_queries(3):
        again = client.get(url).content.decode()
    with django_assert_max_num_queries(0):
        partial = slot_list(client, sports, therapist=asha.pk)

    assert again == first
    assert partial.strip() in first
    assert '<select name="therapist"' in first


def whole_page(client, session_type, therapist="any", day=DAY) -> str:
    response = client.get(
        reverse("book_slots", args=[session_type.pk]) + f"?therapist={therapist}&date={day.isoformat()}"
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_gets_the_whole_page_from_the_cache_until_a_booking_changes_it(
    client, commits, asha, sports, django_assert_num_queries
):
    first = whole_page(client, sports, therapist=asha.pk)
    with django_assert_num_queries(0):
        assert whole_page(client, sports, therapist=asha.pk) == first

    commits(book, sports, asha, at(DAY, "09:00"))

    assert times(whole_page(client, sports, therapist=asha.pk))[:2] == ["10:00", "10:15"]


def test_a_logged_in_client_never_gets_the_visitors_page(client, asha, sports, alice):
    whole_page(client, sports, therapist=asha.pk)  # cached for visitors
    client.force_login(alice)

    page = whole_page(client, sports, therapist=asha.pk)

    assert "Log out" in page and "Log in" not in page


def test_a_message_waiting_for_one_visitor_is_shown_to_them_and_to_nobody_else(client, asha, sports):
    whole_page(client, sports, therapist=asha.pk)  # cached for visitors
    # The details step sends a visitor back with a message when no time was chosen.
    assert client.get(reverse("book_details", args=[sports.pk])).status_code == 302

    assert "Please choose a time first." in whole_page(client, sports, therapist=asha.pk)
    assert "Please choose a time first." not in whole_page(client.__class__(), sports, therapist=asha.pk)
    assert "Please choose a time first." not in whole_page(client, sports, therapist=asha.pk)  # shown once


def test_the_slot_list_alone_reads_no_therapist_names_it_does_not_show(client, asha, bob, sports):
    with CaptureQueriesContext(connection) as sent:
        html = slot_list(client, sports, therapist=asha.pk)

    assert times(html)
    selected = [query["sql"].partition(" FROM ")[0] for query in sent.captured_queries]
    assert not [columns for columns in selected if "display_name" in columns]
    # The whole page still names them in its picker.
    page = client.get(reverse("book_slots", args=[sports.pk]) + f"?therapist={asha.pk}&date={DAY.isoformat()}")
    assert "Asha Patel</option>" in page.content.decode()
