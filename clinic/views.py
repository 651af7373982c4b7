import sys
import threading

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, connection, connections
from django.http import FileResponse, Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

from .celery import app as celery_app
from .db import database_silent
from .selectors import clinic_get, clinic_get_cached
from .uploads import content_type_for

# How long a browser or proxy is asked to wait before trying again while the database is down.
RETRY_AFTER_SECONDS = 30


def _caused_by_database(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, DatabaseError) and not _is_data_error(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _is_data_error(error: DatabaseError) -> bool:
    # An IntegrityError or DataError is our bug or bad data, not an outage: that stays a 500.
    return isinstance(error, IntegrityError | DataError)


def server_error(request):
    """handler500. A database that is unreachable or silent answers a plain 503 with
    Retry-After, so people (and proxies) know to come back; anything else is a real 500.
    Neither page touches the database: both render without the request's user."""
    if _caused_by_database(sys.exc_info()[1]):
        response = HttpResponse(render_to_string("503.html", {"clinic": clinic_get_cached()}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(render_to_string("500.html", {"clinic": clinic_get_cached()}))


def clinic_logo(request):
    """The clinic's logo, for anyone: pages ask for it with its file name in the query, so a
    browser may keep it for a day and still sees a new one at once."""
    logo = clinic_get().logo
    if not logo:
        raise Http404
    try:
        handle = logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type_for(logo.name))
    response["Cache-Control"] = "public, max-age=86400"
    return response


# /healthz answers within this even when the database is silent: a check that hangs tells
# whoever asked nothing, and holds a web worker while it does.
HEALTHZ_DATABASE_SECONDS = 0.5


def _select_one() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _database_answers() -> bool:
    """Asks the database on a thread of its own, and waits HEALTHZ_DATABASE_SECONDS for it:
    connecting alone may take the connect timeout (seconds) before a silent server is known to
    be silent. The thread ends by itself when that timeout does. A bug in the check is raised
    here, not reported as the database being down."""
    if database_silent():
        return False
    answer = {}

    def ask():
        try:
            answer["ok"] = _select_one()
        except Exception as error:
            answer["error"] = error
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=ask, name="healthz-database", daemon=True)
    thread.start()
    thread.join(HEALTHZ_DATABASE_SECONDS)
    if "error" in answer:
        raise answer["error"]
    return answer.get("ok", False)


def _broker_answers() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # kombu raises transport-specific errors
        return False


def healthz(request):
    """For container health checks and people on call: one line per dependency, and 503 when
    any of them is down, so the answer says which."""
    checks = {"database": _database_answers(), "broker": _broker_answers()}
    body = "".join(f"{name}: {'ok' if ok else 'down'}\n" for name, ok in checks.items())
    return HttpResponse(body, status=200 if all(checks.values()) else 503, content_type="text/plain")


def site_cookies() -> list[tuple[str, str, str]]:
    """The cookies this site sets, and why: the cookie statement lists exactly these, and a
    test fails if a page sets any other."""
    days = settings.SESSION_COOKIE_AGE // (24 * 60 * 60)
    return [
        (
            settings.SESSION_COOKIE_NAME,
            "Keeps you logged in, from page to page.",
            f"{days} days, or until you log out; for staff, {settings.STAFF_IDLE_MINUTES} minutes without activity",
        ),
        (settings.CSRF_COOKIE_NAME, "Proves a form was sent from this site, not from another one.", "One year"),
        (
            "messages",
            "Carries a one-off notice (such as \u201cYou're booked in\u201d) to the next page.",
            "Until shown",
        ),
    ]


# The periods the privacy notice states, by the names of the settings that hold them. One a
# deployment lacks is worded without a number rather than given a made-up one.
NOTICE_PERIODS = (
    "CLINICAL_RECORD_RETENTION_YEARS",
    "NON_CLINICAL_RETENTION_DAYS",
    "OUTBOX_RETENTION_DAYS",
    "ACCESS_LOG_RETENTION_YEARS",
    "LOGIN_LOCKOUT_MINUTES",
)


def privacy_notice(request):
    periods = {name.lower(): getattr(settings, name, None) for name in NOTICE_PERIODS}
    return render(
        request,
        "clinic/privacy.html",
        {
            **periods,
            "retention_years": settings.CLINICAL_RECORD_RETENTION_YEARS,
            "staff_idle_minutes": settings.STAFF_IDLE_MINUTES,
        },
    )


def cookie_statement(request):
    return render(request, "clinic/cookies.html", {"cookies": site_cookies()})
