"""The reports at scale: CPU and wall time per request of every report page for 12 months.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_reports .venv/bin/python bench/bench_reports.py

Recreates the data in the database named (use one of its own: it is flushed): BENCH_THERAPISTS
(200) working 08:00-20:00 every day, each with a week of time off, and BENCH_BOOKINGS (50,000)
spread over the last 12 months (7 in 10 attended, 1 in 10 no-shows, 1 in 10 cancelled, half of
those late, the rest never marked), by 5,000 clients, then ANALYZE (as autovacuum would have). Then, through Django's test client as an
admin, asks BENCH_REPEATS times (5) for each page: the whole clinic, one therapist, one session,
and the CSV, each for the last 12 months. Prints per page the CPU time of this process (median,
max: the page's Python and the driver), the wall time (the database's aggregation included),
the queries and /proc/loadavg. No cache is used by these pages, so every request is cold. Goal:
under 300 ms of CPU per page. Exits non-zero when a goal is missed, or when a page counts no
attended session (a bench fails when its work is empty).
"""

import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
THERAPISTS = int(os.environ.get("BENCH_THERAPISTS", "200"))
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "50000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
GOAL_MS = 300


def seed():
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.seeding import fresh_database, working_therapists
    from bookings.models import Booking
    from clinic.london import wall_clock_to_utc
    from clinic.models import SessionType
    from therapists.models import TimeOff

    fresh_database()
    sports = SessionType.objects.create(
        kind="sports", name="Sports massage", description="Bench.", duration_minutes=50, price=55
    )
    today = timezone.localdate()
    therapists = working_therapists(THERAPISTS, sports, today - dt.timedelta(days=400))
    TimeOff.objects.bulk_create(
        TimeOff(
            therapist=t,
            start=wall_clock_to_utc(today - dt.timedelta(days=30 + n % 300), dt.time(0)),
            end=wall_clock_to_utc(today - dt.timedelta(days=23 + n % 300), dt.time(0)),
        )
        for n, t in enumerate(therapists)
    )
    statuses = ["attended"] * 7 + ["no_show", "cancelled", "confirmed"]
    rows = []
    for n in range(BOOKINGS):
        index = n // THERAPISTS
        day = today - dt.timedelta(days=1 + index % 364)
        start = wall_clock_to_utc(day, dt.time(8 + (index // 364) % 12))
        end = start + dt.timedelta(minutes=50)
        status = statuses[n % 10]
        rows.append(
            Booking(
                client_name=f"Client {n % 5000}",
                client_email=f"c{n % 5000}@example.com",
                client_phone="07700 900000",
                therapist=therapists[n % THERAPISTS],
                session_type=sports,
                start=start,
                end=end,
                blocks_until=end,
                status=status,
                late_cancellation=status == "cancelled" and n % 20 < 10,
                idempotency_key=uuid.uuid4(),
            )
        )
    Booking.objects.bulk_create(rows, batch_size=2000)
    _analyze()
    admin = get_user_model().objects.create_superuser("bench-admin", "bench-admin@example.com", "unused")
    TOTP.activate(admin, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # staff pages want the second factor set up
    return admin, therapists[0], sports


def _analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them on a live database: straight after a
    bulk load PostgreSQL would plan from an empty table."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(client, url: str) -> tuple[list[float], list[float], int, bytes]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cpu, wall, queries, body = [], [], 0, b""
    for _ in range(REPEATS + 1):
        with CaptureQueriesContext(connection) as sent:
            began_cpu, began = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append((time.process_time() - began_cpu) * 1000)
            wall.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries, body = len(sent.captured_queries), response.content
    return cpu[1:], wall[1:], queries, body  # the first warms Python's caches (templates, imports)


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    began = time.monotonic()
    admin, therapist, sports = seed()
    print(f"seeded {THERAPISTS} therapists, {BOOKINGS} bookings in {time.monotonic() - began:.0f} s")
    client = Client()
    client.force_login(admin)
    base = "/reports/?period=last_12_months"
    pages = [
        ("whole clinic", base),
        ("one therapist", f"{base}&therapist={therapist.pk}"),
        ("one session", f"{base}&session_type={sports.pk}"),
        ("CSV", f"{base}&format=csv"),
    ]
    ok = True
    for name, url in pages:
        cpu, wall, queries, body = measure(client, url)
        empty = b"Attended</th><td>0<" in body or b"attended,0," in body
        slow = max(cpu) >= GOAL_MS
        ok = ok and not empty and not slow
        load = Path("/proc/loadavg").read_text().split()[:3]
        print(
            f"  {name:13}: CPU median {statistics.median(cpu):.0f} ms, max {max(cpu):.0f} ms (goal < {GOAL_MS}); "
            f"wall median {statistics.median(wall):.0f} ms; {queries} queries; {len(body) // 1024} KB; "
            f"load {' '.join(load)}" + ("  FAILED: no attended session counted" if empty else "")
        )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
