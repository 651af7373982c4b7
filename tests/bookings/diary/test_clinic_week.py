"""The clinic week: reception sees every therapist's week at a glance, a row each, and opens a
day's grid from it."""

import datetime as dt
import re

import pytest

from therapists.models import TimeOff

from ...clock import THIS_MONDAY, at
from ...factories import crowd, grant_clinic_diary, make_booking, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NEXT_MONDAY = THIS_MONDAY + dt.timedelta(days=7)


@pytest.fixture
def as_rita(client):
    client.force_login(grant_clinic_diary(make_user("rita", is_staff=True)))
    return client


def page(client, day=NEXT_MONDAY) -> str:
    response = client.get(f"/diary/clinic/week/{day.isoformat()}/")
    assert response.status_code == 200
    return response.content.decode()


def cells(html: str) -> dict[str, list[str]]:
    """Each therapist's row: the words of each day's cell, squashed."""
    rows = re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', html, re.S)
    return {
        name: [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for name, row in rows
    }


def test_reception_sees_each_therapists_week_with_hours_time_off_and_sessions(as_rita, asha, bob, alice, sports):
    tuesday, thursday = NEXT_MONDAY + dt.timedelta(days=1), NEXT_MONDAY + dt.timedelta(days=3)
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(tuesday, "10:00"))
    make_booking(
        client=alice, therapist=asha, session_type=sports, start=at(tuesday, "09:00"), status="awaiting_review"
    )
    make_booking(
        client=make_user("carol"), therapist=asha, session_type=sports, start=at(tuesday, "14:00"), status="cancelled"
    )
    TimeOff.objects.create(therapist=asha, start=at(thursday, "00:00"), end=at(thursday, "12:00"))

    html = page(as_rita)
    week = cells(html)

    assert list(week) == ["Asha Patel", "Bob Okafor", "Sessions"]
    assert week["Asha Patel"][1] == "09:00–17:00 09:00 Alice 10:00 Alice"
    assert week["Asha Patel"][3] == "09:00–17:00 Time off"
    assert week["Bob Okafor"] == ["Not working"] * 7  # bookable, but no hours yet
    assert week["Sessions"] == ["0", "2", "0", "0", "0", "0", "0"]
    assert 'aria-label="09:00 Alice, Awaiting review"' in html and 'aria-label="10:00 Alice, Booked"' in html
    assert "Carol" not in html  # cancelled
    assert f'href="/diary/clinic/{tuesday.isoformat()}/#booking-' in html  # a session opens its day


def test_the_week_is_for_reception_and_admins_only(client, asha, alice, sam):
    url = f"/diary/clinic/week/{NEXT_MONDAY.isoformat()}/"
    assert client.get(url).status_code == 302
    for person in (alice, asha.user, sam):
        client.force_login(person)
        assert client.get(url).status_code == 403


def test_any_day_shows_its_week_and_a_day_outside_the_diary_says_so(as_rita, asha):
    assert "Week of Monday 21 January" in page(as_rita, NEXT_MONDAY + dt.timedelta(days=4))

    response = as_rita.get("/diary/clinic/week/9999-12-31/", follow=True)

    assert response.status_code == 200
    assert "is outside it. Here is this week." in response.content.decode()


def test_a_session_in_the_repeated_hour_of_25_october_is_on_that_sunday(as_rita, asha, alice, sports):
    sunday = dt.date(2026, 10, 25)
    make_booking(
        client=alice, therapist=asha, session_type=sports, start=dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    )

    week = cells(page(as_rita, sunday))

    assert week["Asha Patel"][6].endswith("01:30 GMT Alice")
    assert week["Sessions"] == ["0"] * 6 + ["1"]


def test_the_week_query_count_does_not_grow_with_therapists_or_bookings(as_rita, sports, django_assert_max_num_queries):
    crowd("few", 1, 0, 1, sports)
    with django_assert_max_num_queries(11) as few:
        page(as_rita)

    crowd("many", 12, 0, 5, sports)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(as_rita)
    assert html.count("cw-booking ") == 1 + 12 * 5
