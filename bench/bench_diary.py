"""The clinic-wide diary at scale: CPU per request of the clinic week and the clinic day.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_diary .venv/bin/python bench/bench_diary.py

Recreates the data in the database named (use one of its own: it is flushed), then, in this
process through Django's test client logged in as an admin, asks for the clinic week and the
clinic day BENCH_REPEATS times each (5) with the cache off, and prints the CPU time per request
(median and max, time.process_time: the page's own work, whatever else the machine runs), the
queries per request, the response size and /proc/loadavg; the first page of therapists and the
last (20 a page). BENCH_THERAPISTS (200) work 08:00-20:00
every day; BENCH_BOOKINGS (50,000) are spread over four weeks from tomorrow, one an hour per
therapist, those of the first therapists each day in the clinic's four rooms. Goals: the week
under 150 ms and the day under 60 ms of CPU per request. Exits non-zero when a goal is missed or
a page shows no bookings (a bench fails when its work is empty).
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
GOALS_MS = {"clinic week": 150, "clinic day": 60}


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from django.conf import settings

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def seed() -> tuple[object, dt.date]:
    """The admin who looks, and the first day with bookings."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.seeding import fresh_database, working_therapists
    from bookings.models import Booking
    from clinic.london import wall_clock_to_utc
    from clinic.models import Room, SessionType

    fresh_database()
    sports = SessionType.objects.create(
        kind="sports", name="Sports massage", description="Bench.", duration_minutes=50, price=55, needs_room=True
    )
    rooms = [Room.objects.create(name=f"Room {n}", display_order=n) for n in range(4)]
    for room in rooms:
        room.session_types.add(sports)
    today = timezone.localdate()
    therapists = working_therapists(THERAPISTS, sports, today)
    rows = []
    for n in range(BOOKINGS):
        index = n // THERAPISTS  # the therapist's nth booking: a different hour and day each
        day = today + dt.timedelta(days=1 + index % 28)
        hour = (index // 28) % 12
        start = wall_clock_to_utc(day, dt.time(8 + hour))
        end = start + dt.timedelta(minutes=50)
        room = rooms[n % THERAPISTS] if n % THERAPISTS < len(rooms) else None
        rows.append(
            Booking(
                client_name=f"Client {n}",
                client_email=f"c{n}@example.com",
                client_phone="07700 900000",
                therapist=therapists[n % THERAPISTS],
                session_type=sports,
                start=start,
                end=end,
                blocks_until=end,
                room=room,
                room_until=end + dt.timedelta(minutes=room.turnover_minutes) if room else None,
                status=Booking.Status.CONFIRMED,
                idempotency_key=uuid.uuid4(),
            )
        )
    Booking.objects.bulk_create(rows, batch_size=2000)
    admin = get_user_model().objects.create_superuser("bench-admin", "bench-admin@example.com", "unused")
    # Staff pages want an authenticator set up (therapists.middleware); the login itself is not measured.
    TOTP.activate(admin, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return admin, today + dt.timedelta(days=1)


def measure(client, name: str, url: str, must_show: tuple[str, ...]) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cpu_ms, queries, size = [], 0, 0
    for _ in range(REPEATS + 1):
        with CaptureQueriesContext(connection) as sent:
            began = time.process_time()
            response = client.get(url)
            spent = (time.process_time() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        missing = [text for text in must_show if text not in response.content.decode()]
        if missing:
            raise SystemExit(f"{name}: {url} shows no bookings ({missing} not on the page): it measured nothing")
        cpu_ms.append(spent)
        queries, size = len(sent.captured_queries), len(response.content)
    return cpu_ms[1:], queries, size  # the first warms Python's own caches (templates, imports)


def main() -> int:
    setup_django()
    from django.test import Client
    from django.urls import reverse

    from bookings.diary.clinic_wide import THERAPISTS_PER_PAGE

    began = time.monotonic()
    admin, day = seed()
    print(f"seeded {THERAPISTS} therapists, {BOOKINGS} bookings in {time.monotonic() - began:.0f} s")
    client = Client()
    client.force_login(admin)
    monday = day - dt.timedelta(days=day.weekday())
    week = reverse("diary:clinic_week", args=[monday.isoformat()])
    today = reverse("diary:clinic_day", args=[day.isoformat()])
    last_page = f"?page={-(-THERAPISTS // THERAPISTS_PER_PAGE)}"
    # (goal, url, what the page must show: a booking of the last therapist it lists)
    pages = [
        ("clinic week", week, f"Therapist {min(THERAPISTS, THERAPISTS_PER_PAGE) - 1:03d}", "cw-booking "),
        ("clinic week", week + last_page, f"Therapist {THERAPISTS - 1:03d}", "cw-booking "),
        ("clinic day", today, f"Therapist {min(THERAPISTS, THERAPISTS_PER_PAGE) - 1:03d}", 'id="booking-'),
        (
            "clinic day",
            today + last_page.replace("?", "?by=therapist&"),
            f"Therapist {THERAPISTS - 1:03d}",
            'id="booking-',
        ),
    ]
    failed = False
    for name, url, last_listed, booking_shown in pages:
        load = Path("/proc/loadavg").read_text().split()[:3]
        cpu_ms, queries, size = measure(client, name, url, (last_listed, booking_shown))
        median = statistics.median(cpu_ms)
        verdict = "OK" if median < GOALS_MS[name] else "MISSED"
        failed |= verdict != "OK"
        print(
            f"{name:<12} {url}: CPU per request median {median:.0f} ms, max {max(cpu_ms):.0f} ms "
            f"(goal < {GOALS_MS[name]} ms: {verdict}); {queries} queries; {size / 1024:.0f} KB; "
            f"load {' '.join(load)}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
