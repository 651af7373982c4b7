"""The email outbox against real services, in the shape `make run` and docker-compose run it:
10,000 due emails of the clinic's real mix, a send worker (four pool processes, the "celery"
queue), the dispatcher's own worker (the "dispatch" queue), the real `celery beat`,
PostgreSQL, Redis and an SMTP server on 127.0.0.1 that counts what it accepts by Message-ID.

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
import datetime as dt
import faulthandler
import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from outbox_measure import (  # noqa: E402 - a sibling module, found from bench/
    admin_failed_changelist,
    dispatch_through_the_queue,
    dispatcher_runs,
    sample,
    statuses,
    unfinished,
)
from outbox_rig import (  # noqa: E402
    CONCURRENCY,
    COUNT,
    DEADLINE,
    FINAL,
    KILL_AT,
    LOG_DIR,
    MODES,
    PREFETCH,
    RECOVERY_TARGET,
    REDIS_DOWN_AT,
    TARGET,
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
    # A SIGTERM or SIGHUP (timeout, a closed terminal) unwinds like Ctrl-C, so the workers and
    # beat are stopped and, in the redis mode, Redis started again.
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
        if not rows:
            raise RuntimeError("no emails to send (BENCH_EMAILS is 0?): the bench would measure nothing")
        aftercare_ids = {mid for mid, (_, kind, _) in rows.items() if kind in OutboundEmail.SENDING_HOURS_ONLY}
        started_london = timezone.localtime()
        quiet_at_start = aftercare.is_quiet_time(timezone.now())

        logs = []

        def new_worker() -> subprocess.Popen:
            logs.append(LOG_DIR / f"{stamp}-{mode}-worker-{len(logs)}.log")
            return start_worker(env, logs[-1])

        # As `make run` and docker-compose run them: the dispatcher's worker and beat, which
        # no fault here touches, and the send worker, which the kill mode kills.
        dispatcher_log, beat_log = LOG_DIR / f"{stamp}-{mode}-dispatcher.log", LOG_DIR / f"{stamp}-{mode}-beat.log"
        dispatcher = start_worker(env, dispatcher_log, queue=settings.OUTBOX_DISPATCH_QUEUE, concurrency=1)
        beat = start_beat(env, beat_log, LOG_DIR / f"{stamp}-{mode}-beat-schedule")
        worker = new_worker()
        faults: list[str] = []
        last_fault = None
        # Rows a killed worker had claimed and not recorded: they come back only by the lease
        # and beat's dispatcher, which is what the kill mode measures.
        stranded: set[int] = set()
        try:
            if not workers_ready(2, timeout=90):
                raise RuntimeError("the send and dispatch workers did not both answer a ping within 90 s")
            load_before = os.getloadavg()
            began, began_wall = time.monotonic(), time.time()
            dispatch_through_the_queue()  # beat's first tick, which would come 30 s after it started
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
                    stranded |= set(OutboundEmail.objects.filter(status="inflight").values_list("pk", flat=True))
                    worker = new_worker()
                    last_fault = time.monotonic()
                    kills_done += 1
                    faults.append(
                        f"SIGKILL {kills_done} to the send worker's group ({members} processes) at "
                        f"{killed_at - began:.1f} s with {arrived} arrived; new one started at {last_fault - began:.1f} s"
                    )
                if mode == "redis" and not redis_done and arrived >= REDIS_DOWN_AT * COUNT:
                    down, up = redis_restart_empty()
                    redis_done, last_fault = True, up
                    faults.append(
                        f"Redis shut down (nosave) at {down - began:.1f} s with {arrived} arrived, "
                        f"running again (empty) at {up - began:.1f} s: {up - down:.1f} s without Redis"
                    )
                quiet = aftercare.is_quiet_time(timezone.now())
                if time.monotonic() - last_sample >= 2:
                    last_sample = time.monotonic()
                    timeline.append(sample(last_sample - began, len(smtp.inbox)))
                faults_pending = (mode == "kill" and kills_done < len(KILL_AT)) or (mode == "redis" and not redis_done)
                if not faults_pending and unfinished(quiet) == 0:
                    break
                time.sleep(0.5)
            ended = time.monotonic()
            load_after = os.getloadavg()
        finally:
            for process in (worker, beat, dispatcher):
                stop(process)
            if mode == "redis":
                redis_start()
        dispatches = dispatcher_runs(dispatcher_log, began_wall)

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
            for email in OutboundEmail.objects.filter(kind__in=OutboundEmail.SENDING_HOURS_ONLY)
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
        f"  machine: 2 cores shared with other work; load averages (1, 5, 15 min) "
        f"{' '.join(f'{n:.2f}' for n in load_before)} at the start, {' '.join(f'{n:.2f}' for n in load_after)} at the end"
    )
    print("  mix: " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())))
    print(f"  confirmations accepted with their .ics (text/calendar) attachment: {len(with_ics)}")
    for fault in faults:
        print(f"  fault: {fault}")
    print(
        f"  dispatcher runs by beat through its own queue and worker ({len(dispatches)}; s, rows handed over): "
        + ", ".join(f"{at:.0f} s: {n}" for at, n in dispatches)
    )
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
    if stranded:
        # When the last of them reached the server (its first acceptance: a copy came later).
        by_pk = {pk: mid for mid, (pk, _, _) in rows.items()}
        firsts = [min(accepted_at[by_pk[pk]]) for pk in stranded if by_pk[pk] in accepted_at]
        stranded_recovery = max(firsts) - (began_wall + (last_fault - began)) if firsts else float("nan")
        print(
            f"  stranded by the kills (claimed, not recorded): {len(stranded)}, {len(firsts)} delivered; "
            f"the last of them {stranded_recovery:.1f} s after the last restart (target under {RECOVERY_TARGET} s)"
        )
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
        f"  kept to sending hours (reminders, aftercare): {len(aftercare_ids & set(accepted))} of {len(aftercare_ids)} accepted, {aftercare_at_night}"
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
        f"  logs: {', '.join(str(log.relative_to(ROOT)) for log in [*logs, dispatcher_log, beat_log])}; "
        f"timeline: {timeline_file.relative_to(ROOT)}"
    )

    problems = []
    if not unique:
        problems.append("nothing was delivered: the bench measured nothing")
    if not dispatches:
        problems.append("beat's dispatcher never ran on its worker")
    if lost:
        problems.append(f"{lost} lost")
    if sent_not_accepted:
        problems.append(f"{sent_not_accepted} recorded sent but never accepted")
    if foreign:
        problems.append(f"{len(foreign)} Message-IDs matching no row")
    if aftercare_at_night:
        problems.append(f"{aftercare_at_night} emails kept to sending hours accepted in quiet hours")
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
