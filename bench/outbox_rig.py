"""The rig bench_outbox.py drives: its database and rows, the settings pointing at the local
SMTP server, Redis, and the workers and beat as make run starts them (outbox_measure.py reads
what they did)."""

import datetime as dt
import math
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
from tests.workers import wait_for  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clinic_bench_outbox"
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11")
COUNT = int(os.environ.get("BENCH_EMAILS", 10_000))
# Sending email is partly waiting on the database and the SMTP server: two pool processes
# per core keep both cores busy (eight measured no faster, only more memory).
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 4))
PREFETCH = int(os.environ.get("BENCH_PREFETCH", 1))
MODES = ("throughput", "kill", "redis", "refuse", "freeze")
# The longest a run may take before it gives up, generously above each target.
DEADLINE = {"throughput": 300, "kill": 480, "redis": 420, "refuse": 420, "freeze": 480}
TARGET = {"throughput": 60}  # seconds to deliver everything
RECOVERY_TARGET = 120  # seconds from the last fault to the last delivery
KILL_AT = (0.10, 0.25, 0.40, 0.55, 0.70)  # shares of the emails arrived
REDIS_DOWN_AT = 0.30
REDIS_OUTAGE = 3.0  # seconds with no Redis at all
FREEZE_AT = 0.30  # share of the emails arrived when PostgreSQL is frozen
FREEZE_SECONDS = float(os.environ.get("BENCH_FREEZE_SECONDS", 60))
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


def django_env(smtp: SMTPServer, database_url: str = DATABASE_URL) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Production's lease and redispatch times, whatever the shell says.
        if key not in {"OUTBOX_CLAIM_LEASE_SECONDS", "OUTBOX_REDISPATCH_SECONDS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=database_url,
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


def start_worker(env, log: Path, *, queue: str = "celery", concurrency: int = CONCURRENCY) -> subprocess.Popen:
    """A worker as the Makefile and docker-compose start one, on one queue."""
    return _start(
        env,
        log,
        [
            "worker",
            "--loglevel=INFO",  # each task received and its result, to the log file
            f"--concurrency={concurrency}",
            f"--prefetch-multiplier={PREFETCH}",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
    )


def start_beat(env, log: Path, schedule: Path) -> subprocess.Popen:
    """The real celery beat, with a schedule file of the run's own."""
    return _start(env, log, ["beat", "--loglevel=INFO", "--schedule", str(schedule)])


def _start(env, log: Path, arguments: list[str]) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "clinic", *arguments],
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


def workers_ready(count: int, timeout: float) -> bool:
    from clinic.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if len(app.control.ping(timeout=1.0)) >= count:
                return True
        except Exception:  # the broker not there yet
            pass
        time.sleep(0.5)
    return False


# --- the data ----------------------------------------------------------------------------


def prepare(env) -> None:
    """Recreates the bench's database on the machine's PostgreSQL (a private server's is new
    already), empties the broker's database, and builds the rows."""
    import psycopg
    import redis

    if env["DATABASE_URL"] == DATABASE_URL:
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
