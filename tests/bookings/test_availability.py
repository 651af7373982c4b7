"""The pure slot engine, table by table. Times in the tables are London wall-clock times."""

import datetime as dt
import statistics
import time

import pytest

from bench.bench_availability import as_busy, engine_once, month_of_bookings
from bookings.slots.availability import Busy, Rules, WeeklyHours, free_starts
from clinic.london import LONDON, NonexistentLocalTime, clock_label, wall_clock_to_utc

from ..clock import NOW, days_from_now

MON = 0
SUN = 6
# Next Monday, in an ordinary (GMT) week; NOW is five days before it, so notice and horizon
# stay out of the way unless a case is about them.
MONDAY = days_from_now(5)
PLAIN = Rules(step_minutes=30, min_notice_minutes=0, horizon_days=60, buffer_minutes=0)


def local(day: dt.date, hhmm: str, *, latest: bool = False) -> dt.datetime:
    return wall_clock_to_utc(day, dt.time.fromisoformat(hhmm), latest=latest)


def busy(day: dt.date, start: str, end: str) -> Busy:
    return Busy(local(day, start), local(day, end))


def london_times(instants) -> list[str]:
    """Starts as London wall-clock times with the zone, so DST cases read plainly."""
    return [f"{instant.astimezone(LONDON):%H:%M %Z}" for instant in instants]


def hours(*stretches, weekday=MON):
    return [WeeklyHours(weekday, dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in stretches]


CASES = [
    pytest.param(
        {"hours": hours(("09:00", "11:00"))},
        ["09:00 GMT", "09:30 GMT", "10:00 GMT"],
        id="a session must end by the end of the stretch",
    ),
    pytest.param(
        {"hours": hours(("09:00", "10:30"), ("12:00", "13:30"))},
        ["09:00 GMT", "09:30 GMT", "12:00 GMT", "12:30 GMT"],
        id="a break between two stretches offers nothing",
    ),
    pytest.param(
        {"hours": hours(("09:00", "12:00")), "busy": [busy(MONDAY, "10:00", "11:00")]},
        ["09:00 GMT", "11:00 GMT"],
        id="a booking blocks every start that would overlap it",
    ),
    pytest.param(
        {
            "hours": hours(("09:00", "13:00")),
            # A 10:30-11:30 booking with its 15-minute buffer, as the selector passes it.
            "busy": [busy(MONDAY, "10:30", "11:45")],
            "rules": Rules(step_minutes=15, min_notice_minutes=0, buffer_minutes=15),
        },
        ["09:00 GMT", "09:15 GMT", "11:45 GMT"],
        id="the buffer follows every new session too",
    ),
    pytest.param(
        {"hours": hours(("09:00", "12:00")), "busy": [busy(MONDAY, "09:45", "10:15")]},
        ["10:30 GMT", "11:00 GMT"],
        id="time off blocks starts and jumps to the next step after it",
    ),
    pytest.param(
        {
            "hours": hours(("09:00", "12:00")),
            "busy": [busy(MONDAY, "09:00", "10:00"), busy(MONDAY, "09:30", "10:30")],
        },
        ["10:30 GMT", "11:00 GMT"],
        id="overlapping busy ranges are merged",
    ),
    pytest.param(
        {"hours": hours(("09:00", "12:00")), "now": local(MONDAY, "08:50")},
        ["11:00 GMT"],
        id="the minimum notice hides starts sooner than two hours away",
        marks=[],
    ),
    pytest.param(
        {"hours": hours(("09:00", "10:30")), "now": local(MONDAY, "09:10"), "rules": Rules(30, 0, 60, 0)},
        ["09:30 GMT"],
        id="starts already past are never offered, and the grid keeps its place",
    ),
    pytest.param(
        {"hours": hours(("09:00", "10:00")), "now": local(MONDAY - dt.timedelta(days=61), "12:00")},
        [],
        id="a day beyond the horizon offers nothing",
    ),
    pytest.param(
        {"hours": hours(("09:00", "10:00")), "now": local(MONDAY - dt.timedelta(days=60), "12:00")},
        ["09:00 GMT"],
        id="the last day of the horizon is still offered",
    ),
    pytest.param(
        {
            "hours": [
                WeeklyHours(MON, dt.time(9), dt.time(10), effective_until=MONDAY - dt.timedelta(days=1)),
                WeeklyHours(MON, dt.time(14), dt.time(15), effective_from=MONDAY),
            ]
        },
        ["14:00 GMT"],
        id="a changed pattern applies from its first day",
    ),
    pytest.param(
        {"hours": hours(("09:00", "10:00"), weekday=1)},
        [],
        id="no hours on the weekday, no slots",
    ),
    pytest.param(
        {"hours": hours(("09:00", "10:00"), ("09:30", "11:00"))},
        ["09:00 GMT", "09:30 GMT", "10:00 GMT"],
        id="overlapping stretches never offer an instant twice",
    ),
]


@pytest.mark.parametrize("given, expected", CASES)
def test_free_starts_on_an_ordinary_day(given, expected):
    arguments = {
        "rules": Rules(step_minutes=30, min_notice_minutes=120, horizon_days=60, buffer_minutes=0)
        if "now" in given
        else PLAIN,
        "session_minutes": 60,
        "now": NOW,
        "date_from": MONDAY,
        "date_to": MONDAY,
    }
    arguments.update(given)
    assert london_times(free_starts(**arguments)) == expected


SPRING_FORWARD = dt.date(2026, 3, 29)
FALL_BACK = dt.date(2026, 10, 25)
BEFORE_BOTH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
LONG_HORIZON = Rules(step_minutes=30, min_notice_minutes=0, horizon_days=300, buffer_minutes=0)

CLOCK_CHANGE_CASES = [
    pytest.param(
        SPRING_FORWARD,
        hours(("00:00", "04:00"), weekday=SUN),
        ["00:00 GMT", "00:30 GMT", "02:00 BST", "02:30 BST", "03:00 BST"],
        id="29 March: nothing starts in the missing hour, and 00:30 runs a real hour to 02:30",
    ),
    pytest.param(
        SPRING_FORWARD,
        hours(("01:30", "03:00"), weekday=SUN),
        ["02:00 BST"],
        id="29 March: a stretch starting in the missing hour starts when the clocks jump",
    ),
    pytest.param(
        SPRING_FORWARD,
        hours(("09:00", "11:00"), weekday=SUN),
        ["09:00 BST", "09:30 BST", "10:00 BST"],
        id="29 March: daytime hours are ordinary BST hours",
    ),
    pytest.param(
        FALL_BACK,
        hours(("00:00", "03:00"), weekday=SUN),
        [
            "00:00 BST",
            "00:30 BST",
            "01:00 BST",
            "01:30 BST",
            "01:00 GMT",
            "01:30 GMT",
            "02:00 GMT",
        ],
        id="25 October: the repeated hour is offered once for each of its real instants",
    ),
    pytest.param(
        FALL_BACK,
        hours(("09:00", "11:00"), weekday=SUN),
        ["09:00 GMT", "09:30 GMT", "10:00 GMT"],
        id="25 October: daytime hours are ordinary GMT hours",
    ),
    pytest.param(
        FALL_BACK,
        hours(("00:00", "01:00"), weekday=SUN),
        ["00:00 BST"],
        id="25 October: a stretch ending at 01:00 ends at the first 01:00, not an hour later",
    ),
    pytest.param(
        FALL_BACK,
        hours(("00:00", "01:30"), weekday=SUN),
        ["00:00 BST", "00:30 BST"],
        id="25 October: a stretch ending inside the repeated hour ends the first time the clock shows it",
    ),
    pytest.param(
        FALL_BACK,
        hours(("01:00", "02:00"), weekday=SUN),
        ["01:00 BST", "01:30 BST", "01:00 GMT"],
        id="25 October: 01:00-02:00 really lasts two hours",
    ),
    pytest.param(
        FALL_BACK,
        hours(("01:30", "03:00"), weekday=SUN),
        ["01:30 BST", "01:00 GMT", "01:30 GMT", "02:00 GMT"],
        id="25 October: a stretch starting inside the repeated hour starts at its first reading",
    ),
    pytest.param(
        FALL_BACK,
        hours(("00:00", "01:00"), ("01:00", "03:00"), weekday=SUN),
        ["00:00 BST", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT", "02:00 GMT"],
        id="25 October: two stretches meeting at 01:00 meet at the first 01:00",
    ),
    pytest.param(
        SPRING_FORWARD,
        hours(("00:00", "01:30"), weekday=SUN),
        ["00:00 GMT"],
        id="29 March: a stretch ending in the missing hour ends when the clocks jump",
    ),
    pytest.param(
        SPRING_FORWARD,
        hours(("00:00", "02:00"), weekday=SUN),
        ["00:00 GMT"],
        id="29 March: 00:00-02:00 lasts one real hour",
    ),
]


@pytest.mark.parametrize("day, weekly, expected", CLOCK_CHANGE_CASES)
def test_free_starts_across_the_2026_clock_changes(day, weekly, expected):
    starts = free_starts(
        hours=weekly, rules=LONG_HORIZON, session_minutes=60, now=BEFORE_BOTH, date_from=day, date_to=day
    )
    assert london_times(starts) == expected
    assert len(set(starts)) == len(starts)
    assert all(start.tzinfo is dt.UTC for start in starts)


def test_a_session_crossing_the_missing_hour_is_blocked_by_a_booking_in_real_time():
    # 00:30 GMT + 60 minutes ends at 02:30 BST, so a booking from 02:00 BST blocks it,
    # although on the wall clock 00:30 to 02:00 looks like 90 minutes; 00:00 GMT ends just
    # in time, at 02:00 BST.
    starts = free_starts(
        hours=hours(("00:00", "04:00"), weekday=SUN),
        busy=[busy(SPRING_FORWARD, "02:00", "02:30")],
        rules=LONG_HORIZON,
        session_minutes=60,
        now=BEFORE_BOTH,
        date_from=SPRING_FORWARD,
        date_to=SPRING_FORWARD,
    )
    assert london_times(starts) == ["00:00 GMT", "02:30 BST", "03:00 BST"]


def test_a_week_runs_day_by_day_and_stops_at_date_to():
    starts = free_starts(
        hours=[WeeklyHours(weekday, dt.time(9), dt.time(10)) for weekday in range(7)],
        rules=PLAIN,
        session_minutes=60,
        now=NOW,
        date_from=MONDAY,
        date_to=MONDAY + dt.timedelta(days=6),
    )
    assert [start.astimezone(LONDON).date() for start in starts] == [MONDAY + dt.timedelta(days=n) for n in range(7)]


def test_a_nonexistent_wall_clock_time_is_refused_with_a_clear_message():
    with pytest.raises(NonexistentLocalTime, match="01:30 does not exist on 29 March 2026"):
        wall_clock_to_utc(SPRING_FORWARD, dt.time(1, 30))


def test_an_ambiguous_time_is_its_earlier_instant_for_a_start_and_its_later_for_an_end():
    assert wall_clock_to_utc(FALL_BACK, dt.time(1, 30)) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    assert wall_clock_to_utc(FALL_BACK, dt.time(1, 30), latest=True) == dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)


def test_a_stretch_ending_at_the_repeated_01_00_offers_nothing_past_it_at_15_minute_steps():
    # The case found on the clinic's pages: Sunday 00:00-01:00 offered 01:00, 01:15 and 01:30 BST.
    starts = free_starts(
        hours=hours(("00:00", "01:00"), weekday=SUN),
        rules=Rules(step_minutes=15, min_notice_minutes=0, horizon_days=300, buffer_minutes=0),
        session_minutes=30,
        now=BEFORE_BOTH,
        date_from=FALL_BACK,
        date_to=FALL_BACK,
    )
    assert london_times(starts) == ["00:00 BST", "00:15 BST", "00:30 BST"]


@pytest.mark.parametrize(
    "instant, label",
    [
        (dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC), "00:30"),
        (dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC), "01:00 BST"),
        (dt.datetime(2026, 10, 25, 0, 45, tzinfo=dt.UTC), "01:45 BST"),
        (dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC), "01:00 GMT"),
        (dt.datetime(2026, 10, 25, 1, 45, tzinfo=dt.UTC), "01:45 GMT"),
        (dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC), "02:00"),
        (dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC), "00:30"),
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC), "02:00"),
        (dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.UTC), "01:30"),
    ],
)
def test_only_a_time_the_clock_shows_twice_carries_its_zone(instant, label):
    assert clock_label(instant) == label


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        free_starts(
            hours=[], rules=PLAIN, session_minutes=60, now=NOW.replace(tzinfo=None), date_from=MONDAY, date_to=MONDAY
        )


def test_four_weeks_with_500_bookings_take_a_few_milliseconds():
    # The bench reports the real median (about 1 ms); this bound is loose so a busy CI
    # machine does not fail it, yet it catches an accidental O(days x bookings) scan.
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        engine_once(BENCH_BOOKINGS)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.025
    assert len(BENCH_BOOKINGS) == 500
    assert engine_once(BENCH_BOOKINGS), "the bench data leaves some free starts"


BENCH_BOOKINGS = as_busy(month_of_bookings())
