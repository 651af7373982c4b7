"""Several days at a glance on the booking page: a week strip marking the days with free times,
and "Next available" jumping to the first of them, for one therapist and for "any"."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from bookings.models import BookingRules
from bookings.slots.week import first_free_day, week_strip
from therapists.models import TimeOff

from ..clock import NOW, TODAY, at, days_from_now, london
from ..factories import booking_rules, make_booking, make_working_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

FRIDAY = days_from_now(2)  # NOW is a Wednesday


def page(client, session_type, **query) -> str:
    url = reverse("book_slots", args=[session_type.pk]) + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def marked(html: str) -> dict[str, bool]:
    """The strip as the page shows it: ISO date -> has free times."""
    return {
        day: "week-day-free" in classes
        for classes, day in re.findall(r'<a class="week-day([^"]*)" href="\?therapist=\w+&amp;date=([\d-]+)"', html)
    }


@pytest.fixture
def bob_fridays(bob, sports):
    """Bob works Fridays only, 10:00 to 12:00 (room for two 60-minute sessions, at 10:00 and up to 11:00)."""
    make_working_hours(bob, hours=[(4, dt.time(10), dt.time(12))])
    bob.session_types.add(sports)
    return bob


def test_the_strip_marks_the_days_one_therapist_has_free(client, bob_fridays, sports):
    html = page(client, sports, therapist=bob_fridays.pk, date=TODAY.isoformat())

    strip = marked(html)
    assert list(strip) == [days_from_now(n).isoformat() for n in range(7)]
    assert [day for day, free in strip.items() if free] == [FRIDAY.isoformat()]
    assert f'href="?therapist={bob_fridays.pk}&amp;date={FRIDAY.isoformat()}">Next available: Fri 18 Jan</a>' in html
    assert "No free times on this day. The next free times are on" in html


def test_a_fully_booked_day_is_not_marked_and_next_available_moves_on(client, alice, bob_fridays, sports):
    make_booking(client=alice, therapist=bob_fridays, session_type=sports, start=at(FRIDAY, "10:00"))
    make_booking(client=alice, therapist=bob_fridays, session_type=sports, start=at(FRIDAY, "11:00"))

    html = page(client, sports, therapist=bob_fridays.pk, date=TODAY.isoformat())

    assert not any(marked(html).values())
    next_friday = FRIDAY + dt.timedelta(days=7)
    assert f'date={next_friday.isoformat()}">Next available: Fri 25 Jan</a>' in html


def test_any_therapist_marks_a_day_anyone_has_free(client, asha, bob_fridays, sports):
    TimeOff.objects.create(
        therapist=asha, start=at(TODAY, "00:00"), end=at(days_from_now(3), "00:00"), reason=TimeOff.Reason.HOLIDAY
    )

    html = page(client, sports, therapist="any", date=TODAY.isoformat())

    strip = marked(html)
    assert [strip[days_from_now(n).isoformat()] for n in range(7)] == [False, False, True, True, True, True, True]
    assert "Next available: Fri 18 Jan" in html


def test_a_day_with_free_times_points_on_to_the_next_day_with_some(client, asha, sports):
    html = page(client, sports, therapist=asha.pk, date=TODAY.isoformat())

    assert f'date={days_from_now(1).isoformat()}">Next available: Thu 17 Jan</a>' in html
    assert f'href="?therapist={asha.pk}&amp;date={TODAY.isoformat()}" aria-current="date"' in html


def test_a_later_week_steps_back_and_forth_and_jumps_forward_never_back(client, bob_fridays, sports):
    html = page(client, sports, therapist=bob_fridays.pk, date=days_from_now(9).isoformat())

    assert list(marked(html)) == [days_from_now(n).isoformat() for n in range(7, 14)]
    assert f'date={days_from_now(0).isoformat()}"><span aria-hidden="true">&larr;</span>' in html
    assert f'date={days_from_now(14).isoformat()}"><span aria-hidden="true">&rarr;</span>' in html
    # Friday 25th is shown and has times: the next are a week on, not back on the 18th.
    assert "Next available: Fri 1 Feb" in html
    assert "Next available: Fri 18 Jan" not in html


def test_the_strip_stops_at_the_booking_horizon(client, asha, sports):
    rules = BookingRules.load()
    rules.horizon_days = 10
    rules.save()

    html = page(client, sports, therapist=asha.pk, date=days_from_now(8).isoformat())

    assert list(marked(html)) == [days_from_now(n).isoformat() for n in (7, 8, 9, 10)]
    assert "Later week" not in html


def test_nothing_free_up_to_the_horizon_says_so(client, bob, sports):
    html = page(client, sports, therapist=bob.pk, date=TODAY.isoformat())

    assert "No free times up to 17 March." in html
    assert not any(marked(html).values())


def test_first_free_day_finds_a_day_months_ahead_in_a_few_searches(bob, sports, django_assert_max_num_queries):
    start = at(days_from_now(50), "00:00")
    make_working_hours(bob, hours=[(n, dt.time(9), dt.time(17)) for n in range(7)])
    TimeOff.objects.create(therapist=bob, start=at(TODAY, "00:00"), end=start, reason=TimeOff.Reason.HOLIDAY)

    BookingRules.load()  # made once, on first use: not part of a search
    # Windows of 7, 14, 28, then 56 days; a search is 5 queries (rules, rooms, therapists,
    # hours, time off with bookings).
    with django_assert_max_num_queries(4 * 5):
        found = first_free_day(
            therapist_id=bob.pk, session_type=sports, date_from=TODAY, last_day=days_from_now(60), now=NOW
        )

    assert found == days_from_now(50)


def test_the_page_query_count_does_not_grow_with_bookings(client, alice, asha, sports, django_assert_max_num_queries):
    urls = [
        reverse("book_slots", args=[sports.pk]) + f"?therapist=any&date={days_from_now(n).isoformat()}" for n in (1, 9)
    ]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(
            18
        ) as few:  # up to three searches (strip, day, next available), each with rooms
            client.get(url)
        counts.append(len(few.captured_queries))
    for n in range(1, 28):
        make_booking(client=alice, therapist=asha, session_type=sports, start=at(days_from_now(n), "09:00"))
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


@pytest.mark.parametrize(
    "clocks_change, hours",
    [
        (dt.date(2026, 3, 29), [(6, dt.time(0), dt.time(3))]),  # 01:00-02:00 does not exist that night
        (dt.date(2026, 10, 25), [(6, dt.time(0), dt.time(3))]),  # 01:00-02:00 happens twice
    ],
)
def test_the_strip_counts_the_clock_change_sunday_as_one_day(clock, bob, sports, clocks_change, hours):
    clock.move_to(london(2026, clocks_change.month, clocks_change.day - 4, 8, 0))
    make_working_hours(bob, hours=hours)
    booking_rules()

    strip = week_strip(
        therapist_id=bob.pk,
        session_type=sports,
        date_from=clocks_change - dt.timedelta(days=4),
        last_day=clocks_change + dt.timedelta(days=30),
        now=london(2026, clocks_change.month, clocks_change.day - 4, 8, 0),
    )

    assert [entry.day for entry in strip.days] == [clocks_change + dt.timedelta(days=n) for n in range(-4, 3)]
    assert [entry.day for entry in strip.days if entry.free] == [clocks_change]
    assert strip.slots_on(clocks_change) == strip.slots  # and its free starts, that day's only


def test_a_check_that_lapses_mid_week_keeps_the_days_before_it_in_the_strip(client, bob_fridays, sports):
    bob_fridays.registration_expires_on = days_from_now(4)  # Sunday: Friday is still covered
    bob_fridays.save(update_fields=["registration_expires_on"])

    strip = week_strip(
        therapist_id=bob_fridays.pk, session_type=sports, date_from=TODAY, last_day=days_from_now(30), now=NOW
    )
    html = page(client, sports, therapist=bob_fridays.pk, date=TODAY.isoformat())

    assert [day.day for day in strip.days if day.free] == [FRIDAY]
    assert [day for day, free in marked(html).items() if free] == [FRIDAY.isoformat()]
    assert (
        first_free_day(
            therapist_id=bob_fridays.pk, session_type=sports, date_from=TODAY, last_day=days_from_now(30), now=NOW
        )
        == FRIDAY
    )


def test_no_day_after_the_check_lapses_is_marked(client, bob_fridays, sports):
    bob_fridays.registration_expires_on = days_from_now(1)  # Thursday: before his Friday
    bob_fridays.save(update_fields=["registration_expires_on"])

    html = page(client, sports, therapist=bob_fridays.pk, date=TODAY.isoformat())

    assert not any(marked(html).values())
