"""Free slots with treatment rooms: a time is offered only when the therapist and a room that
suits the session are both free, the room's turnover included."""

import datetime as dt

import pytest

from bookings.models import Booking
from bookings.slots.selectors import available_slots
from clinic.london import LONDON
from clinic.models import RoomClosure, RoomHours
from therapists.models import TimeOff

from ..clock import NOW, at, days_from_now
from ..factories import (
    booking_rules,
    make_bookable_therapist,
    make_booking,
    make_room,
    make_session_type,
    make_working_hours,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock"),
    pytest.mark.booking_rules(slot_step_minutes=30),
]

MONDAY = days_from_now(7 - NOW.weekday())


def one_day(session_type, therapist=None, day=MONDAY, now=NOW):
    return available_slots(
        therapist_id=therapist.pk if therapist else None,
        session_type=session_type,
        date_from=day,
        date_to=day,
        now=now,
    )


def offered(slots, between=("09:00", "12:00")) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    return [
        (f"{slot.start.astimezone(LONDON):%H:%M}", slot.therapist_ids, slot.room_ids)
        for slot in slots
        if between[0] <= f"{slot.start.astimezone(LONDON):%H:%M}" < between[1]
    ]


def test_with_one_room_a_second_therapist_is_not_offered_the_time_it_is_taken(alice, asha, bob, sports, rules):
    make_working_hours(bob)
    room = make_room("Room 1", suits=[sports], turnover_minutes=0)
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(MONDAY, "10:00"), room=room)

    # Bob is free all morning, but the only room is taken 10:00-11:00.
    assert offered(one_day(sports, bob)) == [
        ("09:00", (bob.pk,), (room.pk,)),
        ("11:00", (bob.pk,), (room.pk,)),
        ("11:30", (bob.pk,), (room.pk,)),
    ]


def test_the_room_turnover_keeps_the_next_start_back(alice, asha, bob, sports, rules):
    make_working_hours(bob)
    room = make_room("Room 1", suits=[sports], turnover_minutes=20)
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(MONDAY, "10:00"), room=room)

    # Held until 11:20; a new session needs 60 + 20 minutes of room before the 10:00 one.
    assert [start for start, _, _ in offered(one_day(sports, bob))] == ["11:30"]


def test_any_therapist_offers_each_start_with_the_rooms_free_in_the_clinics_order(alice, asha, bob, sports, rules):
    make_working_hours(bob)
    second = make_room("Room B", suits=[sports], display_order=2)
    first = make_room("Room A", suits=[sports], display_order=1)
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(MONDAY, "10:00"), room=first)

    assert offered(one_day(sports), between=("09:00", "11:00")) == [
        ("09:00", (asha.pk, bob.pk), (first.pk, second.pk)),
        ("09:30", (asha.pk,), (second.pk,)),
        ("10:00", (asha.pk,), (second.pk,)),
        ("10:30", (asha.pk,), (second.pk,)),
    ]


def test_rooms_that_are_out_of_use_unsuited_closed_or_shut_are_not_offered(asha, sports, rules):
    make_room("Out of use", suits=[sports], active=False)
    make_room("Quiet room", suits=[make_session_type("Relaxation massage")])
    closed = make_room("Closed for painting", suits=[sports])
    RoomClosure.objects.create(room=closed, start=at(MONDAY, "00:00"), end=at(MONDAY, "10:30"))
    evenings = make_room("Evenings only", suits=[sports])
    RoomHours.objects.create(room=evenings, weekday=MONDAY.weekday(), start_time=dt.time(11), end_time=dt.time(21))

    assert offered(one_day(sports, asha)) == [
        ("10:30", (asha.pk,), (closed.pk,)),
        ("11:00", (asha.pk,), (closed.pk, evenings.pk)),
        ("11:30", (asha.pk,), (closed.pk, evenings.pk)),
    ]


def test_a_clinic_whose_rooms_none_suit_the_session_offers_nothing(asha, sports, rules):
    make_room("Quiet room", suits=[make_session_type("Relaxation massage")])

    assert one_day(sports, asha) == []


def test_a_session_that_needs_no_room_and_a_clinic_without_rooms_book_therapists_only(asha, sports, rules):
    assert offered(one_day(sports, asha))[0] == ("09:00", (asha.pk,), ())

    home_visit = make_session_type("Home visit", needs_room=False)
    room = make_room("Room 1", suits=[sports, home_visit])
    make_booking(therapist=make_bookable_therapist("carol"), session_type=sports, start=at(MONDAY, "09:00"), room=room)

    assert offered(one_day(home_visit, asha))[0] == ("09:00", (asha.pk,), ())
    assert offered(one_day(sports, asha))[0] == ("10:00", (asha.pk,), (room.pk,))


def test_a_cancelled_booking_frees_its_room(alice, asha, bob, sports, rules):
    make_working_hours(bob)
    room = make_room("Room 1", suits=[sports])
    make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(MONDAY, "09:00"),
        room=room,
        status=Booking.Status.CANCELLED,
    )

    assert offered(one_day(sports, bob))[0] == ("09:00", (bob.pk,), (room.pk,))


def fill(therapists, rooms, session_type, client, bookings_each: int):
    """Hours with a break, a day off, room time off and hours, and bookings over four weeks."""
    for therapist in therapists:
        make_working_hours(therapist, [(weekday, dt.time(8), dt.time(12)) for weekday in range(7)])
        make_working_hours(therapist, [(weekday, dt.time(13), dt.time(20)) for weekday in range(7)])
        TimeOff.objects.create(therapist=therapist, start=at(MONDAY, "00:00"), end=at(MONDAY, "23:00"))
    for room in rooms:
        RoomClosure.objects.create(room=room, start=at(MONDAY, "12:00"), end=at(MONDAY, "13:00"))
        RoomHours.objects.create(room=room, weekday=2, start_time=dt.time(7), end_time=dt.time(21))
    bookings = []
    for index, therapist in enumerate(therapists):
        for n in range(bookings_each):
            start = at(MONDAY + dt.timedelta(days=1 + n % 27), "08:00") + dt.timedelta(hours=n // 27 % 12)
            # Half of the first therapists' bookings hold a room each (one room, one therapist,
            # so they never overlap); the rest were booked before the clinic kept rooms.
            room = rooms[index] if index < len(rooms) and n % 2 == 0 else None
            end = start + dt.timedelta(hours=1)
            bookings.append(
                Booking(
                    client=client,
                    therapist=therapist,
                    session_type=session_type,
                    start=start,
                    end=end,
                    blocks_until=end,
                    room=room,
                    room_until=end if room else None,
                )
            )
    Booking.objects.bulk_create(bookings)


@pytest.mark.parametrize(
    "room_count, therapist_count, bookings_each", [(1, 1, 0), (2, 2, 5), (6, 20, 25)], ids=["tiny", "small", "large"]
)
def test_any_therapist_with_rooms_takes_five_queries_however_many_rooms_therapists_and_bookings(
    alice, sports, rules, room_count, therapist_count, bookings_each, django_assert_num_queries
):
    rooms = [make_room(f"Room {n}", suits=[sports], turnover_minutes=10) for n in range(room_count)]
    therapists = [make_bookable_therapist(f"therapist{n}") for n in range(therapist_count)]
    fill(therapists, rooms, sports, alice, bookings_each)

    # The rules, the rooms with their hours, the therapists, their hours, and everyone's
    # time off and bookings in one UNION ALL.
    with django_assert_num_queries(5):
        slots = available_slots(
            therapist_id=None,
            session_type=sports,
            date_from=MONDAY,
            date_to=MONDAY + dt.timedelta(days=27),
            now=NOW,
        )
    assert {pk for slot in slots for pk in slot.room_ids} == {room.pk for room in rooms}
    assert not any(slot.start.astimezone(LONDON).date() == MONDAY for slot in slots)


SPRING_FORWARD = dt.date(2026, 3, 29)
FALL_BACK = dt.date(2026, 10, 25)


@pytest.mark.parametrize(
    "day, expected",
    [
        pytest.param(
            SPRING_FORWARD,
            # Carol's 00:00 GMT session holds the room to 01:00 GMT plus 30 minutes: 02:30 BST.
            ["02:30 BST", "03:00 BST"],
            id="29 March",
        ),
        pytest.param(
            FALL_BACK,
            # Carol's 00:00 BST session holds the room to 01:30 BST; then 01:30 BST, and the
            # repeated hour's 01:00 and 01:30 GMT, each once.
            ["01:30 BST", "01:00 GMT", "01:30 GMT", "02:00 GMT", "02:30 GMT", "03:00 GMT"],
            id="25 October",
        ),
    ],
)
def test_slots_with_a_room_on_the_2026_clock_change_days(clock, alice, sports, day, expected):
    clock.move_to(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    booking_rules(slot_step_minutes=30, min_notice_minutes=0, horizon_days=300)
    room = make_room("Room 1", suits=[sports], turnover_minutes=30)
    dana, carol = make_bookable_therapist("dana"), make_bookable_therapist("carol")
    make_working_hours(dana, [(6, dt.time(0), dt.time(4))])
    make_booking(client=alice, therapist=carol, session_type=sports, start=at(day, "00:00"), room=room)

    slots = one_day(sports, dana, day=day, now=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))

    assert [f"{slot.start.astimezone(LONDON):%H:%M %Z}" for slot in slots] == expected
    assert all(slot.room_ids == (room.pk,) for slot in slots)
