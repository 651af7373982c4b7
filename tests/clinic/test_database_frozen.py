"""A PostgreSQL server that stops answering (frozen with SIGSTOP, as a stalled machine or a
stuck disk would leave it) while gunicorn holds pooled connections to it: every request still
gets an answer within seconds, and the site serves again by itself once the server wakes."""

import concurrent.futures
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psycopg
import pytest

from ..private_postgres import PrivatePostgres
from ..web_server import ROOT, collect_static, free_port, production_env, start_gunicorn, stop, wait_until_serving

# The site's promise with the database silent; the pages that need none answer at once.
PAGE_SECONDS = 10
STATIC_SECONDS = 1
# The server was frozen for seconds; the site may take a few more to try it again.
RECOVERY_SECONDS = 60


def get(port: int, path: str) -> tuple[int, dict, str, float]:
    """Status, headers, body and seconds taken, whatever the status."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
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
    env = production_env(tmp_path, postgres.url(), DATABASE_CONN_MAX_AGE="60")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    collect_static(env)
    port = free_port()
    server = start_gunicorn(env, port, "-c", str(ROOT / "clinic" / "gunicorn.py"), "--workers", "2")
    try:
        wait_until_serving(server, port)
        yield port
    finally:
        stop(server)


def test_a_frozen_database_gets_answers_within_seconds_and_the_site_recovers(postgres, site):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        # Several at once, so most of the workers' threads hold a connection of their own.
        warm = list(pool.map(lambda _: get(site, "/")[0], range(16)))
        assert warm == [200] * 16
        assert pooled_connections(postgres) >= 2

        postgres.freeze()
        try:
            pages = [pool.submit(get, site, "/") for _ in range(4)]
            time.sleep(0.3)  # the pages are waiting on the database now
            stylesheet = get(site, "/static/css/clinic.css")
            health = get(site, "/healthz")
            answers = [page.result() for page in pages]
        finally:
            postgres.thaw()

    for status, headers, body, took in answers:
        assert (status, headers.get("Retry-After")) == (503, "30")
        assert "Bookings are unavailable for a moment" in body
        assert took < PAGE_SECONDS, f"a page took {took:.1f} s with the database frozen"
    assert stylesheet[0] == 200
    assert stylesheet[3] < STATIC_SECONDS, f"the stylesheet took {stylesheet[3]:.2f} s"
    assert (health[0], health[2].splitlines()[0]) == (503, "database: down")
    assert health[3] < STATIC_SECONDS, f"/healthz took {health[3]:.2f} s"

    # Each worker leaves a server it found silent alone for a few seconds, then tries again.
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not (recovered := serving_normally(site)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert recovered, f"the site did not serve normally within {RECOVERY_SECONDS} s of the database waking"


def serving_normally(port: int) -> bool:
    """Both workers (several asks each) serve the home page and call the database ok."""
    pages = [get(port, "/")[0] for _ in range(6)]
    health = [get(port, "/healthz")[2].splitlines()[0] for _ in range(6)]
    return pages == [200] * 6 and health == ["database: ok"] * 6
