"""Measure the slot engine and the slot selector.

    .venv/bin/python bench/bench_availability.py

Prints the median time of the pure engine for one therapist over 28 days with 500 bookings,
and the queries the selector makes for one therapist over 28 days and for "any therapist"
over 20 therapists. The selector runs against a throwaway test database (SQLite in memory by
default; set DATABASE_URL to measure on PostgreSQL: it creates and drops test_<name>).
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bookings.slots.availability import Busy, Rules, WeeklyHours, free_starts  # noqa: E402
from clinic.london import wall_clock_to_utc  # noqa: E402

FIRST_DAY = dt.date(2026, 11, 30)  # a Monday
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
DAYS = 28
# A long week: every day 07:00-13:00 and 13:30-21:00.
WEEK = [WeeklyHours(day, dt.time(7), dt.time(13)) for day in range(7)] + [
    WeeklyHours(day, dt.time(13, 30), dt.time(21)) for day in range(7)
]
RULES = Rules(step_minutes=15, min_notice_minutes=120, horizon_days=60, buffer_minutes=10)
SESSION_MINUTES = 60


def month_of_bookings(count: int = 500, seed: int = 1) -> list[tuple[dt.datetime, dt.datetime]]:
    """``count`` half-hour bookings over the 28 days (18 a day), placed at random on the
    quarter-hour between 07:00 and 21:00 without overlapping, so the gaps between them vary
    and some hour-long sessions still fit."""
    chooser = random.Random(seed)
    quarters, length = 56, 2  # 07:00-21:00 in quarter hours; a booking is two quarters
    ranges = []
    per_day = -(-count // DAYS)
    for offset in range(DAYS):
        day = FIRST_DAY + dt.timedelta(days=offset)
        # Non-overlapping blocks: choose positions among the free quarters, then spread them.
        picks = sorted(chooser.sample(range(quarters - per_day * length + per_day), per_day))
        for index, pick in enumerate(picks):
            minute = 7 * 60 + (pick + index * (length - 1)) * 15
            start = wall_clock_to_utc(day, dt.time(minute // 60, minute % 60))
            ranges.append((start, start + dt.timedelta(minutes=30)))
    return ranges[:count]


def as_busy(ranges: list[tuple[dt.datetime, dt.datetime]]) -> list[Busy]:
    """Bookings as the selector hands them to the engine: busy from the start until
    blocks_until, the end plus the buffer they were booked with."""
    buffer = dt.timedelta(minutes=RULES.buffer_minutes)
    return [Busy(start, end + buffer) for start, end in ranges]


def engine_once(bookings: list[Busy]) -> list[dt.datetime]:
    return free_starts(
        hours=WEEK,
        busy=bookings,
        rules=RULES,
        session_minutes=SESSION_MINUTES,
        now=NOW,
        date_from=FIRST_DAY,
        date_to=FIRST_DAY + dt.timedelta(days=DAYS - 1),
    )


def bench_engine(runs: int = 300, bookings_count: int = 500) -> tuple[float, int]:
    bookings = as_busy(month_of_bookings(bookings_count))
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        engine_once(bookings)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000, len(engine_once(bookings))


def bench_selector() -> tuple[int, int, int]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from bookings.models import Booking
    from bookings.slots.selectors import available_slots
    from clinic.models import SessionType
    from therapists.models import Therapist, TimeOff, WorkingHours

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        User = get_user_model()
        client = User.objects.create(username="client", first_name="Client")
        session = SessionType.objects.create(
            kind="sports", name="Sports massage", description="-", duration_minutes=60, price=Decimal("55")
        )
        therapists = []
        for n in range(20):
            user = User.objects.create(username=f"therapist{n}")
            therapists.append(
                Therapist.objects.create(
                    user=user,
                    display_name=f"Therapist {n}",
                    registration_status=Therapist.RegistrationStatus.VERIFIED,
                    registration_expires_on=dt.date(2027, 11, 22),
                )
            )
            therapists[-1].session_types.add(session)  # only sessions a therapist offers are searched
        ranges = month_of_bookings()
        for index, therapist in enumerate(therapists):
            WorkingHours.objects.bulk_create(
                WorkingHours(therapist=therapist, weekday=h.weekday, start_time=h.start, end_time=h.end) for h in WEEK
            )
            TimeOff.objects.create(
                therapist=therapist,
                start=wall_clock_to_utc(FIRST_DAY, dt.time()),
                end=wall_clock_to_utc(FIRST_DAY + dt.timedelta(days=1), dt.time()),
            )
            # The first therapist carries all 500 bookings; the others 100 each.
            mine = ranges if index == 0 else ranges[index::5][:100]
            Booking.objects.bulk_create(
                Booking(
                    client=client, therapist=therapist, session_type=session, start=start, end=end, blocks_until=end
                )
                for start, end in mine
            )

        def count(therapist_id):
            with CaptureQueriesContext(connection) as queries:
                slots = available_slots(
                    therapist_id=therapist_id,
                    session_type=session,
                    date_from=FIRST_DAY,
                    date_to=FIRST_DAY + dt.timedelta(days=DAYS - 1),
                    now=NOW,
                )
            assert slots, "the bench data should leave free slots"
            return len(queries)

        count(therapists[0].pk)  # creates the rules row on first use
        one = count(therapists[0].pk)
        started = time.perf_counter()
        any_count = count(None)
        any_ms = (time.perf_counter() - started) * 1000
        return one, any_count, round(any_ms)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    median_ms, found = bench_engine()
    print(f"engine, 1 therapist, {DAYS} days, 500 bookings: median {median_ms:.2f} ms ({found} free starts)")
    # The other end: nothing booked, so every step is emitted.
    median_ms, found = bench_engine(bookings_count=0)
    print(f"engine, 1 therapist, {DAYS} days, no bookings: median {median_ms:.2f} ms ({found} free starts)")
    one, any_count, any_ms = bench_selector()
    print(f"selector queries, 1 therapist over {DAYS} days: {one}")
    print(f"selector queries, any therapist (20 therapists) over {DAYS} days: {any_count} ({any_ms} ms end to end)")
