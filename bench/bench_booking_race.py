"""200 clients race over HTTP for one slot on a real server backed by PostgreSQL.

Run: .venv/bin/python bench/bench_booking_race.py  (needs PostgreSQL on 127.0.0.1:5432)

It creates (or empties) the database clinic_bench, starts gunicorn on 127.0.0.1 with several
workers and threads, lets every client load the booking form (for its CSRF cookie), then
releases all POSTs at once for the same therapist and start. Expected: exactly 1 booking,
199 clean refusals ("that time has just been taken"), 0 server errors. Exits non-zero
otherwise. Everything talks to 127.0.0.1 and every request has a timeout.
"""

import http.cookiejar
import os
import re
import socket
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
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 200))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench")
TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(env: dict) -> tuple[int, int, str]:
    """Fresh schema and one bookable therapist; returns (session type id, therapist id, start ISO)."""
    import psycopg

    name = urllib.parse.urlparse(DATABASE_URL).path.lstrip("/")
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from clinic.models import SessionType
from bookings.models import BookingRules
from therapists.models import Therapist, WorkingHours
BookingRules.load()
user = get_user_model().objects.create_user("asha", email="asha@clinic.example")
asha = Therapist.objects.create(user=user, display_name="Asha", registration_status="verified",
    registration_expires_on=timezone.localdate() + dt.timedelta(days=365))
for weekday in range(7):
    WorkingHours.objects.create(therapist=asha, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17))
sports = SessionType.objects.create(kind="sports", name="Sports massage", description="x", duration_minutes=60, price=55)
asha.session_types.add(sports)
day = timezone.localdate() + dt.timedelta(days=3)
start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
print(sports.pk, asha.pk, start.isoformat())
"""
    out = (
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )
    return int(out[0]), int(out[1]), out[2]


def main() -> int:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "true",
        "DATABASE_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
    }
    session_type_id, therapist_id, start = prepare_database(env)
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "clinic.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
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
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
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
        return race(base, session_type_id, therapist_id, start)
    finally:
        server.terminate()
        server.wait(timeout=30)


def race(base: str, session_type_id: int, therapist_id: int, start: str) -> int:
    url = f"{base}/book/{session_type_id}/details/"
    query = urllib.parse.urlencode({"therapist": therapist_id, "start": start})
    start_line = threading.Barrier(CLIENTS, timeout=TIMEOUT)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def client(n: int) -> None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
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
                    "adult": "yes",
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

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    elapsed = time.monotonic() - began

    bookings = count_bookings()
    print(f"{CLIENTS} concurrent booking requests for one slot in {elapsed:.1f} s")
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome}: {count}")
    print(f"  bookings in the database: {bookings}")
    ok = (
        bookings == 1
        and outcomes["booked"] == 1
        and outcomes["refused: slot taken"] + outcomes["refused: busy"] == CLIENTS - 1
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def count_bookings() -> int:
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://")) as conn:
        return conn.execute("SELECT count(*) FROM bookings_booking WHERE status <> 'cancelled'").fetchone()[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


if __name__ == "__main__":
    sys.exit(main())
