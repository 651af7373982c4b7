"""A time refused because of the treatment rooms says so: no room open then (its hours, its
time off), no room free but for a turnover, no room that suits the session. "Just been taken"
is kept for a time another session holds, the therapist or the last room."""

import datetime as dt

import pytest

from bookings.models import Booking
from bookings.services.booking import SlotNotFree, SlotTaken
from bookings.slots.refusals import refusal_message, slot_refusal
from clinic.models import RoomClosure, RoomHours

from ..clock import NOW, at, days_from_now
from ..factories import book, details_url, form_data, make_booking, make_room, make_working_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)


def refused_booking(session_type, therapist, start) -> SlotNotFree:
    before = Booking.objects.count()
    with pytest.raises(SlotNotFree) as refused:
        book(session_type, therapist, start)
    assert Booking.objects.count() == before
    return refused.value


def test_a_time_the_only_room_is_closed_says_no_room_is_open(asha, sports):
    room = make_room("Room 1", suits=[sports])
    RoomClosure.objects.create(room=room, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "12:00"))

    refused = refused_booking(sports, asha, at(TUESDAY, "10:30"))

    assert not isinstance(refused, SlotTaken)
    assert str(refused) == (
        "None of our treatment rooms for sports massage is open at that time. Please choose one of the times shown."
    )
    # The nearest times either side of the closure (which also hides 09:15 to 09:45).
    assert {slot.start for slot in refused.alternatives} >= {at(TUESDAY, "09:00"), at(TUESDAY, "12:00")}


def test_a_time_outside_the_rooms_hours_says_no_room_is_open(asha, sports):
    room = make_room("Room 1", suits=[sports])
    RoomHours.objects.create(room=room, weekday=TUESDAY.weekday(), start_time=dt.time(13), end_time=dt.time(17))

    refused = refused_booking(sports, asha, at(TUESDAY, "10:00"))

    assert not isinstance(refused, SlotTaken)
    assert "None of our treatment rooms for sports massage is open at that time" in str(refused)


def test_a_room_held_for_its_turnover_says_the_room_is_being_made_ready(alice, asha, bob, sports):
    make_working_hours(bob)
    room = make_room("Room 1", suits=[sports], turnover_minutes=15)
    # Bob's 09:00-10:00 session holds the room until 10:15; Asha is free at 10:00.
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(TUESDAY, "09:00"), room=room)

    refused = refused_booking(sports, asha, at(TUESDAY, "10:00"))

    assert not isinstance(refused, SlotTaken)
    assert "No treatment room for sports massage is free at that time" in str(refused)
    assert "made ready" in str(refused)


def test_a_room_whose_own_turnover_would_run_into_the_next_session_says_so_too(alice, asha, bob, sports):
    make_working_hours(bob)
    room = make_room("Room 1", suits=[sports], turnover_minutes=15)
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(TUESDAY, "11:00"), room=room)

    refused = refused_booking(sports, asha, at(TUESDAY, "10:00"))  # would hold the room until 11:15

    assert "made ready" in str(refused)


def test_first_available_with_the_room_closed_says_no_room_is_open(asha, bob, sports):
    make_working_hours(bob)
    room = make_room("Room 1", suits=[sports])
    RoomClosure.objects.create(room=room, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "12:00"))

    refused = refused_booking(sports, None, at(TUESDAY, "11:00"))

    assert "None of our treatment rooms for sports massage is open at that time" in str(refused)


def test_a_session_no_room_in_use_suits_says_so(asha, sports):
    make_room("Room 1", suits=[sports], active=False)
    make_room("Quiet room", suits=[])

    # The booking service refuses it before looking at the time (NoRoomSuits); the refusal's
    # own words say the same when asked about one time.
    refused = slot_refusal(therapist_id=asha.pk, session_type=sports, start=at(TUESDAY, "10:00"), now=NOW)
    assert refusal_message(refused, session_type=sports, now=NOW) == (
        "None of our treatment rooms is set up for sports massage at the moment. Please choose another session."
    )


def test_the_last_room_held_by_another_session_is_still_just_taken(alice, asha, bob, sports):
    make_working_hours(bob)
    room = make_room("Room 1", suits=[sports])
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(TUESDAY, "10:00"), room=room)

    refused = refused_booking(sports, asha, at(TUESDAY, "10:00"))

    assert isinstance(refused, SlotTaken)


def test_the_booking_page_shows_the_rooms_reason(client, asha, sports):
    room = make_room("Room 1", suits=[sports])
    RoomClosure.objects.create(room=room, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "12:00"))

    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00")))

    page = response.content.decode()
    assert "None of our treatment rooms for sports massage is open at that time." in page
    assert "just been taken" not in page
    assert not Booking.objects.exists()
