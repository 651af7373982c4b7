"""Input found by fuzzing, and its kin: each gets a clear message, and nothing is written.

Non-ASCII digits ("²" passes str.isdigit() and then fails int()), ids too long for the
database's integer, and days at the calendar's ends (years 1 and 9999), which overflow as
soon as anything adds a day or converts them to UTC."""

import datetime as dt
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from bookings.models import Booking, OutboundEmail
from therapists.models import TimeOff

from ..clock import at, days_from_now
from ..factories import make_booking, manage_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)
NON_ASCII_DIGITS = ["²", "١٢", "３", "1²"]
TOO_LONG_IDS = ["99999999999999999999999", "9223372036854775808"]
FAR_STARTS = [
    "9999-12-31T23:00:00+00:00",
    "9999-12-31T23:30:00-05:00",
    "9999-12-31 23:00",
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+05:00",
    "0001-01-01 00:00",
]
FAR_DAYS = ["9999-12-31", "0001-01-01"]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def booking_form(therapist: str, start: str) -> dict:
    return {
        "therapist": therapist,
        "start": start,
        "idempotency_key": str(uuid.uuid4()),
        "health_urgent": ["none"],
        "health_pain": ["none"],
        "health_history": ["none"],
        "main_problem": "shin_splints",
        "preferred_pressure": "5",
        "notes": "",
        "name": "Gina Guest",
        "email": "gina@example.com",
        "phone": "07700 900456",
        "adult": "yes",
        "consent": "on",
    }


def nothing_written():
    return Booking.objects.count() == 0 and OutboundEmail.objects.count() == 0


# The booking form ------------------------------------------------------------------------


@pytest.mark.parametrize("therapist", NON_ASCII_DIGITS + TOO_LONG_IDS)
def test_an_odd_therapist_on_the_booking_form_asks_for_a_time_again(client, asha, sports, therapist):
    url = reverse("book_details", args=[sports.pk])
    start = at(TUESDAY, "10:00").isoformat()

    shown = client.get(url, {"therapist": therapist, "start": start})
    sent = client.post(url, booking_form(therapist, start))

    assert shown.status_code == 302
    assert messages_of(shown) == ["Please choose a time first."]
    assert sent.status_code == 400
    assert "Choose a therapist again." in sent.content.decode()
    assert nothing_written()


@pytest.mark.parametrize("start", FAR_STARTS)
def test_a_start_at_the_ends_of_the_calendar_on_the_booking_form_books_nothing(client, asha, sports, start):
    url = reverse("book_details", args=[sports.pk])

    shown = client.get(url, {"therapist": str(asha.pk), "start": start})
    sent = client.post(url, booking_form(str(asha.pk), start))

    assert shown.status_code == 302
    assert messages_of(shown) == ["Please choose a time first."]
    assert sent.status_code == 400
    page = sent.content.decode()
    assert "That time has passed." in page or "That time is too far ahead to book." in page
    assert nothing_written()


@pytest.mark.parametrize("therapist", NON_ASCII_DIGITS + TOO_LONG_IDS)
def test_an_odd_therapist_on_the_slot_page_says_choose_again(client, asha, sports, therapist):
    response = client.get(reverse("book_slots", args=[sports.pk]), {"therapist": therapist})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


@pytest.mark.parametrize("day", FAR_DAYS)
def test_a_day_at_the_ends_of_the_calendar_on_the_slot_pages_says_choose_another(client, asha, sports, day):
    for response in (
        client.get(reverse("book_slots", args=[sports.pk]), {"date": day}),
        client.get(reverse("therapist_slots", args=[asha.pk]), {"date": day, "session_type": sports.pk}),
    ):
        assert response.status_code == 200
        page = response.content.decode()
        assert "Choose today or a later day." in page or "Choose an earlier day." in page


@pytest.mark.parametrize(
    "url",
    [
        "/therapists/99999999999999999999999/slots/",
        "/book/99999999999999999999999/",
        "/book/99999999999999999999999/details/",
        "/bookings/99999999999999999999999/",
        "/bookings/99999999999999999999999/complete/",
        "/therapists/99999999999999999999999/photo",
        "/diary/bookings/99999999999999999999999/no-show/",
        "/diary/time-off/99999999999999999999999/delete/",
    ],
)
def test_an_id_too_long_for_the_database_is_not_found(client, as_asha, url):
    response = client.post(url) if "no-show" in url or "delete" in url else client.get(url)

    assert response.status_code == 404


# Moving a booking ------------------------------------------------------------------------


@pytest.mark.parametrize("start", FAR_STARTS)
def test_a_start_at_the_ends_of_the_calendar_on_the_move_form_moves_nothing(client, asha, sports, alice, start):
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "10:00"))
    url = reverse("booking_move", args=[manage_token(booking)])

    response = client.post(url, {"start": start})

    assert response.status_code == 302
    assert messages_of(response) == ["Please choose one of the times shown."]
    booking.refresh_from_db()
    assert (booking.start, booking.status) == (at(TUESDAY, "10:00"), Booking.Status.CONFIRMED)
    assert OutboundEmail.objects.count() == 0


def test_a_start_past_the_horizon_on_the_move_form_says_how_far_ahead(client, asha, sports, alice):
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "10:00"))
    url = reverse("booking_move", args=[manage_token(booking)])

    response = client.post(url, {"start": at(days_from_now(200), "10:00").isoformat()})

    assert response.status_code == 302
    assert messages_of(response) == [
        f"We take bookings up to {days_from_now(60):%-d %B %Y}. Please choose an earlier day."
    ]
    booking.refresh_from_db()
    assert booking.start == at(TUESDAY, "10:00")


@pytest.mark.parametrize("day", FAR_DAYS)
def test_a_day_at_the_ends_of_the_calendar_on_the_move_page_says_choose_another(client, asha, sports, alice, day):
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "10:00"))

    response = client.get(reverse("booking_move", args=[manage_token(booking)]), {"date": day})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose today or a later day." in page or "Choose an earlier day." in page


# The diary -------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("day", FAR_DAYS)
def test_a_diary_day_at_the_ends_of_the_calendar_says_the_diary_does_not_reach_it(as_asha, view, day):
    response = as_asha.get(f"/diary/{view}/{day}/")

    assert response.status_code == 302
    assert response.url == reverse("diary:week_current")
    assert messages_of(response) == [
        f"The diary covers 1 January 2000 to 31 December 2099: {day} is outside it. Here is this week."
    ]
    assert as_asha.get(response.url).status_code == 200


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_diarys_first_and_last_days_still_show(as_asha, view):
    for day in ("2000-01-01", "2099-12-31"):
        assert as_asha.get(f"/diary/{view}/{day}/").status_code == 200


def time_off_form(**fields):
    data = {"start_date": TUESDAY.isoformat(), "start_time": "", "end_date": "", "end_time": "", "reason": "holiday"}
    data.update(fields)
    return data


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"end_date": "9999-12-31"}, "Choose a day between 2000 and 2099."),
        ({"end_date": "9999-12-31", "end_time": "17:00"}, "Choose a day between 2000 and 2099."),
        ({"start_date": "0001-01-01", "end_date": "0001-01-01"}, "Choose a day between 2000 and 2099."),
        ({"end_date": "2099-12-31"}, "Time off can be added up to two years ahead."),
        ({"end_date": "2099-12-31", "end_time": "17:00"}, "Time off can be added up to two years ahead."),
    ],
)
def test_time_off_far_ahead_or_behind_is_refused_with_a_message(as_asha, asha, fields, message):
    response = as_asha.post("/diary/time-off/", time_off_form(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TimeOff.objects.exists()


def test_time_off_up_to_two_years_ahead_is_accepted(as_asha, asha):
    response = as_asha.post("/diary/time-off/", time_off_form(end_date=days_from_now(700).isoformat()))

    assert response.status_code == 302
    assert TimeOff.objects.filter(therapist=asha).count() == 1


def test_the_calendar_feed_survives_time_off_saved_before_the_limits(client, as_asha, asha):
    # A row accepted before time off was limited: "until 31 December 9999".
    TimeOff.objects.create(
        therapist=asha, start=at(TUESDAY, "09:00"), end=dt.datetime(9999, 12, 31, 17, 0, tzinfo=dt.UTC)
    )
    as_asha.post("/diary/calendar/")
    asha.refresh_from_db()

    for _ in range(2):
        response = client.get(f"/diary/feed/{asha.feed_token}.ics")
        assert response.status_code == 200
        assert b"DTEND;TZID=Europe/London:99991231T170000" in response.content


@pytest.mark.parametrize("day", FAR_DAYS)
def test_working_hours_with_dates_at_the_ends_of_the_calendar_never_break_the_slot_pages(
    as_asha, asha, sports, client, day
):
    rows = {f"day{n}-{key}": "0" for n in range(7) for key in ("TOTAL_FORMS", "INITIAL_FORMS")}
    rows.update({"day1-TOTAL_FORMS": "1", "day1-0-start": "09:00", "day1-0-end": "17:00"})
    rows["day1-0-effective_from" if day.startswith("0001") else "day1-0-effective_until"] = day

    as_asha.post("/diary/hours/", rows)
    slots = client.get(reverse("book_slots", args=[sports.pk]), {"date": TUESDAY.isoformat()})
    diary = as_asha.get(f"/diary/week/{TUESDAY}/")

    assert slots.status_code == diary.status_code == 200
