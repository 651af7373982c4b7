import datetime as dt

import pytest

from bookings.models import Booking
from therapists.models import TimeOff, WorkingHours

from ...clock import THIS_MONDAY, at
from ...factories import blocks, make_booking, make_room, make_user

# NOW is the Wednesday of the week starting THIS_MONDAY.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_the_week_shows_hours_bookings_and_time_off(as_asha, asha, alice, sports):
    # Asha takes a lunch break on Mondays; the rest of her week is the standard 09:00-17:00.
    asha.working_hours.filter(weekday=0).update(end_time=dt.time(12, 30))
    WorkingHours.objects.create(therapist=asha, weekday=0, start_time=dt.time(13, 30), end_time=dt.time(18))
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(THIS_MONDAY, "10:00"))
    make_booking(
        client=make_user("carol"),
        therapist=asha,
        session_type=sports,
        start=at(THIS_MONDAY, "14:00"),
        status=Booking.Status.CANCELLED,
    )
    TimeOff.objects.create(
        therapist=asha,
        start=at(THIS_MONDAY + dt.timedelta(days=2), "00:00"),
        end=at(THIS_MONDAY + dt.timedelta(days=3), "00:00"),
        reason="holiday",
    )

    page = as_asha.get("/diary/").content.decode()

    assert "09:00–12:30, 13:30–18:00" in page
    assert page.count("09:00–17:00") == 6
    assert "Alice · Sports massage" in page
    assert "Carol" not in page
    assert "Holiday</span>\n  all day" in page
    assert "Red flag" not in page


def test_weeks_are_navigable_and_any_day_opens_its_week(as_asha):
    # A week across the end of a month, named by a day in the middle of it.
    page = as_asha.get("/diary/week/2026-12-02/").content.decode()

    assert "30 Nov – 6 Dec 2026" in page
    assert 'href="/diary/week/2026-11-23/"' in page
    assert 'href="/diary/week/2026-12-07/"' in page
    assert "This week" in page


def test_a_nonsense_date_is_not_found(as_asha):
    assert as_asha.get("/diary/week/2026-13-40/").status_code == 404
    assert as_asha.get("/diary/day/yesterday/").status_code == 404


def test_the_day_offers_outcome_buttons_only_for_started_confirmed_bookings(as_asha, asha, alice, sports):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(THIS_MONDAY, "10:00"))
    make_booking(
        client=make_user("dave"),
        therapist=asha,
        session_type=sports,
        start=at(THIS_MONDAY, "12:00"),
        status=Booking.Status.ATTENDED,
    )

    page = as_asha.get(f"/diary/day/{THIS_MONDAY}/").content.decode()

    assert page.count('/no-show/"') == 1
    assert 'aria-label="Attended: add notes for Alice at 10:00"' in page
    assert "Dave · Sports massage" in page

    future = as_asha.get(f"/diary/day/{THIS_MONDAY + dt.timedelta(days=7)}/").content.decode()
    assert "No bookings on this day." in future


def fill_week(therapist, session_type, count):
    client = make_user(f"client{count}")
    for n in range(count):
        day = THIS_MONDAY + dt.timedelta(days=n % 7)
        make_booking(
            client=client,
            therapist=therapist,
            session_type=session_type,
            start=at(day, "08:00") + dt.timedelta(hours=n // 7),
        )
        TimeOff.objects.create(
            therapist=therapist,
            start=at(day, "20:00") + dt.timedelta(minutes=n),
            end=at(day, "20:00") + dt.timedelta(minutes=n + 1),
        )
        WorkingHours.objects.create(
            therapist=therapist, weekday=n % 7, start_time=dt.time(n % 20), end_time=dt.time(n % 20, 30)
        )


@pytest.mark.parametrize("count", [1, 12])
def test_the_week_and_day_take_the_same_queries_however_full(as_asha, asha, sports, count, django_assert_num_queries):
    fill_week(asha, sports, count)

    # session, user, staff standing, therapist; hours, time off, bookings with clients and
    # session types; the sessions still without notes
    with django_assert_num_queries(8):
        response = as_asha.get(f"/diary/week/{THIS_MONDAY}/")
    assert response.content.decode().count("Client") == count
    # the day adds its time grid's own hours, time off and bookings, and who is waiting (two)
    with django_assert_num_queries(13):
        as_asha.get(f"/diary/day/{THIS_MONDAY}/")


def test_the_spring_forward_week_places_bookings_on_their_london_day(as_asha, asha, alice, sports):
    sunday = dt.date(2027, 3, 28)  # the clocks go forward at 01:00
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(sunday, "00:30"))
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(sunday, "23:30"))

    page = as_asha.get("/diary/day/2027-03-28/").content.decode()

    assert (
        '<time datetime="2027-03-28T00:30:00+00:00">00:30</time>–<time datetime="2027-03-28T02:30:00+01:00">02:30</time>'
        in page
    )
    assert ">23:30</time>" in page


def test_the_day_is_the_clinic_diarys_grid_with_the_therapists_column_only(as_asha, asha, bob, alice, sports):
    next_monday = THIS_MONDAY + dt.timedelta(days=7)  # free gaps are drawn on days still to come
    room = make_room("Quiet room", suits=[sports])
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(next_monday, "10:00"), room=room)
    make_booking(client=make_user("carol"), therapist=bob, session_type=sports, start=at(next_monday, "11:00"))
    TimeOff.objects.create(therapist=asha, start=at(next_monday, "13:00"), end=at(next_monday, "14:00"))

    page = as_asha.get(f"/diary/day/{next_monday}/").content.decode()

    assert blocks(page) == [
        "cd-free c-2 r-6 s-4 | Free 09:00–10:00 : book a client in with Asha Patel",
        "cd-free c-2 r-14 s-8 | Free 11:00–13:00 : book a client in with Asha Patel",
        "cd-free c-2 r-26 s-12 | Free 14:00–17:00 : book a client in with Asha Patel",
        "cd-off c-2 r-22 s-4 | Time off 13:00–14:00",
        "cd-booking cd-status-confirmed c-2 r-10 s-4 | 10:00 Alice · Sports massage Booked · Quiet room",
    ]
    assert 'href="#booking-' in page and 'id="booking-' in page  # a block opens its row in the list
    assert "Carol" not in page and "Bob" not in page
    assert "Move to room" not in page  # the front desk moves rooms, from the clinic diary
    assert "{#" not in page and "{%" not in page


def test_a_therapist_who_cannot_be_booked_that_day_still_sees_their_grid(client, tara, alice, sports):
    make_booking(client=alice, therapist=tara, session_type=sports, start=at(THIS_MONDAY, "10:00"))
    client.force_login(tara.user)

    page = client.get(f"/diary/day/{THIS_MONDAY}/").content.decode()

    assert "cd-booking cd-status-confirmed c-2 r-" in page
    assert "Not working" in page
