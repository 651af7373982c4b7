"""Treatment rooms under load, on PostgreSQL.

    .venv/bin/python bench/bench_rooms.py [race|search|both]   (needs PostgreSQL on 127.0.0.1:5432)

race: 200 clients, each booking a different therapist, race over HTTP for the last free room
at one time (the clinic's other room is already taken then). gunicorn runs on 127.0.0.1
(BENCH_PORT, 8301 by default) with 4 workers x 8 threads. Expected: exactly 1 booking, 199
clear refusals ("that time has just been taken", or "try again in a moment" when a lock is
not had in time), 0 server errors. Exits non-zero otherwise.

search: the slot selector for "any therapist", 20 therapists, 6 rooms, 28 days and 500
bookings (each in a room, with a 10-minute turnover): its queries and median time, and the
same with the session needing no room, so the cost of rooms shows on its own.

Both recreate the database named in BENCH_DATABASE_URL (clinic_rooms by default). Every
request goes to 127.0.0.1 and has a timeout; the server is stopped at the end.
"""

import datetime as dt
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 200))
PORT = int(os.environ.get("BENCH_PORT", 8301))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_rooms")
TIMEOUT = 60
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "true",
    "DATABASE_CONN_MAX_AGE": "60",
    "LOG_LEVEL": "ERROR",
    "CELERY_BROKER_URL": "memory://",
    "CELERY_RESULT_BACKEND": "cache+memory://",
}


def recreate_database() -> None:
    import psycopg

    name = urllib.parse.urlparse(DATABASE_URL).path.lstrip("/")
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)


# The race ---------------------------------------------------------------------------------

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
WorkingHours.objects.bulk_create(
    WorkingHours(therapist=t, weekday=w, start_time=dt.time(9), end_time=dt.time(17)) for t in therapists for w in range(7)
)
day = timezone.localdate() + dt.timedelta(days=3)
start = wall_clock_to_utc(day, dt.time(10))
# Room 1 is already taken at 10:00, by the one therapist who is not racing.
Booking.objects.create(client_name="Early", client_email="early@example.com", client_phone="0", therapist=therapists[-1],
    session_type=sports, start=start, end=start + dt.timedelta(hours=1), blocks_until=start + dt.timedelta(hours=1),
    room=rooms[0], room_until=start + dt.timedelta(minutes=70))
print(sports.pk, start.isoformat(), *[t.pk for t in therapists[:-1]])
"""


def bench_race() -> bool:
    recreate_database()
    out = (
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", RACE_DATA.replace("COUNT", str(CLIENTS))],
            cwd=ROOT,
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )
    session_type_id, start, therapist_ids = int(out[0]), out[1], [int(pk) for pk in out[2:]]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "clinic.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "4",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except OSError:  # refused or timed out while it starts
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.3)
        return race(base, session_type_id, therapist_ids, start)
    finally:
        server.terminate()
        server.wait(timeout=30)


def race(base: str, session_type_id: int, therapist_ids: list[int], start: str) -> bool:
    url = f"{base}/book/{session_type_id}/details/"
    start_line = threading.Barrier(len(therapist_ids), timeout=TIMEOUT)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def client(n: int, therapist_id: int) -> None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        query = urllib.parse.urlencode({"therapist": therapist_id, "start": start})
        try:
            page = opener.open(f"{url}?{query}", timeout=TIMEOUT).read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            form = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "therapist": therapist_id,
                    "start": start,
                    "idempotency_key": str(uuid.uuid4()),
                    "health_urgent": "none",
                    "health_pain": "none",
                    "health_history": "none",
                    "main_problem": "general_tightness",
                    "preferred_pressure": "",
                    "notes": "",
                    "name": f"Client {n}",
                    "email": f"client{n}@example.com",
                    "phone": "07700 900123",
                    "consent": "on",
                }
            ).encode()
            request = urllib.request.Request(url, data=form, headers={"Referer": url})
            start_line.wait()
            try:
                response = opener.open(request, timeout=TIMEOUT)
                status, body = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode(errors="replace")
            if status == 302:
                outcome = "booked"
            elif status == 400 and "that time has just been taken" in body:
                outcome = "refused: slot taken"
            elif status == 400 and "try again in a moment" in body:
                outcome = "refused: busy"
            else:
                outcome = f"unexpected {status}"
        except Exception as error:  # counted and reported, never hidden
            outcome = f"error {type(error).__name__}: {error}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=client, args=(n, pk)) for n, pk in enumerate(therapist_ids)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    elapsed = time.monotonic() - began

    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://")) as conn:
        in_room_2 = conn.execute(
            "SELECT count(*) FROM bookings_booking b JOIN clinic_room r ON r.id = b.room_id"
            " WHERE r.name = 'Room 2' AND b.status <> 'cancelled'"
        ).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM bookings_booking WHERE status <> 'cancelled'").fetchone()[0]
    print(
        f"{len(therapist_ids)} clients with {len(therapist_ids)} different therapists, one free room, in {elapsed:.1f} s"
    )
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome}: {count}")
    print(f"  bookings in the last room: {in_room_2} (all bookings: {total}, one made before the race)")
    ok = (
        in_room_2 == 1
        and total == 2
        and outcomes["booked"] == 1
        and outcomes["refused: slot taken"] + outcomes["refused: busy"] == len(therapist_ids) - 1
    )
    print("race OK" if ok else "race FAILED")
    return ok


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


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
        return len(queries.captured_queries), median

    print(f"slot search, any therapist: {THERAPISTS} therapists, {ROOMS} rooms, {DAYS} days, {BOOKINGS} bookings")
    with_queries, with_rooms = measure("with rooms")
    SessionType.objects.filter(pk=sports.pk).update(needs_room=False)
    without_queries, without_rooms = measure("needing no room")
    ratio = with_rooms / without_rooms
    print(f"  rooms cost x{ratio:.2f} the time")
    ok = with_queries <= 5 and ratio < 2
    print("search OK" if ok else "search FAILED")
    return ok


def main() -> int:
    part = sys.argv[1] if len(sys.argv) > 1 else "both"
    ok = True
    if part in ("race", "both"):
        ok = bench_race() and ok
    if part in ("search", "both"):
        ok = bench_search() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
