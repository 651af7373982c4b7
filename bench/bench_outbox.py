"""The email outbox against real services, in the shape `make run` and docker-compose run it:
10,000 due emails of the clinic's real mix, a send worker (four pool processes, the "celery"
queue), the dispatcher's own worker (the "dispatch" queue), the real `celery beat`,
PostgreSQL, Redis and an SMTP server on 127.0.0.1 that counts what it accepts by Message-ID.

Run: .venv/bin/python bench/bench_outbox.py --mode throughput   (no faults: under 60 s?)
     .venv/bin/python bench/bench_outbox.py --mode kill         (the worker SIGKILLed 5 times)
     .venv/bin/python bench/bench_outbox.py --mode redis        (Redis stopped, restarted empty)
     .venv/bin/python bench/bench_outbox.py --mode refuse       (20% answered 451 once, some 550)
     .venv/bin/python bench/bench_outbox.py --mode freeze       (PostgreSQL SIGSTOPped for 60 s)
     (--kill is the old spelling of --mode kill.)

The mix: for every sixth of the emails, a booking confirmation (with its .ics attachment), a
new-booking notice to the therapist and a reminder, each about an upcoming booking, and the
three aftercare emails (the rest of today, the next day, the check-in) about an attended
booking with its session notes. All are due when the run starts.

The production settings apply in every mode: DEBUG off, acks late, prefetch 1, the claim lease
(OUTBOX_CLAIM_LEASE_SECONDS, 60 s) and the redispatch time (OUTBOX_REDISPATCH_SECONDS, 60 s)
at their defaults (the bench removes any override from its environment), and the retry
backoff as it is in bookings/messaging/outbox.py (1 min, 5 min, ...). The dispatcher is run
only by beat, through its queue and its worker (every OUTBOX_DISPATCH_EVERY_SECONDS, 30 s):
the bench never calls it. The clock starts when the bench sends one dispatch task through the
same queue, as beat's first tick would, so a run does not open with 30 s of waiting.

- throughput: no faults; the target is all delivered within 60 s.
- kill (or --kill): the send worker's whole process group (the main process and its pool)
  gets SIGKILL when 10, 25, 40, 55 and 70% of the emails have arrived, and a new one starts
  each time; beat and the dispatcher's worker run on. The emails the dead workers held come
  back when their claims run out (60 s) and beat's dispatcher hands their rows over again (60 s
  after it last did). Target: 0 lost, and every stranded email delivered within 120 s of the
  last restart.
- redis: when 30% have arrived, Redis is shut down without saving and started again empty a
  few seconds later (the machine's own command line), so every queued message is lost; the
  dispatcher hands the rows over again after 60 s. Redis is started again on the way out,
  whatever happens.
- refuse: the server answers 451 to 20% of the messages (picked by a hash of the Message-ID)
  on their first attempt only, so each is retried once after the real 1-minute backoff, and
  550 to every message for one client in 50 (refused at RCPT); those must end FAILED and show
  in the admin's changelist of outbound emails filtered by status, read by an admin who logs in
  as staff must: password, then a code from the authenticator app (computed from its secret).
- freeze: the run uses a PostgreSQL server of its own (tests/private_postgres.py: initdb in a
  temporary folder, a free port, run as the postgres user when the bench runs as root), so the
  machine's server is never touched. When 30% have arrived, it and every backend get SIGSTOP
  (as a stalled machine or disk would leave them: connections stay open, nothing answers) for
  BENCH_FREEZE_SECONDS (60), then SIGCONT; the send worker, the dispatcher's worker and beat run
  on throughout. Target: 0 lost, 0 duplicates, every email delivered, and the last delivery
  within 120 s of the wake-up; it also prints how long after the wake-up the first email was
  accepted, and how many arrived during the freeze (sends already past the database). Expected
  lines (figures vary):

      fault: PostgreSQL frozen (SIGSTOP) at 9.8 s with 3012 arrived, woken at 69.8 s ...
      recovery after the wake-up: first email accepted 1.2 s after it, the last 31.0 s after it
      delivered unique: 10000 of 10000 due to arrive; duplicates (same Message-ID): 0 ...
      OK

Each mode prints: emails, delivered unique, duplicates (the same Message-ID accepted again),
lost (due and never accepted), failed, time to deliver, time from the last fault to the last
delivery, the dispatcher's runs (from its worker's log), and whether any email kept to
sending hours (reminders, aftercare) was accepted in London's quiet hours (20:00-08:00). If
the run is in quiet hours those rows rightly wait; they are counted as waiting, not lost, and
the summary says so. A run with nothing to send fails: it measured nothing.

BENCH_EMAILS sets the count (10,000 unless set). It recreates the database
clinic_bench_outbox and uses only Redis database 11 unless BENCH_BROKER_URL names another
(the redis mode restarts the whole Redis server, which other databases share: its outage
lasts a few seconds). Every loop and wait is bounded.
"""

import argparse
import atexit
import contextlib
import faulthandler
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from outbox_measure import dispatch_through_the_queue, sample, unfinished  # noqa: E402 - siblings in bench/
from outbox_report import collect, judge, report  # noqa: E402
from outbox_rig import (  # noqa: E402
    COUNT,
    DEADLINE,
    FREEZE_AT,
    FREEZE_SECONDS,
    KILL_AT,
    LOG_DIR,
    MODES,
    REDIS_DOWN_AT,
    TEMPORARY_SHARE,
    bounced_addresses,
    django_env,
    kill_group,
    prepare,
    redis_restart_empty,
    redis_start,
    start_beat,
    start_worker,
    stop,
    workers_ready,
)

from tests.smtp import SMTPServer  # noqa: E402


def main() -> int:
    mode = parsed_mode()
    prepare_process(mode)
    refusals = (
        {"refuse_recipients": bounced_addresses(), "temporary_share": TEMPORARY_SHARE} if mode == "refuse" else {}
    )
    with SMTPServer(**refusals) as smtp, database_for(mode) as database:
        prepare(django_env(smtp, database.url()) if database else django_env(smtp))
        run = Run(mode, smtp, database)
        run.start_services()
        try:
            run.drive()
        finally:
            run.stop_services()
        outcome = collect(run)
    report(outcome)
    problems = judge(outcome)
    print("OK" if not problems else "FELL SHORT: " + "; ".join(problems))
    return 0 if not problems else 1


def parsed_mode() -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=MODES, default="throughput")
    parser.add_argument("--kill", action="store_true", help="the same as --mode kill")
    args = parser.parse_args()
    return "kill" if args.kill else args.mode


def prepare_process(mode: str) -> None:
    # kill -USR1 <bench pid> prints every thread's stack: what a stalled run is waiting on.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    sys.stdout.reconfigure(line_buffering=True)
    # The admin check runs with DEBUG off and no collected static files; it needs none.
    warnings.filterwarnings("ignore", message="No directory at")
    # A SIGTERM or SIGHUP (timeout, a closed terminal) unwinds like Ctrl-C, so the workers and
    # beat are stopped, a frozen database thawed and, in the redis mode, Redis started again.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    if mode == "redis":
        # Whatever happens (an error, Ctrl-C, a SIGTERM), Redis is running when the bench ends.
        atexit.register(redis_start)


@contextlib.contextmanager
def database_for(mode: str):
    """The freeze mode's own PostgreSQL server (None in the other modes: the machine's)."""
    if mode != "freeze":
        yield None
        return
    from tests.private_postgres import PrivatePostgres

    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()  # thaws it first, whatever state it was left in


class Run:
    """The services as `make run` starts them, the faults of the mode, and what happened."""

    def __init__(self, mode: str, smtp: SMTPServer, database):
        from django.conf import settings
        from django.utils import timezone

        from bookings.clinical import aftercare
        from bookings.models import OutboundEmail

        self.mode, self.smtp, self.database, self.settings = mode, smtp, database, settings
        self.env = django_env(smtp, database.url()) if database else django_env(smtp)
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.rows = {
            email.message_id: (email.pk, email.kind, email.to_email)
            for email in OutboundEmail.objects.only("pk", "kind", "to_email")
        }
        if not self.rows:
            raise RuntimeError("no emails to send (BENCH_EMAILS is 0?): the bench would measure nothing")
        self.started_london = timezone.localtime()
        self.quiet_at_start = self.quiet = aftercare.is_quiet_time(timezone.now())
        self.logs: list[Path] = []
        self.faults: list[str] = []
        self.last_fault: float | None = None
        self.woke_wall: float | None = None
        self.arrived_frozen = 0
        # Rows a killed worker had claimed and not recorded: they come back only by the lease
        # and beat's dispatcher, which is what the kill mode measures.
        self.stranded: set[int] = set()
        self.kills_done, self.redis_done, self.frozen_done = 0, False, False
        self.timeline: list[str] = []

    def log(self, name: str) -> Path:
        return LOG_DIR / f"{self.stamp}-{self.mode}-{name}"

    def new_worker(self) -> subprocess.Popen:
        self.logs.append(self.log(f"worker-{len(self.logs)}.log"))
        return start_worker(self.env, self.logs[-1])

    def start_services(self) -> None:
        """As `make run` and docker-compose run them: the dispatcher's worker and beat, which
        no fault here touches, and the send worker, which the kill mode kills."""
        self.dispatcher_log, self.beat_log = self.log("dispatcher.log"), self.log("beat.log")
        self.dispatcher = start_worker(
            self.env, self.dispatcher_log, queue=self.settings.OUTBOX_DISPATCH_QUEUE, concurrency=1
        )
        self.beat = start_beat(self.env, self.beat_log, self.log("beat-schedule"))
        self.worker = self.new_worker()

    def stop_services(self) -> None:
        for process in (self.worker, self.beat, self.dispatcher):
            stop(process)
        if self.mode == "redis":
            redis_start()

    def drive(self) -> None:
        """Starts the clock, applies the mode's faults as the emails arrive, and returns when
        everything due is finished (or at the mode's deadline)."""
        if not workers_ready(2, timeout=90):
            raise RuntimeError("the send and dispatch workers did not both answer a ping within 90 s")
        self.load_before = _loadavg()
        self.began, self.began_wall = time.monotonic(), time.time()
        dispatch_through_the_queue()  # beat's first tick, which would come 30 s after it started
        last_sample, deadline = self.began, self.began + DEADLINE[self.mode]
        while time.monotonic() < deadline:
            self.apply_faults(len(self.smtp.inbox.message_ids))
            self.quiet = _quiet_now()
            if time.monotonic() - last_sample >= 2:
                last_sample = time.monotonic()
                self.timeline.append(sample(last_sample - self.began, len(self.smtp.inbox)))
            if not self.faults_pending() and unfinished(self.quiet) == 0:
                break
            time.sleep(0.5)
        self.ended, self.load_after = time.monotonic(), _loadavg()

    def faults_pending(self) -> bool:
        return (
            (self.mode == "kill" and self.kills_done < len(KILL_AT))
            or (self.mode == "redis" and not self.redis_done)
            or (self.mode == "freeze" and not self.frozen_done)
        )

    def apply_faults(self, arrived: int) -> None:
        if self.mode == "kill" and self.kills_done < len(KILL_AT) and arrived >= KILL_AT[self.kills_done] * COUNT:
            self.kill_worker(arrived)
        if self.mode == "redis" and not self.redis_done and arrived >= REDIS_DOWN_AT * COUNT:
            down, up = redis_restart_empty()
            self.redis_done, self.last_fault = True, up
            self.faults.append(
                f"Redis shut down (nosave) at {down - self.began:.1f} s with {arrived} arrived, "
                f"running again (empty) at {up - self.began:.1f} s: {up - down:.1f} s without Redis"
            )
        if self.mode == "freeze" and not self.frozen_done and arrived >= FREEZE_AT * COUNT:
            self.freeze_database(arrived)

    def kill_worker(self, arrived: int) -> None:
        from bookings.models import OutboundEmail

        killed_at = time.monotonic()
        members = kill_group(self.worker)
        self.stranded |= set(OutboundEmail.objects.filter(status="inflight").values_list("pk", flat=True))
        self.worker = self.new_worker()
        self.last_fault = time.monotonic()
        self.kills_done += 1
        self.faults.append(
            f"SIGKILL {self.kills_done} to the send worker's group ({members} processes) at "
            f"{killed_at - self.began:.1f} s with {arrived} arrived; new one started at {self.last_fault - self.began:.1f} s"
        )

    def freeze_database(self, arrived: int) -> None:
        """SIGSTOP to the server and its backends for FREEZE_SECONDS, then SIGCONT. The bench
        asks the database nothing meanwhile (it would wait too); it counts arrivals only."""
        frozen_at = time.monotonic()
        self.database.freeze()
        try:
            while time.monotonic() - frozen_at < FREEZE_SECONDS:
                time.sleep(1)
                at = time.monotonic() - self.began
                self.timeline.append(f"{at:6.1f} s  arrived {len(self.smtp.inbox)}  (PostgreSQL frozen)")
        finally:
            self.database.thaw()
        self.last_fault, self.woke_wall, self.frozen_done = time.monotonic(), time.time(), True
        self.arrived_frozen = len(self.smtp.inbox.message_ids) - arrived
        self.faults.append(
            f"PostgreSQL frozen (SIGSTOP) at {frozen_at - self.began:.1f} s with {arrived} arrived, woken (SIGCONT)"
            f" at {self.last_fault - self.began:.1f} s; {self.arrived_frozen} more arrived while it was frozen"
        )


def _loadavg() -> tuple[float, ...]:
    return os.getloadavg()


def _quiet_now() -> bool:
    from django.utils import timezone

    from bookings.clinical import aftercare

    return aftercare.is_quiet_time(timezone.now())


if __name__ == "__main__":
    sys.exit(main())
