"""10,000 due emails delivered by one Celery worker to a real SMTP server, each exactly once.

Run: .venv/bin/python bench/bench_outbox.py            (the throughput run)
     .venv/bin/python bench/bench_outbox.py --kill     (SIGKILL the worker mid-run, restart it)

Needs PostgreSQL and Redis on 127.0.0.1. It recreates the database clinic_bench_outbox, uses
Redis database 11, starts an SMTP server (aiosmtpd) on 127.0.0.1 that counts every
Message-ID, queues the due rows with the real dispatcher (50 ids to a send task) and starts
one worker with the project's settings (acks late, prefetch 1) and four pool processes. It
runs with DEBUG off, as production does. Every wait is bounded.

With --kill, the whole worker (parent and pool) gets SIGKILL once about a third of the
emails have arrived, and a new worker starts. The emails the dead worker held come back
through the outbox: its claims expire after the lease and the dispatcher, run every few
seconds as beat would every minute, queues them again. Short lease and redispatch times
(OUTBOX_CLAIM_LEASE_SECONDS, OUTBOX_REDISPATCH_SECONDS) keep the run short.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.smtp import SMTPServer  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clinic_bench_outbox"
BROKER_URL = "redis://127.0.0.1:6379/11"
COUNT = int(os.environ.get("BENCH_EMAILS", 10_000))
DEADLINE = 300  # seconds for the whole delivery, generously above the 60 s target
# Sending email is partly waiting on the database and the SMTP server: two pool processes
# per core keep both cores busy (eight measured no faster, only more memory).
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 4))
PREFETCH = int(os.environ.get("BENCH_PREFETCH", 1))


def django_env(smtp: SMTPServer, *, kill: bool) -> dict[str, str]:
    # Production settings: DEBUG on would also record every query the worker runs.
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://clinic.example",
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": "60",
        **smtp.env,
    }
    if kill:
        env.update(OUTBOX_CLAIM_LEASE_SECONDS="15", OUTBOX_REDISPATCH_SECONDS="20")
    return env


def manage(env, *args, capture=False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
        timeout=600,
    )
    return result.stdout if capture else ""


def shell(env, code: str) -> str:
    return manage(env, "shell", "-c", code, capture=True).strip().splitlines()[-1]


def prepare(env) -> None:
    import psycopg
    import redis

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS clinic_bench_outbox WITH (FORCE)")
        conn.execute("CREATE DATABASE clinic_bench_outbox")
    redis.Redis.from_url(BROKER_URL).flushdb()
    manage(env, "migrate", "-v0")
    shell(
        env,
        f"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from bookings.models import Booking, OutboundEmail
from clinic.models import SessionType
from therapists.models import Therapist
user = get_user_model().objects.create_user("asha", email="asha@clinic.example")
asha = Therapist.objects.create(user=user, display_name="Asha")
sports = SessionType.objects.create(kind="sports", name="Sports massage", description="x", duration_minutes=60, price=55)
start = timezone.now() + dt.timedelta(days=2)
booking = Booking.objects.create(therapist=asha, session_type=sports, start=start, end=start + dt.timedelta(hours=1),
    blocks_until=start + dt.timedelta(hours=1), client_name="Bench Client", client_email="bench@example.com", client_phone="07700900123")
now = timezone.now()
OutboundEmail.objects.bulk_create(
    [OutboundEmail(booking=booking, kind="booking_reminder", to_email=f"client{{n}}@example.com", due_at=now) for n in range({COUNT})],
    batch_size=2000,
)
print(OutboundEmail.objects.count())
""",
    )


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "clinic",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={CONCURRENCY}",
            f"--prefetch-multiplier={PREFETCH}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    try:
        os.killpg(worker.pid, sig)
    except ProcessLookupError:
        return
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


_db = None


def sent_count() -> int:
    global _db
    import psycopg

    if _db is None:
        _db = psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://"), autocommit=True)
    return _db.execute("SELECT count(*) FROM bookings_outboundemail WHERE status = 'sent'").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kill", action="store_true", help="SIGKILL the worker mid-run, then restart it")
    kill = parser.parse_args().kill

    with SMTPServer() as smtp:
        env = django_env(smtp, kill=kill)
        prepare(env)
        worker = start_worker(env)
        time.sleep(3)  # let the worker connect before the clock starts
        began = time.monotonic()
        dispatched = int(
            shell(env, "from bookings.outbox import outbound_emails_dispatch; print(outbound_emails_dispatch())")
        )
        killed_at = None
        last_dispatch = time.monotonic()
        while time.monotonic() - began < DEADLINE:
            arrived = len(smtp.inbox)
            if kill and killed_at is None and arrived >= COUNT // 3:
                stop(worker, signal.SIGKILL)
                killed_at = arrived
                worker = start_worker(env)
            if arrived >= COUNT and sent_count() == COUNT:
                break
            if kill and killed_at is not None and time.monotonic() - last_dispatch > 5:
                # Beat runs the dispatcher every minute; here every few seconds, to match the short lease.
                shell(env, "from bookings.outbox import outbound_emails_dispatch; outbound_emails_dispatch()")
                last_dispatch = time.monotonic()
            time.sleep(0.5)
        elapsed = time.monotonic() - began
        stop(worker)
        time.sleep(1)
        sent = sent_count()
        ids = smtp.inbox.message_ids
        duplicates = sum(count - 1 for count in ids.values() if count > 1)

    print(
        f"{'SIGKILL run' if kill else 'Throughput run'}: {COUNT} due emails, {dispatched} queued by the first dispatch"
    )
    if kill:
        print(f"  worker killed with SIGKILL after {killed_at} had arrived, then restarted")
    print(
        f"  delivered to the SMTP server: {len(ids)} distinct, {duplicates} duplicates, in {elapsed:.1f} s "
        f"({len(ids) / elapsed:.0f} a second)"
    )
    print(f"  rows marked sent: {sent}")
    ok = len(ids) == COUNT and duplicates == 0 and sent == COUNT and (kill or elapsed < 60)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
