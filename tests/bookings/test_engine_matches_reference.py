"""The slot engine gives the same answers as the frozen reference (tests/bookings/slots_reference.py)
on thousands of seeded random clinics around the four UK clock changes of 2026-2027: random
hours (often over 01:00-02:00), breaks, time off and bookings with buffers, rooms with their own
hours and turnover, notice, horizon and step. Pure arithmetic: no database, a few seconds."""

import datetime as dt
import random

import pytest

from bookings.slots import availability

from . import slots_reference as reference

CLOCK_CHANGES = [dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2027, 3, 28), dt.date(2027, 10, 31)]
CASES_PER_SEED = 500
SEEDS = range(8)


def _clock(rng: random.Random, *, late: bool = False) -> dt.time:
    # Half the times fall in 00:00-03:00 so stretches often cross the missing or repeated hour.
    hour = rng.randint(0, 3) if rng.random() < 0.5 else rng.randint(6, 21)
    minute = rng.choice((0, 15, 30, 45, 5, 50))
    if late:
        hour = min(23, hour + rng.randint(1, 4))
    return dt.time(hour, minute)


def _hours(rng: random.Random, module, around: dt.date) -> list:
    stretches = []
    for _ in range(rng.randint(0, 5)):
        start = _clock(rng)
        end = _clock(rng, late=True)
        if end <= start:
            continue
        bounds = [None, None]
        if rng.random() < 0.2:
            bounds[rng.randint(0, 1)] = around + dt.timedelta(days=rng.randint(-3, 3))
        weekday = 6 if rng.random() < 0.6 else rng.randint(0, 6)
        stretches.append(module.WeeklyHours(weekday, start, end, *bounds))
    return stretches


def _busy(rng: random.Random, module, around: dt.date) -> list:
    base = dt.datetime.combine(around, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=6)
    ranges = []
    for _ in range(rng.randint(0, 8)):
        start = base + dt.timedelta(minutes=5 * rng.randint(0, 12 * 24 * 4))
        length = dt.timedelta(minutes=rng.choice((15, 30, 45, 60, 75, 90, 240, 1440)) + rng.choice((0, 0, 5, 10)))
        ranges.append(module.Busy(start, start + length))
    return ranges


def _case(rng: random.Random) -> dict:
    around = rng.choice(CLOCK_CHANGES)
    now = dt.datetime.combine(around - dt.timedelta(days=rng.randint(0, 9)), dt.time(0), tzinfo=dt.UTC)
    now += dt.timedelta(minutes=rng.randint(0, 24 * 60 - 1))
    rule_values = {
        "step_minutes": rng.choice((5, 10, 15, 20, 30, 45, 60)),
        "min_notice_minutes": rng.choice((0, 0, 30, 120, 600, 1440)),
        "horizon_days": rng.choice((0, 1, 5, 14, 60)),
        "buffer_minutes": rng.choice((0, 0, 5, 10, 15, 30)),
    }
    from_day = around - dt.timedelta(days=rng.randint(0, 3))
    return {
        "seed": rng.random(),
        "around": around,
        "now": now,
        "rules": rule_values,
        "session_minutes": rng.choice((15, 30, 45, 60, 90, 120)),
        "date_from": from_day,
        "date_to": from_day + dt.timedelta(days=rng.randint(0, 7)),
        "rooms": rng.randint(0, 3),
    }


def _answer(module, case: dict, rng: random.Random):
    """Build the clinic with ``module``'s types from the same random stream, and ask it."""
    around = case["around"]
    hours = _hours(rng, module, around)
    busy = _busy(rng, module, around)
    starts = module.free_starts(
        hours=hours,
        busy=busy,
        rules=module.Rules(**case["rules"]),
        session_minutes=case["session_minutes"],
        now=case["now"],
        date_from=case["date_from"],
        date_to=case["date_to"],
    )
    rooms = [
        module.RoomTimes(
            id=room_id,
            turnover_minutes=rng.choice((0, 5, 15)),
            hours=_hours(rng, module, around) if rng.random() < 0.5 else (),
            busy=_busy(rng, module, around),
        )
        for room_id in range(1, case["rooms"] + 1)
    ]
    free_rooms = module.rooms_free_at(starts, rooms=rooms, session_minutes=case["session_minutes"])
    return [int(start.timestamp()) for start in starts], free_rooms


@pytest.mark.parametrize("seed", SEEDS)
def test_engine_matches_the_reference_on_random_clinics(seed):
    rng = random.Random(seed)
    offered = 0
    for _ in range(CASES_PER_SEED):
        case = _case(rng)
        expected = _answer(reference, case, random.Random(case["seed"]))
        actual = _answer(availability, case, random.Random(case["seed"]))
        assert actual == expected, case
        offered += len(expected[0])
    # The generator must produce clinics that offer times, or the comparison proves little.
    assert offered > CASES_PER_SEED
