"""Treatment rooms under load, on PostgreSQL.

    .venv/bin/python bench/bench_rooms.py [load|race|search|all]   (needs PostgreSQL on 127.0.0.1:5432)

load (rooms_load.py): concurrent HTTP bookings of distinct slots (each a different therapist,
day or time), 100 and 200 at once, for a session held in a treatment room and for the same
session needing none. 20 therapists, 4 rooms; at every start 4 therapists book, so the rooms
fill in the clinic's order and all but the first booking of a start are given the next room.
After an unmeasured warm-up of 40 bookings of each mode, each size runs BENCH_REPEATS pairs (4)
of rounds, one with rooms and one without, back to back, which goes first alternating; a round
is BENCH_BURSTS bursts (3), each on days of its own. Each burst prints a line; each size then
prints the median pair's ratios and their spread, e.g.

    100: throughput with rooms against without, median of 4 pairs 97.0% (spread 91.2%-101.5%;
      goal >= 90%); slowest POST median x1.02 (spread x0.95-x1.10; goal <= 1.2); ...
    load OK

Goals: every booking of every burst booked (and in the database once, in a room when it needs
one), 0 "busy, try again", 0 server errors; per size, the median pair's throughput with rooms at
least 90% of without and its slowest POST with rooms at most 1.2x of without. About 4-6
minutes on a quiet 2-core machine (BENCH_REPEATS=1 BENCH_BURSTS=1 for a quick look).

race: clients race over HTTP for the last free room at one time (the clinic's other room is
already taken then): 200 clients each with a different therapist (BENCH_CLIENTS), then 25 asking
for "first available". Expected each time: exactly 1 booking, the rest refused "that time has
just been taken" (never "try again in a moment"), 0 server errors; "race OK".

search: the slot selector for "any therapist", 20 therapists, 6 rooms, 28 days and 500
bookings (each in a room, with a 10-minute turnover): its queries and median time, and the
same with the session needing no room, so the cost of rooms shows on its own; "search OK" when
at most 5 queries and under 2x the time without rooms.

Every part fails (prints FAILED, exits non-zero) when its work is empty: a burst or race that
booked nothing, a search that offers no starts. gunicorn runs on 127.0.0.1 (BENCH_PORT, 8301 by
default) with 4 workers x 8 threads, as in bench_booking_race.py. Each part recreates the
database named in BENCH_DATABASE_URL (clinic_rooms by default). Every request goes to 127.0.0.1
and has a timeout; the server is stopped at the end. /proc/loadavg is printed beside each figure.
"""

import datetime as dt
import os
import statistics
import sys
import time

from rooms_http import (  # noqa: E402 - a sibling module, found from bench/
    ANY_CLIENTS,
    CLIENTS,
    ENV,
    burst,
    loadavg,
    query,
    recreate_database,
    serve,
    shell,
)
from rooms_load import bench_load  # noqa: E402

# The last-room race ----------------------------------------------------------------------------

RACE_DATA = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from clinic.london import wall_clock_to_utc
from clinic.models import Room, SessionType
from bookings.models import Booking, BookingRules
from therapists.models import Therapist, WorkingHours
BookingRules.load()
sports = SessionType.objects.create(kind="sports", name="Sports massage", description="x", duration_minutes=60, price=55)
rooms = [Room.objects.create(name=f"Room {n}", display_order=n, turnover_minutes=10) for n in (1, 2)]
for room in rooms:
    room.session_types.add(sports)
User = get_user_model()
users = User.objects.bulk_create(User(username=f"therapist{n}", email=f"t{n}@clinic.example") for n in range(COUNT + 1))
expires = timezone.localdate() + dt.timedelta(days=365)
therapists = Therapist.objects.bulk_create(
    Therapist(user=u, display_name=f"Therapist {n}", registration_status="verified", registration_expires_on=expires)
    for n, u in enumerate(users)
)
sports.therapists.set(therapists)
WorkingHours.objects.bulk_create(
    WorkingHours(therapist=t, weekday=w, start_time=dt.time(9), end_time=dt.time(17)) for t in therapists for w in range(7)
)
day = timezone.localdate() + dt.timedelta(days=3)
starts = [wall_clock_to_utc(day, dt.time(10)), wall_clock_to_utc(day, dt.time(14))]
# Room 1 is already taken at 10:00 and at 14:00, by the one therapist who is not racing.
for start in starts:
    Booking.objects.create(client_name="Early", client_email="early@example.com", client_phone="0",
        therapist=therapists[-1], session_type=sports, start=start, end=start + dt.timedelta(hours=1),
        blocks_until=start + dt.timedelta(hours=1), room=rooms[0], room_until=start + dt.timedelta(minutes=70))
print(sports.pk, *[s.isoformat() for s in starts], *[t.pk for t in therapists[:-1]])
"""


def bench_race() -> bool:
    recreate_database()
    out = shell(RACE_DATA.replace("COUNT", str(CLIENTS)))
    session_type_id, starts, therapist_ids = int(out[0]), out[1:3], out[3:]
    with serve() as base:
        ok = race(base, session_type_id, [(pk, starts[0]) for pk in therapist_ids], "a different therapist each")
        ok = race(base, session_type_id, [("any", starts[1])] * ANY_CLIENTS, '"first available"') and ok
    return ok


def race(base: str, session_type_id: int, asks: list[tuple[str, str]], who: str) -> bool:
    before = loadavg()
    outcomes, seconds, elapsed = burst(base, session_type_id, asks)
    in_room_2, at_that_time = query(
        "SELECT count(*) FILTER (WHERE r.name = 'Room 2'), count(*) FROM bookings_booking b"
        " LEFT JOIN clinic_room r ON r.id = b.room_id WHERE b.status <> 'cancelled' AND b.start = %s::timestamptz",
        (asks[0][1],),
    )[0]
    print(
        f"{len(asks)} clients, {who}, one free room: {elapsed:.1f} s, slowest POST {max(seconds, default=0):.2f} s"
        f"  [load {before} -> {loadavg()}]"
    )
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome}: {count}")
    print(f"  bookings in the last room: {in_room_2} (at that time: {at_that_time}, one made before the race)")
    ok = (
        len(asks) > 1
        and in_room_2 == 1
        and at_that_time == 2
        and outcomes["booked"] == 1
        and outcomes["refused: slot taken"] == len(asks) - 1  # "taken", never "busy, try again"
    )
    print("race OK" if ok else "race FAILED")
    return ok


# The search -------------------------------------------------------------------------------

FIRST_DAY = dt.date(2027, 1, 4)  # a Monday, GMT throughout
DAYS, THERAPISTS, ROOMS, BOOKINGS = 28, 20, 6, 500


def bench_search(runs: int = 15) -> bool:
    recreate_database()
    os.environ.update({key: ENV[key] for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings.models import Booking, BookingRules
    from bookings.slots.selectors import available_slots
    from clinic.london import wall_clock_to_utc
    from clinic.models import Room, SessionType
    from therapists.models import Therapist, WorkingHours

    now = dt.datetime(2026, 12, 28, 9, tzinfo=dt.UTC)
    rules = BookingRules.load()
    rules.slot_step_minutes, rules.buffer_minutes = 15, 10
    rules.save()
    sports = SessionType.objects.create(
        kind="sports", name="Sports massage", description="-", duration_minutes=60, price=55
    )
    rooms = [Room.objects.create(name=f"Room {n}", display_order=n, turnover_minutes=10) for n in range(ROOMS)]
    for room in rooms:
        room.session_types.add(sports)
    User = get_user_model()
    therapists = [
        Therapist.objects.create(
            user=User.objects.create(username=f"therapist{n}"),
            display_name=f"Therapist {n}",
            registration_status="verified",
            registration_expires_on=dt.date(2028, 1, 1),
        )
        for n in range(THERAPISTS)
    ]
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, weekday=w, start_time=dt.time(8), end_time=dt.time(20))
        for t in therapists
        for w in range(7)
    )
    sports.therapists.set(therapists)  # therapists are offered only for sessions they give
    # 18 a day: on each day the n-th booking is therapist n's, in room n % 6, at a time no
    # other booking in that room has, so neither constraint is crossed.
    bookings = []
    for k in range(BOOKINGS):
        day, n = FIRST_DAY + dt.timedelta(days=k % DAYS), k // DAYS
        start = wall_clock_to_utc(day, dt.time(8 + 2 * (n // ROOMS)))
        end = start + dt.timedelta(hours=1)
        bookings.append(
            Booking(
                client_name="C",
                client_email="c@example.com",
                client_phone="0",
                therapist=therapists[n],
                session_type=sports,
                start=start,
                end=end,
                blocks_until=end + dt.timedelta(minutes=10),
                room=rooms[n % ROOMS],
                room_until=end + dt.timedelta(minutes=10),
            )
        )
    Booking.objects.bulk_create(bookings)

    def measure(label: str) -> tuple[int, float]:
        sports.refresh_from_db()

        def once():
            return available_slots(
                therapist_id=None,
                session_type=sports,
                date_from=FIRST_DAY,
                date_to=FIRST_DAY + dt.timedelta(days=DAYS - 1),
                now=now,
            )

        with CaptureQueriesContext(connection) as queries:
            slots = once()
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            once()
            timings.append(time.perf_counter() - began)
        median = statistics.median(timings) * 1000
        print(
            f"  {label}: {len(queries.captured_queries)} queries, median {median:.1f} ms, {len(slots)} starts offered"
        )
        return len(queries.captured_queries), median, len(slots)

    print(f"slot search, any therapist: {THERAPISTS} therapists, {ROOMS} rooms, {DAYS} days, {BOOKINGS} bookings")
    with_queries, with_rooms, with_starts = measure("with rooms")
    SessionType.objects.filter(pk=sports.pk).update(needs_room=False)
    without_queries, without_rooms, without_starts = measure("needing no room")
    ratio = with_rooms / without_rooms
    print(f"  rooms cost x{ratio:.2f} the time")
    ok = with_queries <= 5 and ratio < 2
    if not with_starts or not without_starts:
        print("  a search offered no starts: it measured nothing")
        ok = False
    print("search OK" if ok else "search FAILED")
    return ok


def main() -> int:
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    if part not in ("load", "race", "search", "all"):
        raise SystemExit(__doc__)
    ok = True
    for name, run in (("load", bench_load), ("race", bench_race), ("search", bench_search)):
        if part in (name, "all"):
            print(f"{name} (load average {loadavg()})")
            ok = run() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
