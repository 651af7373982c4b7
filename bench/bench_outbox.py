"""The email outbox against real services: 10,000 due emails of the clinic's real mix, one
Celery worker (four pool processes), PostgreSQL, Redis and an SMTP server on 127.0.0.1 that
counts what it accepts by Message-ID.

Run: .venv/bin/python bench/bench_outbox.py --mode throughput   (no faults: under 60 s?)
     .venv/bin/python bench/bench_outbox.py --mode kill         (the worker SIGKILLed 5 times)
     .venv/bin/python bench/bench_outbox.py --mode redis        (Redis stopped, restarted empty)
     .venv/bin/python bench/bench_outbox.py --mode refuse       (20% answered 451 once, some 550)
     (--kill is the old spelling of --mode kill.)

The mix: for every sixth of the emails, a booking confirmation (with its .ics attachment), a
new-booking notice to the therapist and a reminder, each about an upcoming booking, and the
three aftercare emails (the rest of today, the next day, the check-in) about an attended
booking with its session notes. All are due when the run starts.

The production settings apply in every mode: DEBUG off, acks late, prefetch 1, the claim lease
(OUTBOX_CLAIM_LEASE_SECONDS, 60 s) and the redispatch time (OUTBOX_REDISPATCH_SECONDS, 60 s)
at their defaults (the bench removes any override from its environment), and the retry
backoff as it is in bookings/outbox.py (1 min, 5 min, ...). The bench stands in for beat: it
runs the dispatcher when the clock starts and every 30 s after, as beat does (OUTBOX_DISPATCH_EVERY_SECONDS).

- throughput: no faults; the target is all delivered within 60 s.
- kill: the worker's whole process group (the main process and its pool) gets SIGKILL when
  10, 25, 40, 55 and 70% of the emails have arrived, and a new worker starts each time. The
  emails the dead workers held come back when their claims run out (60 s) and the dispatcher
  hands their rows over again (60 s after it last did).
- redis: when 30% have arrived, Redis is shut down without saving and started again empty a
  few seconds later (the machine's own command line), so every queued message is lost; the
  dispatcher hands the rows over again after 60 s. Redis is started again on the way out,
  whatever happens.
- refuse: the server answers 451 to 20% of the messages (picked by a hash of the Message-ID)
  on their first attempt only, so each is retried once after the real 1-minute backoff, and
  550 to every message for one client in 50 (refused at RCPT); those must end FAILED and show
  in the admin's changelist of outbound emails filtered by status.

Each mode prints: emails, delivered unique, duplicates (the same Message-ID accepted again),
lost (due and never accepted), failed, time to deliver, time from the last fault to the last
delivery, and whether any aftercare was accepted in London's quiet hours (20:00-08:00). If
the run is in quiet hours the aftercare rows rightly wait; they are counted as waiting, not
lost, and the summary says so.

It recreates the database clinic_bench_outbox and uses only Redis database 11 (the redis mode
restarts the whole Redis server, which other databases share: its outage lasts a few seconds).
Every loop and wait is bounded.
"""

import argparse
import atexit
import datetime as dt
import faulthandler
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.smtp import SMTPServer  # noqa: E402
from tests.workers import wait_for  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clinic_bench_outbox"
BROKER_URL = "redis://127.0.0.1:6379/11"
COUNT = int(os.environ.get("BENCH_EMAILS", 10_000))
# Sending email is partly waiting on the database and the SMTP server: two pool processes
# per core keep both cores busy (eight measured no faster, only more memory).
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 4))
PREFETCH = int(os.environ.get("BENCH_PREFETCH", 1))
MODES = ("throughput", "kill", "redis", "refuse")
# The longest a run may take before it gives up, generously above each target.
DEADLINE = {"throughput": 300, "kill": 480, "redis": 420, "refuse": 420}
TARGET = {"throughput": 60}  # seconds to deliver everything
RECOVERY_TARGET = 120  # seconds from the last fault to the last delivery
KILL_AT = (0.10, 0.25, 0.40, 0.55, 0.70)  # shares of the emails arrived
REDIS_DOWN_AT = 0.30
REDIS_OUTAGE = 3.0  # seconds with no Redis at all
TEMPORARY_SHARE = 0.20
BOUNCE_EVERY = 50  # one client address in this many is refused with 550
THERAPISTS = 20
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
LOG_DIR = ROOT / "var" / "bench-outbox"

# (kind, about which booking): an upcoming one, or an attended one with its notes.
MIX = [
    ("booking_confirmation", "upcoming"),
    ("staff_booked", "upcoming"),
    ("booking_reminder", "upcoming"),
    ("aftercare_today", "attended"),
    ("aftercare_next_day", "attended"),
    ("aftercare_check_in", "attended"),
]
FINAL = ("sent", "failed", "cancelled")


def client_address(which: str, n: int) -> str:
    return f"{'client' if which == 'upcoming' else 'returning'}{n}@example.com"


def bounced_addresses() -> list[str]:
    per_kind = math.ceil(COUNT / len(MIX))
    return [
        client_address(which, n)
        for which in ("upcoming", "attended")
        for n in range(per_kind)
        if n % BOUNCE_EVERY == BOUNCE_EVERY - 1
    ]


def django_env(smtp: SMTPServer) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Production's lease and redispatch times, whatever the shell says.
        if key not in {"OUTBOX_CLAIM_LEASE_SECONDS", "OUTBOX_REDISPATCH_SECONDS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=DATABASE_URL,
        CELERY_BROKER_URL=BROKER_URL,
        CELERY_RESULT_BACKEND=BROKER_URL,
        # Production settings: DEBUG on would also record every query the worker runs.
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="https://clinic.example",
        LOG_LEVEL="WARNING",
        DATABASE_CONN_MAX_AGE="60",
        **smtp.env,
    )
    return env


# --- Redis -------------------------------------------------------------------------------


def redis_up() -> bool:
    try:
        answer = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], capture_output=True, text=True, timeout=5
        )
    except subprocess.TimeoutExpired:
        return False
    return answer.stdout.strip() == "PONG"


def redis_start() -> bool:
    """Starts Redis with the machine's own command line unless it is answering already."""
    if redis_up():
        return True
    subprocess.run(REDIS_START, timeout=15, check=False)
    return wait_for(redis_up, timeout=15)


def redis_restart_empty() -> tuple[float, float]:
    """SHUTDOWN NOSAVE, a few seconds with no Redis, then start it again, empty. Returns the
    (monotonic) times it went down and came back."""
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], timeout=10, check=False)
    down = time.monotonic()
    if not wait_for(lambda: not redis_up(), timeout=10):
        raise RuntimeError("Redis did not shut down")
    time.sleep(REDIS_OUTAGE)
    if not redis_start():
        raise RuntimeError("Redis did not start again")
    return down, time.monotonic()


# --- the worker --------------------------------------------------------------------------


def start_worker(env, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "clinic",
                "worker",
                "--loglevel=INFO",  # each task received and its result, to the log file
                f"--concurrency={CONCURRENCY}",
                f"--prefetch-multiplier={PREFETCH}",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group: the pool dies with it
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in the process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def kill_group(worker: subprocess.Popen) -> int:
    """SIGKILL to the worker's whole process group; returns how many processes were in it."""
    members = group_members(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    if not wait_for(lambda: not group_members(worker.pid), timeout=10):
        raise RuntimeError(f"processes of the killed worker still running: {group_members(worker.pid)}")
    return len(members)


def stop(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def worker_ready(timeout: float) -> bool:
    from clinic.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=1.0):
                return True
        except Exception:  # the broker not there yet
            time.sleep(0.5)
    return False


# --- the data ----------------------------------------------------------------------------


def prepare(env) -> None:
    import psycopg
    import redis

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS clinic_bench_outbox WITH (FORCE)")
        conn.execute("CREATE DATABASE clinic_bench_outbox")
    redis.Redis.from_url(BROKER_URL).flushdb()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build_rows()


def build_rows() -> None:
    """Bookings, therapists and session notes as the services leave them, and COUNT due rows
    of the real mix (see MIX)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bookings.clinical import body_chart
    from bookings.models import Booking, OutboundEmail, SessionNote
    from clinic.models import SessionType
    from clinic.problems import Problem
    from therapists.models import Therapist

    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"therapist{n}", email=f"therapist{n}@clinic.example") for n in range(THERAPISTS)]
    )
    therapists = Therapist.objects.bulk_create(
        [
            Therapist(
                user=user,
                display_name=f"Therapist {n}",
                registration_status=Therapist.RegistrationStatus.VERIFIED,
                registration_expires_on=dt.date.today() + dt.timedelta(days=365),
            )
            for n, user in enumerate(users)
        ]
    )
    session_types = [
        SessionType.objects.create(kind=kind, name=label, description=label, duration_minutes=60, price=55)
        for kind, label in SessionType.Kind.choices
    ]
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    per_kind = math.ceil(COUNT / len(MIX))

    def booking(which: str, n: int) -> Booking:
        therapist = therapists[n % THERAPISTS]
        slot = dt.timedelta(hours=n // THERAPISTS)
        start = hour + dt.timedelta(days=2) + slot if which == "upcoming" else hour - dt.timedelta(days=3) - slot
        return Booking(
            therapist=therapist,
            session_type=session_types[n % len(session_types)],
            start=start,
            end=start + dt.timedelta(hours=1),
            blocks_until=start + dt.timedelta(hours=1),
            client_name=f"Client {which} {n}",
            client_email=client_address(which, n),
            client_phone="07700 900123",
            status=Booking.Status.CONFIRMED if which == "upcoming" else Booking.Status.ATTENDED,
        )

    bookings = {
        which: Booking.objects.bulk_create([booking(which, n) for n in range(per_kind)], batch_size=2000)
        for which in ("upcoming", "attended")
    }
    areas, problems = [code for code, _label in body_chart.CHOICES], Problem.values
    SessionNote.objects.bulk_create(
        [
            SessionNote(
                booking=attended,
                areas_worked=sorted({areas[n % len(areas)], areas[(n * 7 + 3) % len(areas)]}),
                pressure_used=2 + n % 8,
                problem=problems[n % len(problems)],
                personal_tip="Ease back into running with two short easy runs." if n % 3 == 0 else "",
            )
            for n, attended in enumerate(bookings["attended"])
        ],
        batch_size=2000,
    )
    therapist_email = {therapist.pk: user.email for therapist, user in zip(therapists, users, strict=True)}
    rows = []
    for position in range(COUNT):
        kind, which = MIX[position % len(MIX)]
        about = bookings[which][position // len(MIX)]
        to = therapist_email[about.therapist_id] if kind == "staff_booked" else about.client_email
        rows.append(OutboundEmail(booking=about, kind=kind, to_email=to, due_at=now))
    OutboundEmail.objects.bulk_create(rows, batch_size=2000)


# --- measuring ---------------------------------------------------------------------------


def statuses() -> Counter:
    from django.db.models import Count

    from bookings.models import OutboundEmail

    return Counter({row["status"]: row["n"] for row in OutboundEmail.objects.values("status").annotate(n=Count("pk"))})


def unfinished(quiet: bool) -> int:
    """Rows not yet sent, failed or cancelled; aftercare rows rightly waiting in quiet hours
    do not count."""
    from bookings.models import OutboundEmail

    rows = OutboundEmail.objects.exclude(status__in=FINAL)
    if quiet:
        rows = rows.exclude(kind__in=OutboundEmail.AFTERCARE)
    return rows.count()


def sample(at: float, arrived: int) -> str:
    """One line of the run's timeline: the rows by status, and the broker's queue and
    unacknowledged messages (Redis may be down for a moment)."""
    import redis

    try:
        broker = redis.Redis.from_url(BROKER_URL, socket_timeout=1)
        queue = f"queued {broker.llen('celery')}, unacked {broker.hlen('unacked')}"
    except redis.RedisError:
        queue = "Redis not answering"
    counts = ", ".join(f"{status} {n}" for status, n in sorted(statuses().items()))
    return f"{at:6.1f} s  arrived {arrived}  rows: {counts}  broker: {queue}"


def dispatch() -> int:
    from bookings.messaging.outbox import outbound_emails_dispatch

    return outbound_emails_dispatch()


def admin_failed_changelist() -> tuple[int, int, int, int]:
    """What an admin sees at the OutboundEmail changelist filtered by status=failed: the
    count it states, and how many of the listed rows (its first page) show a 550."""
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    admin = get_user_model().objects.create_superuser("benchadmin", "admin@clinic.example", None)
    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=plain, SECURE_SSL_REDIRECT=False):
        client = Client()
        client.force_login(admin)
        response = client.get("/admin/bookings/outboundemail/?status__exact=failed")
    html = response.content.decode()
    stated = re.search(r"(\d+) outbound emails?", html)
    rows = len(re.findall(r'name="_selected_action"', html))
    with_550 = len(re.findall(r"<td class=\"field-last_error\">[^<]*550", html))
    return response.status_code, int(stated.group(1)) if stated else -1, rows, with_550


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=MODES, default="throughput")
    parser.add_argument("--kill", action="store_true", help="the same as --mode kill")
    args = parser.parse_args()
    # kill -USR1 <bench pid> prints every thread's stack: what a stalled run is waiting on.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    mode = "kill" if args.kill else args.mode
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")

    sys.stdout.reconfigure(line_buffering=True)
    # The admin check runs with DEBUG off and no collected static files; it needs none.
    warnings.filterwarnings("ignore", message="No directory at")
    # A SIGTERM or SIGHUP (timeout, a closed terminal) unwinds like Ctrl-C, so the worker is
    # stopped and, in the redis mode, Redis started again.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    if mode == "redis":
        # Whatever happens (an error, Ctrl-C, a SIGTERM), Redis is running when the bench ends.
        atexit.register(redis_start)

    refusals = (
        {"refuse_recipients": bounced_addresses(), "temporary_share": TEMPORARY_SHARE} if mode == "refuse" else {}
    )
    with SMTPServer(**refusals) as smtp:
        env = django_env(smtp)
        prepare(env)

        from django.conf import settings
        from django.utils import timezone

        from bookings.clinical import aftercare
        from bookings.models import OutboundEmail

        rows = {
            email.message_id: (email.pk, email.kind, email.to_email)
            for email in OutboundEmail.objects.only("pk", "kind", "to_email")
        }
        aftercare_ids = {mid for mid, (_, kind, _) in rows.items() if kind in OutboundEmail.AFTERCARE}
        started_london = timezone.localtime()
        quiet_at_start = aftercare.is_quiet_time(timezone.now())

        logs = []

        def new_worker() -> subprocess.Popen:
            logs.append(LOG_DIR / f"{stamp}-{mode}-worker-{len(logs)}.log")
            return start_worker(env, logs[-1])

        worker = new_worker()
        faults: list[str] = []
        last_fault = None
        dispatches: list[tuple[float, int]] = []
        try:
            if not worker_ready(timeout=60):
                raise RuntimeError("the worker did not answer a ping within 60 s")
            load_before = os.getloadavg()[0]
            began, began_wall = time.monotonic(), time.time()
            dispatches.append((0.0, dispatch()))
            kills_done = 0
            last_sample, timeline = began, []
            redis_done = False
            deadline = began + DEADLINE[mode]
            quiet = quiet_at_start
            while time.monotonic() < deadline:
                arrived = len(smtp.inbox.message_ids)
                if mode == "kill" and kills_done < len(KILL_AT) and arrived >= KILL_AT[kills_done] * COUNT:
                    killed_at = time.monotonic()
                    members = kill_group(worker)
                    worker = new_worker()
                    last_fault = time.monotonic()
                    kills_done += 1
                    faults.append(
                        f"SIGKILL {kills_done} to the worker's group ({members} processes) at {killed_at - began:.1f} s "
                        f"with {arrived} arrived; new worker started at {last_fault - began:.1f} s"
                    )
                if mode == "redis" and not redis_done and arrived >= REDIS_DOWN_AT * COUNT:
                    down, up = redis_restart_empty()
                    redis_done, last_fault = True, up
                    faults.append(
                        f"Redis shut down (nosave) at {down - began:.1f} s with {arrived} arrived, "
                        f"running again (empty) at {up - began:.1f} s: {up - down:.1f} s without Redis"
                    )
                if time.monotonic() - began >= settings.OUTBOX_DISPATCH_EVERY_SECONDS * len(dispatches):
                    dispatches.append((time.monotonic() - began, dispatch()))
                quiet = aftercare.is_quiet_time(timezone.now())
                if time.monotonic() - last_sample >= 2:
                    last_sample = time.monotonic()
                    timeline.append(sample(last_sample - began, len(smtp.inbox)))
                faults_pending = (mode == "kill" and kills_done < len(KILL_AT)) or (mode == "redis" and not redis_done)
                if not faults_pending and unfinished(quiet) == 0:
                    break
                time.sleep(0.5)
            ended = time.monotonic()
            load_after = os.getloadavg()[0]
        finally:
            stop(worker)
            if mode == "redis":
                redis_start()

        final = statuses()
        attempts_per_row = Counter(OutboundEmail.objects.values_list("attempts", flat=True))
        accepted = dict(smtp.inbox.message_ids)
        attempts = dict(smtp.inbox.attempts)
        accepted_at = {mid: list(times) for mid, times in smtp.inbox.accepted_at.items()}
        refused_451 = set(smtp.inbox.refused_temporarily)
        refused_451_at = dict(smtp.inbox.refused_temporarily_at)
        sent_ids = {email.message_id for email in OutboundEmail.objects.filter(status="sent").only("pk")}
        failed = list(OutboundEmail.objects.filter(status="failed").values_list("to_email", "last_error"))
        waiting_aftercare = {
            email.message_id
            for email in OutboundEmail.objects.filter(kind__in=OutboundEmail.AFTERCARE)
            .exclude(status__in=FINAL)
            .only("pk")
        }
        retried_rows = OutboundEmail.objects.filter(pk__in=[rows[mid][0] for mid in refused_451 if mid in rows])
        retried_sent_twice = retried_rows.filter(status="sent", attempts=2).count()
        admin = admin_failed_changelist() if mode == "refuse" else None
        confirmation_ids = {mid for mid, (_, kind, _) in rows.items() if kind == "booking_confirmation"}
        with_ics = {
            message["Message-ID"]
            for message in smtp.inbox.messages
            if message["Message-ID"] in confirmation_ids
            and any(part.get_content_type() == "text/calendar" for part in message.walk())
        }
        lease, redispatch = settings.OUTBOX_CLAIM_LEASE_SECONDS, settings.OUTBOX_REDISPATCH_SECONDS

    bounced = set(bounced_addresses()) if mode == "refuse" else set()
    expected_failed = sum(1 for _, _, to in rows.values() if to in bounced)
    # Due to arrive: every row but those to refused addresses, and aftercare rightly waiting
    # for 08:00 when the run ends in quiet hours.
    due = {mid for mid, (_, _, to) in rows.items() if to not in bounced} - (waiting_aftercare if quiet else set())
    due_to_arrive = len(due)
    foreign = set(accepted) - set(rows)
    duplicates = sum(count - 1 for count in accepted.values() if count > 1)
    unique = len(set(accepted) & set(rows))
    lost = len(due - set(accepted))
    sent_not_accepted = len(sent_ids - set(accepted))
    all_times = [t for times in accepted_at.values() for t in times]
    last_delivery = max(all_times) - began_wall if all_times else float("nan")
    aftercare_at_night = sum(
        1
        for mid in aftercare_ids & set(accepted_at)
        for t in accepted_at[mid]
        if aftercare.is_quiet_time(dt.datetime.fromtimestamp(t, tz=dt.UTC))
    )
    failed_550 = sum(1 for _, error in failed if "550" in error)
    kinds = Counter(kind for _, kind, _ in rows.values())

    print(
        f"Mode {mode}: {COUNT} due emails, started {started_london:%Y-%m-%d %H:%M} London "
        f"({'IN quiet hours: aftercare rightly waits' if quiet_at_start else 'outside quiet hours'}); "
        f"lease {lease} s, redispatch {redispatch} s, dispatcher every {settings.OUTBOX_DISPATCH_EVERY_SECONDS} s; "
        f"worker {CONCURRENCY} processes, prefetch {PREFETCH}"
    )
    print(
        f"  machine: 2 cores shared with other work; 1-minute load average {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end"
    )
    print("  mix: " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())))
    print(f"  confirmations accepted with their .ics (text/calendar) attachment: {len(with_ics)}")
    for fault in faults:
        print(f"  fault: {fault}")
    print("  dispatcher runs (s, rows): " + ", ".join(f"{at:.0f} s: {n}" for at, n in dispatches))
    print(
        f"  delivered unique: {unique} of {due_to_arrive} due to arrive; duplicates (same Message-ID): {duplicates}"
        f" on {sum(1 for c in accepted.values() if c > 1)} emails; Message-IDs matching no row: {len(foreign)}"
    )
    print(
        f"  lost: {lost}; recorded sent but never accepted: {sent_not_accepted}; failed: {final['failed']}"
        f" ({failed_550} with 550, {expected_failed} expected)"
    )
    print(
        f"  final statuses: {dict(sorted(final.items()))}; attempts per row: {dict(sorted(attempts_per_row.items()))}"
    )
    print(
        f"  time to deliver: {last_delivery:.1f} s (first dispatch to the last acceptance); run ended at {ended - began:.1f} s"
    )
    recovery = None
    if last_fault is not None:
        recovery = max(all_times) - (began_wall + (last_fault - began))
        print(f"  time from last fault to last delivery: {recovery:.1f} s (target under {RECOVERY_TARGET} s)")
    if refused_451_at:
        # The faults here are the 451s: how long after the last one the last email arrived,
        # and how long each refused email waited for its retry to be accepted.
        waits = sorted(accepted_at[mid][0] - at for mid, at in refused_451_at.items() if mid in accepted_at)
        print(
            f"  time from the last 451 to the last delivery: {max(all_times) - max(refused_451_at.values()):.1f} s; "
            f"from each 451 to its retry accepted: {waits[0]:.0f} to {waits[-1]:.0f} s, median {waits[len(waits) // 2]:.0f} s"
        )
    print(
        f"  aftercare: {len(aftercare_ids & set(accepted))} of {len(aftercare_ids)} accepted, {aftercare_at_night}"
        f" accepted in quiet hours, {len(waiting_aftercare)} still waiting"
        + (" (quiet hours: due at 08:00 London, not runnable now)" if quiet and waiting_aftercare else "")
    )
    if mode == "refuse":
        retried_ok = sum(1 for mid in refused_451 if accepted.get(mid, 0) >= 1)
        print(
            f"  451: {len(refused_451)} emails refused once ({len(refused_451) / COUNT:.1%}); "
            f"{retried_ok} of them accepted on a later attempt; {retried_sent_twice} rows sent with attempts=2; "
            f"server attempts: {sum(attempts.values())} for {len(attempts)} Message-IDs"
        )
        status, stated, listed, with_550 = admin
        print(
            f"  admin: /admin/bookings/outboundemail/?status__exact=failed answered {status}, states {stated} "
            f"failed, first page lists {listed} rows, {with_550} showing a 550"
        )
    timeline_file = LOG_DIR / f"{stamp}-{mode}-timeline.txt"
    timeline_file.write_text("\n".join(timeline) + "\n")
    print(
        f"  worker logs: {', '.join(str(log.relative_to(ROOT)) for log in logs)}; timeline: {timeline_file.relative_to(ROOT)}"
    )

    problems = []
    if lost:
        problems.append(f"{lost} lost")
    if sent_not_accepted:
        problems.append(f"{sent_not_accepted} recorded sent but never accepted")
    if foreign:
        problems.append(f"{len(foreign)} Message-IDs matching no row")
    if aftercare_at_night:
        problems.append(f"{aftercare_at_night} aftercare accepted in quiet hours")
    if mode == "throughput" and duplicates:
        problems.append(f"{duplicates} duplicates with no fault")
    if mode in TARGET and last_delivery >= TARGET[mode]:
        problems.append(f"{last_delivery:.1f} s is over the {TARGET[mode]} s target")
    if recovery is not None and recovery >= RECOVERY_TARGET:
        problems.append(f"{recovery:.1f} s from the last fault is over {RECOVERY_TARGET} s")
    if final["failed"] != expected_failed or failed_550 != expected_failed:
        problems.append(f"{final['failed']} failed where {expected_failed} (the 550s) were expected")
    if mode == "refuse":
        if any(accepted.get(mid, 0) < 1 for mid in refused_451):
            problems.append("a 451 was never retried")
        if admin[0] != 200 or admin[1] != expected_failed:
            problems.append("the admin's failed list does not show every 550")
    print("OK" if not problems else "FELL SHORT: " + "; ".join(problems))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
