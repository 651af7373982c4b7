"""What bench_outbox.py reads to measure: the rows' statuses, the dispatcher's runs in its
log, and the admin's list of failed emails."""

import re
import secrets
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from outbox_rig import (  # noqa: E402 - a sibling module, found from bench/
    BROKER_URL,
    FINAL,
)

# --- measuring ---------------------------------------------------------------------------


def statuses() -> Counter:
    from django.db.models import Count

    from bookings.models import OutboundEmail

    return Counter({row["status"]: row["n"] for row in OutboundEmail.objects.values("status").annotate(n=Count("pk"))})


def unfinished(quiet: bool) -> int:
    """Rows not yet sent, failed or cancelled; rows kept to sending hours (reminders,
    aftercare), rightly waiting in quiet hours, do not count."""
    from bookings.models import OutboundEmail

    rows = OutboundEmail.objects.exclude(status__in=FINAL)
    if quiet:
        rows = rows.exclude(kind__in=OutboundEmail.SENDING_HOURS_ONLY)
    return rows.count()


def sample(at: float, arrived: int) -> str:
    """One line of the run's timeline: the rows by status, and the broker's queue and
    unacknowledged messages (Redis may be down for a moment)."""
    import redis

    try:
        broker = redis.Redis.from_url(BROKER_URL, socket_timeout=1)
        queue = (
            f"sends queued {broker.llen('celery')}, dispatches queued {broker.llen('dispatch')}, "
            f"unacked {broker.hlen('unacked')}"
        )
    except redis.RedisError:
        queue = "Redis not answering"
    counts = ", ".join(f"{status} {n}" for status, n in sorted(statuses().items()))
    return f"{at:6.1f} s  arrived {arrived}  rows: {counts}  broker: {queue}"


def dispatch_through_the_queue() -> None:
    """One dispatch task, sent as beat sends it (by name, routed to the dispatcher's queue)."""
    from django.conf import settings

    from clinic.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-outbound-emails"]
    app.send_task(entry["task"], **entry.get("options", {}))


DISPATCH_RUN = re.compile(
    r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+: INFO/[\w-]+\] Task bookings\.dispatch_outbound_emails\[[^\]]+\] succeeded in [\d.]+s: (\d+)"
)


def dispatcher_runs(log: Path, began_wall: float) -> list[tuple[float, int]]:
    """(seconds since the clock started, rows handed over) for each dispatcher run, from its
    worker's log (local time stamps)."""
    runs = []
    for stamp, rows in DISPATCH_RUN.findall(log.read_text(errors="replace")):
        at = time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S"))
        runs.append((at - began_wall, int(rows)))
    return runs


def admin_failed_changelist() -> tuple[int, int, int, int]:
    """What an admin sees at the OutboundEmail changelist filtered by status=failed: the
    count it states, and how many of the listed rows (its first page) show a 550. The admin
    logs in as staff must: password, then the authenticator app's current code."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings
    from django.urls import reverse

    password, secret = secrets.token_urlsafe(16), generate_totp_secret()
    admin = get_user_model().objects.create_superuser("benchadmin", "admin@clinic.example", password)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    TOTP.activate(admin, secret)
    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=plain, SECURE_SSL_REDIRECT=False):
        client = Client()
        client.post(reverse("account_login"), {"login": admin.email, "password": password})
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        client.post(reverse("mfa_authenticate"), {"code": code})
        response = client.get("/admin/bookings/outboundemail/?status__exact=failed")
    html = response.content.decode()
    stated = re.search(r"(\d+) outbound emails?", html)
    rows = len(re.findall(r'name="_selected_action"', html))
    with_550 = len(re.findall(r"<td class=\"field-last_error\">[^<]*550", html))
    return response.status_code, int(stated.group(1)) if stated else -1, rows, with_550
