"""The suite's named people and its clock, as fixtures. Helpers that plain code needs too live
in tests/factories.py (people and things) and tests/clock.py (NOW and dates relative to it).

The people: alice, a client; admin_user, a superuser; victor, staff allowed to decide on
CNHC registrations; sam, staff without that permission; asha, a verified therapist keeping
the standard hours (09:00-17:00 every day); bob, another verified therapist, with no hours
unless a test gives him some; tara, a therapist awaiting a check. The session type: sports,
a 60-minute sports massage. The clinic's booking rules: ``rules``. A session asha has just
given alice: ``attended``. Everyone the health-data matrix tries: ``people``.
"""

import hashlib
import os

import pytest

from bookings.services.outcome import session_complete
from clinic.problems import Problem

from .clock import NOW, TODAY, at
from .factories import (
    booking_rules,
    consent_given,
    grant_permissions,
    grant_verify,
    make_bookable_therapist,
    make_booking,
    make_session_type,
    make_user,
    make_working_hours,
    submitted_therapist,
)
from .stripe_local import WEBHOOK_SECRET, LocalStripe

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from a thread with a running loop unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    # The real hasher is slow by design; tests log people in hundreds of times.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Runs side by side on one PostgreSQL (each with its own VAR_DIR, as SQLite's test file
    # already is) get test databases of their own instead of dropping each other's.
    database = settings.DATABASES["default"]
    if "VAR_DIR" in os.environ and "sqlite" not in database["ENGINE"]:
        run = hashlib.sha256(os.environ["VAR_DIR"].encode()).hexdigest()[:8]
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{run}"
    config.addinivalue_line(
        "markers", "booking_rules(**values): the clinic's booking rules a module or test needs (the rules fixture)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# The clock -------------------------------------------------------------------------------


@pytest.fixture
def clock(time_machine):
    """Stops time at NOW (tests/clock.py) for the test; ``clock.shift(delta)`` and
    ``clock.move_to(when)`` move it. Freeze before anyone logs in (a session made at the real
    time has expired by NOW): use ``pytestmark = pytest.mark.usefixtures("clock")``, or ask
    for ``clock`` before ``as_asha`` and ``client.force_login``."""
    time_machine.move_to(NOW, tick=False)
    return time_machine


# The people ------------------------------------------------------------------------------


@pytest.fixture
def alice(db):
    """A client."""
    return make_user("alice", first_name="Alice")


@pytest.fixture
def admin_user(db):
    """A superuser (pytest-django's admin_client logs in as this one)."""
    return make_user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def victor(db):
    """A staff member allowed to decide on registrations (not a superuser)."""
    return grant_verify(make_user("victor", is_staff=True, first_name="Victor"))


@pytest.fixture
def sam(db):
    """Staff, but without the permission to decide on registrations."""
    return make_user("sam", is_staff=True)


@pytest.fixture
def asha(db):
    """A verified therapist who keeps her diary here and works the standard hours."""
    therapist = make_bookable_therapist("asha", display_name="Asha Patel")
    make_working_hours(therapist)
    return therapist


@pytest.fixture
def bob(db):
    """Another verified therapist: never allowed into Asha's diary. No hours of his own."""
    return make_bookable_therapist("bob", display_name="Bob Okafor")


@pytest.fixture
def tara(db):
    """A therapist awaiting a check."""
    return submitted_therapist("tara")


@pytest.fixture
def sports(db):
    """A 60-minute sports massage."""
    return make_session_type("Sports massage", duration_minutes=60)


@pytest.fixture
def as_asha(client, asha):
    """The test client, logged in as asha."""
    client.force_login(asha.user)
    return client


# The clinic and its bookings --------------------------------------------------------------


@pytest.fixture
def rules(db, request):
    """The clinic's booking rules: no buffer after a session, so a booking hides only the
    starts it overlaps, and the clinic's defaults otherwise. A module or test that needs other
    values names them: ``pytest.mark.booking_rules(slot_step_minutes=60)``."""
    marker = request.node.get_closest_marker("booking_rules")
    return booking_rules(**(marker.kwargs if marker else {}))


@pytest.fixture
def attended(asha, alice):
    """Completes a session asha gave alice this morning, notes written at NOW, and returns the
    booking: ``attended(kind="relaxation", problem=..., pressure=3, tip="")``."""

    def attend(kind="sports", problem=Problem.ACHILLES, pressure=6, tip="Heel raises on the stairs, slowly.", **fields):
        session_type = make_session_type(f"{kind} 60", kind=kind)
        booking = consent_given(
            make_booking(therapist=asha, client=alice, session_type=session_type, start=at(TODAY, "07:30"), **fields)
        )
        return session_complete(
            therapist=asha,
            booking_id=booking.pk,
            areas_worked=["back-calf-left"],
            pressure_used=pressure,
            problem=problem,
            personal_tip=tip,
            # Firm pressure on a sensitive problem is recorded only with a reason (bookings.clinical.pressure).
            pressure_reason="The client asked for firm work." if pressure >= 8 else "",
            now=NOW,
        )

    return attend


@pytest.fixture
def people(alice, asha, bob, sam, admin_user):
    """Everyone the health-data matrix tries (factories.EVERYONE), by name: None is a visitor
    who is not logged in; hana is staff with the permission to read health data."""
    return {
        "anonymous": None,
        "the client": alice,
        "another client": make_user("erin"),
        "the therapist": asha.user,
        "another therapist": bob.user,
        "staff without the permission": grant_permissions(sam, "view_booking"),
        "staff with the permission": grant_permissions(
            make_user("hana", is_staff=True), "view_booking", "view_health_data"
        ),
        "superuser": admin_user,
    }


# Plumbing --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def forget_rate_limits():
    """Each test starts with no login failures, sent verification emails or used one-time
    codes on record: allauth keeps them in the cache, which outlives a test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def clinic_details_cached(forget_rate_limits, request):
    """A running site has the clinic's details cached after its first page, so tests start
    with them cached too and a page's query count is the one every later visitor sees
    (tests/clinic/test_identity.py counts the cold one). Tests without the database skip it."""
    if "clock" in request.fixturenames:
        # Cached at the real time, the details would have expired by the frozen NOW.
        request.getfixturevalue("clock")
    marker = request.node.get_closest_marker("django_db")
    if (
        marker
        and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
        or "transactional_db" in request.fixturenames
    ):
        request.getfixturevalue("transactional_db")
    elif marker or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    from clinic.selectors import clinic_get

    clinic_get()


@pytest.fixture
def celery_eager():
    """Runs tasks queued with delay_on_commit in-process, once the transaction commits."""
    from clinic.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture
def sending_all_day(settings):
    """Aftercare may leave at any hour, in this process and (through worker_env's extra
    variables) in a worker: tests on the real clock must not depend on the hour they run."""
    settings.AFTERCARE_SEND_FROM_HOUR, settings.AFTERCARE_SEND_UNTIL_HOUR = 0, 24
    return {"AFTERCARE_SEND_FROM_HOUR": "0", "AFTERCARE_SEND_UNTIL_HOUR": "24"}


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# Payments --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def local_stripe_server():
    server = LocalStripe()
    yield server
    server.stop()


@pytest.fixture
def local_stripe(local_stripe_server, settings):
    settings.STRIPE_API_BASE = local_stripe_server.url
    settings.STRIPE_JS_URL = f"{local_stripe_server.url}/js.stripe.com/v3/"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return local_stripe_server
