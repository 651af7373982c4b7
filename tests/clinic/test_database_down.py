"""When the database is down or silent: a plain 503 with Retry-After instead of a bare 500,
/healthz naming what is down, and the pages that need no database still served."""

import socket
import threading
import time
import urllib.error
import urllib.request
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client

from ..web_server import collect_static, free_port, production_env, start_gunicorn, stop, wait_until_serving


@pytest.fixture
def database_down(db):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    # On the class, so the thread /healthz asks on is refused too; undone before the db
    # fixture's teardown, which needs the connection back.
    with mock.patch.object(type(connections["default"]), "ensure_connection", refuse):
        yield


@pytest.fixture
def browser():
    # As a browser sees it: a server error becomes a page, not an exception in the test.
    return Client(raise_request_exception=False)


def test_a_page_that_needs_the_database_answers_503_with_retry_after(database_down, browser):
    response = browser.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Bookings are unavailable for a moment" in response.content.decode()


def test_healthz_says_the_database_is_down(database_down, browser):
    response = browser.get("/healthz")

    assert response.status_code == 503
    assert response.content.decode().splitlines() == ["database: down", "broker: ok"]


# Error pages render from the files alone (no manifest lookup, no user, no database), so they
# work with DEBUG off and the database gone.
def test_healthz_says_ok_when_all_answer(db, browser):
    response = browser.get("/healthz")

    assert response.status_code == 200
    assert response.content.decode().splitlines() == ["database: ok", "broker: ok"]


def test_healthz_says_the_broker_is_down(db, browser, monkeypatch):
    from kombu import Connection

    from clinic import views

    nobody_listening = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setattr(views.celery_app, "connection_for_write", lambda: Connection(nobody_listening))
    started = time.monotonic()
    response = browser.get("/healthz")

    assert response.status_code == 503
    assert response.content.decode().splitlines() == ["database: ok", "broker: down"]
    assert time.monotonic() - started < 5


def test_the_login_page_is_still_served(database_down, browser):
    response = browser.get("/accounts/login/")

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_a_bug_is_still_a_500_not_an_outage(db, browser, monkeypatch):
    from clinic import views

    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(views, "_database_answers", broken)
    response = browser.get("/healthz")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong on our side" in response.content.decode()


class SilentServer:
    """Accepts TCP connections and never says a word: a hung or unreachable PostgreSQL."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.socket.close()
        for conn in self.accepted:
            conn.close()


@pytest.mark.parametrize("database", ["silent", "refusing"])
def test_a_real_server_answers_503_within_seconds_when_postgresql_is_gone(database, tmp_path):
    silent = SilentServer() if database == "silent" else None
    db_port = silent.port if silent else free_port()
    web_port = free_port()
    env = production_env(tmp_path, f"postgres://postgres@127.0.0.1:{db_port}/clinic", DATABASE_CONNECT_TIMEOUT="2")
    collect_static(env)
    server = start_gunicorn(env, web_port, "-w", "1", "-t", "30")
    try:
        # The first request loads Django, which takes long on a busy machine: wait for it,
        # then time only the request that meets the database.
        wait_until_serving(server, web_port)
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=15)
        took = time.monotonic() - started

        assert answer.value.code == 503
        assert answer.value.headers["Retry-After"] == "30"
        assert "Bookings are unavailable" in answer.value.read().decode()
        assert took < 4, f"took {took:.1f} s with a 2 s connect timeout"
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/static/css/clinic.css", timeout=5) as static:
            assert static.status == 200
    finally:
        stop(server)
        if silent:
            silent.close()
