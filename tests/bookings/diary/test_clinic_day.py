"""The clinic diary: reception and admins see the whole clinic's day as a time grid, by
therapist or by room, and move a booking to another room."""

import datetime as dt
from pathlib import Path

import pytest

from bookings.diary import grid
from bookings.models import Booking
from clinic.london import LONDON, wall_clock_to_utc
from clinic.models import RoomClosure
from therapists.models import TimeOff

from ...clock import at, days_from_now
from ...factories import (
    blocks,
    crowd,
    grant_clinic_diary,
    make_booking,
    make_room,
    make_session_type,
    make_user,
    make_working_hours,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


@pytest.fixture
def rita(db):
    """Reception: staff with the clinic diary permission, not a superuser."""
    return grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita"))


@pytest.fixture
def as_rita(client, rita):
    client.force_login(rita)
    return client


def page(client, day=TUESDAY, by="therapist") -> str:
    response = client.get(f"/diary/clinic/{day.isoformat()}/?by={by}")
    assert response.status_code == 200
    return response.content.decode()


def test_reception_sees_a_column_per_therapist_with_bookings_sized_by_length_and_the_free_gaps(
    as_rita, asha, bob, sports, alice
):
    room = make_room("Room A", suits=[sports])
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    make_working_hours(bob, [(TUESDAY.weekday(), dt.time(12), dt.time(16))])
    TimeOff.objects.create(therapist=bob, start=at(TUESDAY, "14:00"), end=at(TUESDAY, "15:00"))

    html = page(as_rita)

    # The grid starts at 08:00: row 2 is 08:00, a row per 15 minutes. Asha is column 2, Bob 3.
    assert sorted(blocks(html)) == [
        "cd-booking cd-status-confirmed c-2 r-10 s-4 | 10:00 Alice · Sports massage Booked · Room A",
        "cd-free c-2 r-14 s-24 | Free 11:00–17:00 : book a client in with Asha Patel",
        "cd-free c-2 r-6 s-4 | Free 09:00–10:00 : book a client in with Asha Patel",
        "cd-free c-3 r-18 s-8 | Free 12:00–14:00 : book a client in with Bob Okafor",
        "cd-free c-3 r-30 s-4 | Free 15:00–16:00 : book a client in with Bob Okafor",
        "cd-off c-3 r-26 s-4 | Time off 14:00–15:00",
    ]
    assert "Asha Patel" in html and "09:00–17:00" in html and "12:00–16:00" in html
    assert 'style="' not in html
    # A free gap opens the walk-in page at that therapist, day and the gap's start.
    assert f'href="/diary/clinic/book/?therapist={bob.pk}&amp;date={TUESDAY.isoformat()}&amp;start_from=15:00"' in html


def test_by_room_each_room_has_a_column_and_bookings_without_a_room_have_their_own(as_rita, asha, bob, sports, alice):
    first = make_room("Room A", suits=[sports], display_order=1, turnover_minutes=15)
    make_room("Room B", suits=[sports], display_order=2)
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=first)
    make_booking(therapist=bob, session_type=sports, start=at(TUESDAY, "10:00"), status=Booking.Status.AWAITING_REVIEW)
    RoomClosure.objects.create(room=first, start=at(TUESDAY, "13:00"), end=at(TUESDAY, "14:00"))

    html = page(as_rita, by="room")

    found = blocks(html)
    assert "cd-booking cd-status-confirmed c-2 r-10 s-4 | 10:00 Alice · Sports massage Booked · Asha Patel" in found
    # Room A is turned over until 11:15.
    assert "cd-free c-2 r-15 s-7 | Free 11:15–13:00" in found
    assert "cd-off c-2 r-22 s-4 | Closed 13:00–14:00" in found
    assert "cd-free c-3 r-2 s-48 | Free 08:00–20:00" in found
    assert (
        "cd-booking cd-status-awaiting_review c-4 r-10 s-4 | 10:00 Guest · Sports massage Awaiting review · Bob Okafor"
        in found
    )
    assert "No room" in html


def test_by_room_sessions_without_a_room_that_overlap_get_a_column_each(as_rita, asha, bob, sports, alice):
    make_room("Room A", suits=[sports])
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    make_booking(therapist=bob, session_type=sports, start=at(TUESDAY, "10:30"))
    make_booking(therapist=bob, session_type=sports, start=at(TUESDAY, "12:00"))

    found = [block for block in blocks(page(as_rita, by="room")) if block.startswith("cd-booking")]

    assert sorted(found) == [
        "cd-booking cd-status-confirmed c-3 r-10 s-4 | 10:00 Alice · Sports massage Booked · Asha Patel",
        "cd-booking cd-status-confirmed c-3 r-18 s-4 | 12:00 Guest · Sports massage Booked · Bob Okafor",
        "cd-booking cd-status-confirmed c-4 r-12 s-4 | 10:30 Guest · Sports massage Booked · Bob Okafor",
    ]


def test_the_clinic_diary_is_for_reception_and_admins_only(client, asha, alice, sam, admin_user):
    url = f"/diary/clinic/{TUESDAY.isoformat()}/"
    assert client.get(url).status_code == 302  # log in first
    for person in (alice, asha.user, sam):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert client.post("/diary/clinic/bookings/1/room/", {"room": "1"}).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    assert client.get("/diary/clinic/").status_code == 200


def test_a_bad_day_in_the_address_is_not_found(as_rita):
    assert as_rita.get("/diary/clinic/2030-02-31/").status_code == 404


def test_reception_moves_a_booking_to_another_room_from_the_diary(as_rita, asha, sports, alice):
    first = make_room("Room A", suits=[sports], display_order=1)
    second = make_room("Room B", suits=[sports], display_order=2)
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=first)

    html = page(as_rita)
    assert f'<option value="{second.pk}">Room B</option>' in html
    assert f'<option value="{first.pk}">' not in html  # not the room it is in

    response = as_rita.post(
        f"/diary/clinic/bookings/{booking.pk}/room/", {"room": second.pk, "by": "room"}, follow=True
    )

    assert "Alice&#x27;s 10:00 session is now in Room B." in response.content.decode()
    assert response.redirect_chain[-1][0] == f"/diary/clinic/{TUESDAY.isoformat()}/?by=room#booking-{booking.pk}"
    booking.refresh_from_db()
    assert booking.room == second


@pytest.mark.parametrize("room", ["", "nonsense", "999999"])
def test_a_move_to_no_room_or_a_missing_one_is_refused_with_a_message(as_rita, asha, sports, alice, room):
    first = make_room("Room A", suits=[sports])
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=first)

    response = as_rita.post(f"/diary/clinic/bookings/{booking.pk}/room/", {"room": room}, follow=True)

    assert response.status_code == 200
    assert "Choose a room" in response.content.decode() or "That room does not exist." in response.content.decode()
    booking.refresh_from_db()
    assert booking.room == first


def test_a_move_to_a_busy_room_says_so_and_changes_nothing(as_rita, asha, bob, sports, alice):
    first = make_room("Room A", suits=[sports], display_order=1)
    second = make_room("Room B", suits=[sports], display_order=2)
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=first)
    make_booking(therapist=bob, session_type=sports, start=at(TUESDAY, "10:30"), room=second)
    assert f'<option value="{second.pk}">' not in page(as_rita)  # not offered, and if sent anyway:

    response = as_rita.post(f"/diary/clinic/bookings/{booking.pk}/room/", {"room": second.pk}, follow=True)

    assert "Room B is not free then" in response.content.decode()
    booking.refresh_from_db()
    assert booking.room == first


def test_moving_a_booking_that_does_not_exist_is_not_found(as_rita):
    assert as_rita.post("/diary/clinic/bookings/999999/room/", {"room": "1"}).status_code == 404


@pytest.mark.parametrize("by", ["therapist", "room"])
def test_the_clinic_diary_query_count_does_not_grow_with_therapists_rooms_or_bookings(
    as_rita, sports, by, django_assert_max_num_queries
):
    crowd("few", 1, 1, 1, sports, day=TUESDAY)
    # By therapist, three of them limit the free gaps to time a room is free (bookable_gaps).
    with django_assert_max_num_queries(17 if by == "therapist" else 14) as few:
        page(as_rita, by=by)

    crowd("many", 12, 6, 5, sports, day=TUESDAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(as_rita, by=by)
    assert html.count("cd-booking ") == 1 + 12 * 5


@pytest.mark.parametrize(
    "day, rows, marks",
    [
        (dt.date(2026, 3, 29), 76, ["00:00", "02:00", "03:00", "04:00"]),  # no 01:00
        (dt.date(2026, 10, 25), 84, ["00:00", "01:00", "01:00", "02:00"]),  # 01:00 twice
        (dt.date(2026, 10, 26), 80, ["00:00", "01:00", "02:00", "03:00"]),
    ],
    ids=["29 March", "25 October", "an ordinary Monday"],
)
def test_the_grid_runs_in_real_time_across_the_2026_clock_changes(day, rows, marks):
    midnight_session = (wall_clock_to_utc(day, dt.time(0)), wall_clock_to_utc(day, dt.time(0)) + dt.timedelta(hours=1))
    window = grid.window_for(day, [midnight_session])

    assert window.rows == rows  # 00:00 to 20:00 in real time, a row per 15 minutes
    assert [f"{hour:%H:%M}" for _, hour in window.hour_marks()][:4] == marks
    # Three real hours after midnight sit twelve rows down, whatever the wall clock says.
    assert window.place(midnight_session[0] + dt.timedelta(hours=3), midnight_session[0] + dt.timedelta(hours=4)) == (
        14,
        4,
    )


def test_free_gaps_are_the_open_time_no_booking_or_time_off_covers():
    def t(hhmm):
        return dt.datetime.combine(dt.date(2030, 1, 22), dt.time.fromisoformat(hhmm), tzinfo=LONDON)

    gaps = grid.free_gaps(
        [(t("09:00"), t("17:00"))], [(t("10:00"), t("11:15")), (t("11:15"), t("12:00")), (t("16:50"), t("18:00"))]
    )

    assert gaps == [(t("09:00"), t("10:00")), (t("12:00"), t("16:50"))]


def test_the_stylesheet_places_blocks_on_every_row_of_the_longest_day_and_every_column():
    css = (Path(__file__).resolve().parents[3] / "static" / "css" / "clinic.css").read_text()
    longest = grid.window_for(
        dt.date(2026, 10, 25), [(at(dt.date(2026, 10, 25), "00:00"), at(dt.date(2026, 10, 26), "00:00"))]
    )

    assert grid.FIRST_ROW + longest.rows - 1 == grid.CSS_ROWS
    assert all(f".r-{n}{{grid-row-start:{n}}}" in css for n in range(1, grid.CSS_ROWS + 1))
    assert all(f".s-{n}{{grid-row-end:span {n}}}" in css for n in range(1, longest.rows + 1))
    assert all(f".c-{n}{{grid-column-start:{n}}}" in css for n in range(1, grid.CSS_COLUMNS + 1))


def test_a_gap_is_only_time_a_room_suiting_the_therapists_sessions_is_free(as_rita, asha, bob, sports, alice):
    room = make_room("Room A", suits=[sports])
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    RoomClosure.objects.create(room=room, start=at(TUESDAY, "14:00"), end=at(TUESDAY, "15:00"))

    free = [block for block in blocks(page(as_rita)) if "cd-free c-2 " in block]

    # Asha works 09:00-17:00, but the only room is Bob's at 10:00-11:00 and closed at 14:00-15:00.
    assert [block.split(" | ")[1].split(" :")[0] for block in free] == [
        "Free 09:00–10:00",
        "Free 11:00–14:00",
        "Free 15:00–17:00",
    ]


def test_a_therapist_offering_a_session_that_needs_no_room_keeps_every_gap(as_rita, asha, bob, sports, alice):
    room = make_room("Room A", suits=[sports])
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    make_session_type("Chair massage", needs_room=False)  # offered by Asha and Bob

    free = [block for block in blocks(page(as_rita)) if "cd-free c-2 " in block]

    assert [block.split(" | ")[1].split(" :")[0] for block in free] == ["Free 09:00–17:00"]
