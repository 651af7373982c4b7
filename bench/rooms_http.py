"""The HTTP side of bench_rooms.py: the bench database, a gunicorn serving it on 127.0.0.1,
and concurrent booking POSTs counted by outcome."""

import contextlib
import http.cookiejar
import os
import re
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
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 200))
ANY_CLIENTS = 25
REPEATS = int(os.environ.get("BENCH_REPEATS", 4))  # pairs of rounds per size (rooms_load.py)
SIZES = (100, 200)
PORT = int(os.environ.get("BENCH_PORT", 8301))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_rooms")
TIMEOUT = 60
LONDON = ZoneInfo("Europe/London")
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "true",
    "DATABASE_CONN_MAX_AGE": "60",
    "LOG_LEVEL": "ERROR",
    "CELERY_BROKER_URL": "memory://",
    "CELERY_RESULT_BACKEND": "cache+memory://",
}


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def recreate_database() -> None:
    import psycopg

    name = urllib.parse.urlparse(DATABASE_URL).path.lstrip("/")
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)


def shell(script: str) -> list[str]:
    """Runs ``script`` in the project's Django shell; its last printed line, split."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1].split()


def query(sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql, params).fetchall()


@contextlib.contextmanager
def serve():
    """gunicorn on 127.0.0.1:PORT, as bench_booking_race.py runs it; yields its base URL."""
    from tests.web_server import start_gunicorn, stop, wait_until_serving

    options = ("--workers", "4", "--threads", "8", "--worker-class", "gthread", "--timeout", "120")
    server = start_gunicorn(ENV, PORT, *options, "--log-level", "warning")
    try:
        wait_until_serving(server, PORT, "/healthz")
        yield f"http://127.0.0.1:{PORT}"
    finally:
        stop(server)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def burst(base: str, session_type_id: int, asks: list[tuple[str, str]]) -> tuple[Counter, list[float], float]:
    """One client per (therapist, start) in ``asks`` ("any" for first available): each loads the
    booking form for its CSRF token, then all POST at once. Returns the outcomes, each POST's
    seconds, and the seconds from the release to the last answer."""
    url = f"{base}/book/{session_type_id}/details/"
    start_line = threading.Barrier(len(asks) + 1, timeout=TIMEOUT * 2)
    outcomes: Counter = Counter()
    seconds: list[float] = []
    finished: list[float] = []
    lock = threading.Lock()

    def client(n: int, therapist: str, start: str) -> None:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        request = None
        try:
            query_string = urllib.parse.urlencode({"therapist": therapist, "start": start})
            page = opener.open(f"{url}?{query_string}", timeout=TIMEOUT).read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            request = urllib.request.Request(url, data=form(token, n, therapist, start), headers={"Referer": url})
        except Exception as error:  # counted below: a client that could not load its form
            outcome = f"error loading the form {type(error).__name__}: {error}"
        start_line.wait()
        if request is not None:
            began = time.monotonic()
            outcome = post(opener, request)
            took = time.monotonic() - began
        with lock:
            outcomes[outcome] += 1
            if request is not None:
                seconds.append(took)
                finished.append(time.monotonic())

    threads = [threading.Thread(target=client, args=(n, *ask)) for n, ask in enumerate(asks)]
    for thread in threads:
        thread.start()
    start_line.wait()
    released = time.monotonic()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    return outcomes, seconds, (max(finished) - released) if finished else 0.0


def form(token: str, n: int, therapist: str, start: str) -> bytes:
    return urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "therapist": therapist,
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


def post(opener, request) -> str:
    try:
        response = opener.open(request, timeout=TIMEOUT)
        status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode(errors="replace")
    except Exception as error:  # counted and reported, never hidden
        return f"error {type(error).__name__}: {error}"
    if status == 302:
        return "booked"
    if status == 400 and "that time has just been taken" in body:
        return "refused: slot taken"
    if status == 400 and "try again in a moment" in body:
        return "refused: busy"
    return f"unexpected {status}"
