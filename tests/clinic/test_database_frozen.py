"""A PostgreSQL server that stops answering (frozen with SIGSTOP, as a stalled machine or a
stuck disk would leave it) while gunicorn holds pooled connections to it: every request still
gets an answer within seconds, and the site serves again by itself once the server wakes. A
booking that is in flight when the server freezes (waiting in the server for its therapist's
row) is answered without being written, and the same form sent again after the wake-up books it
exactly once: nothing lost, nothing half-written, nothing twice."""

import concurrent.futures
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg
import pytest

from ..private_postgres import PrivatePostgres
from ..web_server import ROOT, collect_static, free_port, production_env, start_gunicorn, stop, wait_until_serving

# The site's promise with the database silent; the pages that need none answer at once.
PAGE_SECONDS = 10
STATIC_SECONDS = 1
# The server was frozen for seconds; the site may take a few more to try it again.
RECOVERY_SECONDS = 60
# The site's statement_timeout: the client gives up on a silent server 1.5 s after it (clinic.db),
# so the booking caught by the freeze is answered within seconds.
STATEMENT_TIMEOUT = "3"

# Run in one Django start: the tables, and a therapist who gives a session that needs no room.
SEED = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from clinic.london import wall_clock_to_utc
from clinic.models import SessionType
from bookings.models import BookingRules
from therapists.models import Therapist, WorkingHours
call_command("migrate", verbosity=0)
BookingRules.load()
kind = SessionType.objects.create(kind="sports", name="Sports", description="x", duration_minutes=60, price=55)
user = get_user_model().objects.create(username="therapist", email="t@clinic.example")
therapist = Therapist.objects.create(user=user, display_name="Therapist", registration_status="verified",
    registration_expires_on=timezone.localdate() + dt.timedelta(days=365))
kind.therapists.add(therapist)
WorkingHours.objects.bulk_create(
    WorkingHours(therapist=therapist, weekday=w, start_time=dt.time(9), end_time=dt.time(17)) for w in range(7))
print(kind.pk, therapist.pk, wall_clock_to_utc(timezone.localdate() + dt.timedelta(days=3), dt.time(10)).isoformat())
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(port: int, path: str, data: bytes | None = None, cookie: str = "") -> tuple[int, dict, str, float]:
    """Status, headers, body and seconds taken, whatever the status (a POST when ``data``)."""
    started = time.monotonic()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers={"Cookie": cookie})
    try:
        with urllib.request.build_opener(NoRedirect()).open(request, timeout=60) as response:
            status, headers, body = response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), error.read().decode()
    return status, headers, body, time.monotonic() - started


def pooled_connections(postgres: PrivatePostgres) -> int:
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as admin:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'clinic' AND backend_type = 'client backend'"
        return admin.execute(query).fetchone()[0]


@pytest.fixture
def postgres():
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def site(postgres, tmp_path):
    """Gunicorn as docker-compose runs it (its config, pooled connections), with 2 workers."""
    env = production_env(
        tmp_path, postgres.url(), DATABASE_CONN_MAX_AGE="60", DATABASE_STATEMENT_TIMEOUT=STATEMENT_TIMEOUT
    )
    seeded = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    session_type, therapist, start = seeded.stdout.splitlines()[-1].split()
    collect_static(env)
    port = free_port()
    server = start_gunicorn(env, port, "-c", str(ROOT / "clinic" / "gunicorn.py"), "--workers", "2")
    try:
        wait_until_serving(server, port)
        yield port, int(session_type), int(therapist), start
    finally:
        stop(server)


def booking_form(port: int, session_type: int, therapist: int, start: str) -> tuple[str, bytes, str]:
    """The booking form for ``start``, filled in as a client would: its path, the POST body
    (with a key of its own) and the CSRF cookie. The cookie is secure in production, so it is
    sent here by hand over plain HTTP."""
    path = f"/book/{session_type}/details/"
    status, headers, page, _ = get(port, f"{path}?{urllib.parse.urlencode({'therapist': therapist, 'start': start})}")
    assert status == 200, page[:500]
    cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(0)
    fields = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
        "therapist": therapist,
        "start": start,
        "idempotency_key": str(uuid.uuid4()),
        "health_urgent": "none",
        "health_pain": "none",
        "health_history": "none",
        "main_problem": "general_tightness",
        "name": "Frozen Client",
        "email": "frozen@example.com",
        "phone": "07700 900123",
        "adult": "yes",
        "consent": "on",
    }
    return path, urllib.parse.urlencode(fields).encode(), cookie


def bookings_made(postgres: PrivatePostgres) -> int:
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM bookings_booking WHERE client_email = 'frozen@example.com'"
        ).fetchone()[0]


def waiting_on_a_lock(admin: psycopg.Connection) -> int:
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'clinic' AND wait_event_type = 'Lock'"
    return admin.execute(query).fetchone()[0]


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.1)


def test_a_frozen_database_gets_answers_within_seconds_and_the_site_recovers(postgres, site):
    port, *booking = site
    path, form, cookie = booking_form(port, *booking)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool, psycopg.connect(postgres.url()) as holder:
        # Several at once, so most of the workers' threads hold a connection of their own.
        warm = list(pool.map(lambda _: get(port, "/")[0], range(16)))
        assert warm == [200] * 16
        assert pooled_connections(postgres) >= 2

        # The booking is in flight when the server freezes: waiting in the server for the
        # therapist's row, which this connection holds.
        holder.execute("SELECT 1 FROM therapists_therapist WHERE id = %s FOR UPDATE", (booking[1],))
        in_flight = pool.submit(get, port, path, form, cookie)
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as admin:
            wait_until(lambda: waiting_on_a_lock(admin), 10, "the booking did not reach the server's lock")
        postgres.freeze()
        try:
            pages = [pool.submit(get, port, "/") for _ in range(4)]
            time.sleep(0.3)  # the pages are waiting on the database now
            stylesheet = get(port, "/static/css/clinic.css")
            health = get(port, "/healthz")
            answers = [page.result() for page in pages]
            caught = in_flight.result()
        finally:
            postgres.thaw()
        holder.rollback()

    for status, headers, body, took in answers:
        assert (status, headers.get("Retry-After")) == (503, "30")
        assert "Bookings are unavailable for a moment" in body
        assert took < PAGE_SECONDS, f"a page took {took:.1f} s with the database frozen"
    assert stylesheet[0] == 200
    assert stylesheet[3] < STATIC_SECONDS, f"the stylesheet took {stylesheet[3]:.2f} s"
    assert (health[0], health[2].splitlines()[0]) == (503, "database: down")
    assert health[3] < STATIC_SECONDS, f"/healthz took {health[3]:.2f} s"
    # Refused, never "booked": its transaction was cut off before any COMMIT was sent.
    assert caught[0] == 503 or (caught[0] == 400 and "try again in a moment" in caught[2]), caught[:2]
    assert caught[3] < PAGE_SECONDS, f"the booking took {caught[3]:.1f} s with the database frozen"

    # Each worker leaves a server it found silent alone for a few seconds, then tries again.
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not (recovered := serving_normally(port)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert recovered, f"the site did not serve normally within {RECOVERY_SECONDS} s of the database waking"

    # The cut-off backend ends without writing; the client's "try again" books it, once.
    assert bookings_made(postgres) == 0
    assert get(port, path, form, cookie)[0] == 302
    assert get(port, path, form, cookie)[0] == 302  # the same form again: the same booking
    assert bookings_made(postgres) == 1


def serving_normally(port: int) -> bool:
    """Both workers (several asks each) serve the home page and call the database ok."""
    pages = [get(port, "/")[0] for _ in range(6)]
    health = [get(port, "/healthz")[2].splitlines()[0] for _ in range(6)]
    return pages == [200] * 6 and health == ["database: ok"] * 6
