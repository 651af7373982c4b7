"""A room with bookings still to come cannot be taken out of use, stop suiting them or close
over them: the admin's refusal lists the bookings and nothing changes. Staff move a booking to
another room that is free."""

import datetime as dt

import pytest

from bookings.models import Booking
from bookings.services.rooms import RoomNotFree, booking_room_change
from clinic.models import Room, RoomClosure, RoomHours

from ..clock import NOW, YESTERDAY, at, days_from_now
from ..factories import make_booking, make_room, make_session_type

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


@pytest.fixture
def room(sports):
    return make_room("Room A", suits=[sports], display_order=1, turnover_minutes=15)


def test_staff_move_a_booking_to_a_free_room_that_suits_it(asha, sports, room):
    other = make_room("Room B", suits=[sports], display_order=2, turnover_minutes=5)
    booking = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)

    moved = booking_room_change(booking_id=booking.pk, room_id=other.pk, now=NOW)

    assert (moved.room, moved.room_until, moved.start) == (other, at(TUESDAY, "11:05"), at(TUESDAY, "10:00"))


@pytest.mark.parametrize("why", ["busy", "turnover", "closed", "shut", "unsuited", "out of use"])
def test_a_move_to_a_room_that_cannot_take_the_session_is_refused_and_changes_nothing(asha, bob, sports, room, why):
    other = make_room("Room B", suits=[sports], display_order=2, turnover_minutes=30)
    booking = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    expected = "not free then"
    if why == "busy":
        make_booking(therapist=bob, session_type=sports, start=at(TUESDAY, "10:30"), room=other)
    elif why == "turnover":
        # Another session from 11:15 means this one's 30 minutes of turnover would clash.
        make_booking(therapist=bob, session_type=sports, start=at(TUESDAY, "11:15"), room=other)
    elif why == "closed":
        RoomClosure.objects.create(room=other, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:15"))
    elif why == "shut":
        RoomHours.objects.create(room=other, weekday=TUESDAY.weekday(), start_time=dt.time(12), end_time=dt.time(20))
    elif why == "unsuited":
        other.session_types.set([make_session_type("Relaxation massage")])
        expected = "does not suit a Sports massage"
    else:
        Room.objects.filter(pk=other.pk).update(active=False)
        expected = "is not in use"

    with pytest.raises(RoomNotFree, match=expected):
        booking_room_change(booking_id=booking.pk, room_id=other.pk, now=NOW)

    booking.refresh_from_db()
    assert (booking.room, booking.room_until) == (room, at(TUESDAY, "11:15"))


def test_a_booking_that_has_started_keeps_its_room(asha, sports, room):
    other = make_room("Room B", suits=[sports])
    booking = make_booking(therapist=asha, session_type=sports, start=NOW - dt.timedelta(minutes=10), room=room)

    with pytest.raises(RoomNotFree, match="its room stays"):
        booking_room_change(booking_id=booking.pk, room_id=other.pk, now=NOW)


def change_form(room, **overrides):
    data = {
        "name": room.name,
        "active": "on",
        "display_order": room.display_order,
        "session_types": [st.pk for st in room.session_types.all()],
        "turnover_minutes": room.turnover_minutes,
        "hours-TOTAL_FORMS": "0",
        "hours-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": "0",
        "closures-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def closure_form(start: str, end: str, day=TUESDAY) -> dict:
    return {
        "closures-TOTAL_FORMS": "1",
        "closures-0-start_0": f"{day:%Y-%m-%d}",
        "closures-0-start_1": start,
        "closures-0-end_0": f"{day:%Y-%m-%d}",
        "closures-0-end_1": end,
        "closures-0-note": "Paint",
    }


def test_in_the_admin_taking_a_booked_room_out_of_use_shows_the_bookings_and_saves_nothing(
    admin_client, asha, sports, room
):
    make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)

    page = admin_client.post(f"/admin/clinic/room/{room.pk}/change/", change_form(room, active=None, name="Renamed"))

    assert page.status_code == 200
    assert "1 booking still to come needs this room" in page.content.decode()
    assert "Asha Patel" in page.content.decode()
    room.refresh_from_db()
    assert (room.active, room.name) == (True, "Room A")


def test_in_the_admin_the_refusal_lists_every_booking_to_come_in_the_room(admin_client, asha, bob, sports, room):
    make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    make_booking(therapist=bob, session_type=sports, start=at(TUESDAY, "14:00"), room=room)

    page = admin_client.post(f"/admin/clinic/room/{room.pk}/change/", change_form(room, active=None)).content.decode()

    assert "2 bookings still to come need this room: " in page
    assert "10:00 (Sports massage, Asha Patel)" in page and "14:00 (Sports massage, Bob Okafor)" in page
    assert "Move them to another room first" in page
    room.refresh_from_db()
    assert room.active


def test_in_the_admin_a_room_whose_bookings_are_past_or_cancelled_is_taken_out_of_use(admin_client, asha, sports, room):
    make_booking(therapist=asha, session_type=sports, start=at(YESTERDAY, "10:00"), room=room)
    make_booking(
        therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room, status=Booking.Status.CANCELLED
    )

    page = admin_client.post(f"/admin/clinic/room/{room.pk}/change/", change_form(room, active=None))

    assert page.status_code == 302
    room.refresh_from_db()
    assert room.active is False


def test_in_the_admin_a_room_stops_suiting_a_session_only_once_none_is_booked_in_it(admin_client, asha, sports, room):
    relaxation = make_session_type("Relaxation massage")
    booking = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)

    page = admin_client.post(f"/admin/clinic/room/{room.pk}/change/", change_form(room, session_types=[relaxation.pk]))
    assert "change what it suits" in page.content.decode()
    assert list(room.session_types.all()) == [sports]

    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    page = admin_client.post(f"/admin/clinic/room/{room.pk}/change/", change_form(room, session_types=[relaxation.pk]))
    assert page.status_code == 302
    assert list(room.session_types.all()) == [relaxation]


def test_in_the_admin_room_time_off_over_a_booking_is_refused_with_the_list(admin_client, asha, sports, room):
    make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    closure = {
        "closures-TOTAL_FORMS": "1",
        "closures-0-room": str(room.pk),
        "closures-0-start_0": f"{TUESDAY:%Y-%m-%d}",
        "closures-0-start_1": "09:00",
        "closures-0-end_0": f"{TUESDAY:%Y-%m-%d}",
        "closures-0-end_1": "12:00",
        "closures-0-note": "New couch",
    }

    page = admin_client.post(f"/admin/clinic/room/{room.pk}/change/", change_form(room, **closure))

    assert page.status_code == 200
    assert "1 booking holds the room in that time" in page.content.decode()
    assert not RoomClosure.objects.exists()

    closure.update({"closures-0-start_1": "11:15", "closures-0-end_1": "13:00"})
    page = admin_client.post(f"/admin/clinic/room/{room.pk}/change/", change_form(room, **closure))
    assert page.status_code == 302
    assert RoomClosure.objects.get().start == at(TUESDAY, "11:15")


def test_in_the_admin_room_time_off_over_a_bookings_turnover_is_refused(admin_client, asha, sports, room):
    make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)

    # The session ends 11:00 and the room is turned over until 11:15.
    page = admin_client.post(
        f"/admin/clinic/room/{room.pk}/change/", change_form(room, **closure_form("11:10", "13:00"))
    )

    assert "1 booking holds the room in that time (turnover included)" in page.content.decode()
    assert not RoomClosure.objects.exists()


def test_in_the_admin_room_time_off_that_ends_before_it_starts_is_refused(admin_client, room):
    page = admin_client.post(
        f"/admin/clinic/room/{room.pk}/change/", change_form(room, **closure_form("13:00", "11:00"))
    )

    assert "must end after it starts" in page.content.decode()
    assert not RoomClosure.objects.exists()


def test_admins_add_a_room_and_cannot_delete_one(admin_client, sports):
    page = admin_client.post(
        "/admin/clinic/room/add/",
        {
            "name": "Room C",
            "active": "on",
            "display_order": "3",
            "session_types": [sports.pk],
            "turnover_minutes": "10",
            "hours-TOTAL_FORMS": "1",
            "hours-INITIAL_FORMS": "0",
            "hours-0-weekday": "0",
            "hours-0-start_time": "08:00",
            "hours-0-end_time": "20:00",
            "closures-TOTAL_FORMS": "0",
            "closures-INITIAL_FORMS": "0",
        },
    )

    assert page.status_code == 302
    room = Room.objects.get(name="Room C")
    assert list(room.session_types.all()) == [sports]
    assert room.hours.get().end_time == dt.time(20)
    assert admin_client.post(f"/admin/clinic/room/{room.pk}/delete/", {"post": "yes"}).status_code == 403
