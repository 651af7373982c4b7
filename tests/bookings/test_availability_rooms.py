"""The pure slot engine's room check, table by table. Times are London wall-clock times."""

import datetime as dt

import pytest

from bookings.slots.availability import Busy, RoomTimes, Rules, WeeklyHours, free_starts, rooms_free_at
from clinic.london import LONDON, wall_clock_to_utc

from ..clock import days_from_now

MON = 0
SUN = 6
MONDAY = days_from_now(5)  # next Monday, an ordinary GMT week
SPRING_FORWARD = dt.date(2026, 3, 29)
FALL_BACK = dt.date(2026, 10, 25)
BEFORE_BOTH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
LONG_HORIZON = Rules(step_minutes=30, min_notice_minutes=0, horizon_days=300, buffer_minutes=0)


def local(day: dt.date, hhmm: str, *, latest: bool = False) -> dt.datetime:
    return wall_clock_to_utc(day, dt.time.fromisoformat(hhmm), latest=latest)


def busy(day: dt.date, start: str, end: str) -> Busy:
    return Busy(local(day, start), local(day, end))


def hours(*stretches, weekday=MON):
    return tuple(WeeklyHours(weekday, dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in stretches)


def table(day, starts, rooms, session_minutes=60):
    """Each start as 'HH:MM ZZZ' with the ids of the rooms free for it."""
    instants = [local(day, hhmm) for hhmm in starts]
    answer = rooms_free_at(instants, rooms=rooms, session_minutes=session_minutes)
    return {f"{instant.astimezone(LONDON):%H:%M %Z}": free for instant, free in zip(instants, answer, strict=True)}


def test_a_room_with_no_hours_and_nothing_booked_is_free_all_day():
    assert table(MONDAY, ["00:00", "09:00", "22:30"], [RoomTimes(1)]) == {
        "00:00 GMT": (1,),
        "09:00 GMT": (1,),
        "22:30 GMT": (1,),
    }


def test_rooms_come_back_in_the_order_given_not_by_id():
    assert table(MONDAY, ["09:00"], [RoomTimes(7), RoomTimes(2), RoomTimes(5)]) == {"09:00 GMT": (7, 2, 5)}


ORDINARY_DAY = [
    pytest.param(
        # Room 1 is held 10:00-11:10 (a session and its 10-minute turnover).
        [RoomTimes(1, 10, busy=[busy(MONDAY, "10:00", "11:10")]), RoomTimes(2, 10)],
        {
            "08:50 GMT": (1, 2),  # 08:50 + 60 + 10 ends 10:00: just fits
            "09:00 GMT": (2,),  # its turnover would run into the 10:00 session
            "10:30 GMT": (2,),
            "11:00 GMT": (2,),  # the room is still being turned over
            "11:10 GMT": (1, 2),
        },
        id="a booked room is busy through its turnover, and a new session needs its own turnover",
    ),
    pytest.param(
        [RoomTimes(1, 0, hours=hours(("09:00", "12:00"))), RoomTimes(2, 15, hours=hours(("09:00", "12:00")))],
        {
            "08:50 GMT": (),
            "09:00 GMT": (1, 2),
            "10:45 GMT": (1, 2),
            "11:00 GMT": (1,),  # room 2's turnover would end after it closes
            "11:30 GMT": (),
        },
        id="a room with hours takes sessions, turnover included, only while it is open",
    ),
    pytest.param(
        [RoomTimes(1, 0, hours=hours(("09:00", "12:00"), weekday=1))],
        {"09:00 GMT": ()},
        id="a room with hours on other days only is closed today",
    ),
    pytest.param(
        [RoomTimes(1, 0, busy=[busy(MONDAY, "09:30", "10:00"), busy(MONDAY, "10:00", "11:00")])],
        {"08:30 GMT": (1,), "09:00 GMT": (), "10:30 GMT": (), "11:00 GMT": (1,)},
        id="time off and a booking back to back block as one",
    ),
]


@pytest.mark.parametrize("rooms, expected", ORDINARY_DAY)
def test_rooms_free_on_an_ordinary_day(rooms, expected):
    starts = [hhmm.split()[0] for hhmm in expected]
    assert table(MONDAY, starts, rooms) == expected


CLOCK_CHANGE_DAYS = [
    pytest.param(
        SPRING_FORWARD,
        [RoomTimes(1, 30, hours=hours(("00:00", "03:30"), weekday=SUN))],
        # 00:00 GMT + 60 + 30 ends 02:30 BST (real time); 01:00 GMT does not exist; 02:00 BST
        # + 90 minutes ends 03:30 BST, when the room closes.
        ["00:00 GMT", "02:00 BST"],
        {"00:00 GMT": (1,), "02:00 BST": (1,)},
        id="29 March: a room's turnover runs in real time across the missing hour",
    ),
    pytest.param(
        SPRING_FORWARD,
        [RoomTimes(1, 0, busy=[busy(SPRING_FORWARD, "02:00", "02:30")])],
        # On the wall clock 00:30 to 02:00 looks like 90 minutes; in real time a session from
        # 00:30 GMT runs to 02:30 BST and meets the booking at 02:00 BST.
        ["00:00 GMT", "00:30 GMT", "02:30 BST"],
        {"00:00 GMT": (1,), "00:30 GMT": (), "02:30 BST": (1,)},
        id="29 March: a booking after the jump blocks a start before it, in real time",
    ),
    pytest.param(
        FALL_BACK,
        [
            RoomTimes(
                1,
                0,
                busy=[
                    Busy(
                        dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
                    )
                ],
            )
        ],
        # The booking is 01:00-01:30 GMT, the second time the clocks show 01:00: a session
        # from 01:00 BST ends as it begins; one from 01:30 BST runs into it.
        ["00:00 BST", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT"],
        {"00:00 BST": (1,), "01:00 BST": (1,), "01:30 BST": (), "01:00 GMT": (), "01:30 GMT": (1,)},
        id="25 October: a booking in the repeated hour blocks only its real instants",
    ),
    pytest.param(
        FALL_BACK,
        [RoomTimes(1, 0, hours=hours(("00:00", "02:00"), weekday=SUN))],
        # Open from 00:00 BST to 02:00 GMT: three real hours, so a session from 01:00 GMT fits.
        ["00:00 BST", "01:00 BST", "01:00 GMT", "01:30 GMT"],
        {"00:00 BST": (1,), "01:00 BST": (1,), "01:00 GMT": (1,), "01:30 GMT": ()},
        id="25 October: a room's opening hours are an hour longer in real time",
    ),
]


@pytest.mark.parametrize("day, rooms, starts, expected", CLOCK_CHANGE_DAYS)
def test_rooms_free_across_the_2026_clock_changes(day, rooms, starts, expected):
    instants = []
    for label in starts:
        hhmm, zone = label.split()
        candidates = [
            instant
            for instant in (local(day, hhmm), local(day, hhmm, latest=True))
            if f"{instant.astimezone(LONDON):%Z}" == zone
        ]
        instants.append(candidates[0])
    answer = rooms_free_at(instants, rooms=rooms, session_minutes=60)
    assert {f"{i.astimezone(LONDON):%H:%M %Z}": free for i, free in zip(instants, answer, strict=True)} == expected


def test_the_therapists_free_starts_and_the_rooms_combine_on_the_clock_change_day():
    therapist_starts = free_starts(
        hours=hours(("00:00", "04:00"), weekday=SUN),
        rules=LONG_HORIZON,
        session_minutes=60,
        now=BEFORE_BOTH,
        date_from=SPRING_FORWARD,
        date_to=SPRING_FORWARD,
    )
    room = RoomTimes(1, 0, busy=[busy(SPRING_FORWARD, "03:00", "04:00")])
    free = rooms_free_at(therapist_starts, rooms=[room], session_minutes=60)
    offered = [f"{s.astimezone(LONDON):%H:%M %Z}" for s, rooms in zip(therapist_starts, free, strict=True) if rooms]
    assert offered == ["00:00 GMT", "00:30 GMT", "02:00 BST"]
