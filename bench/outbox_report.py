"""What bench_outbox.py found at the end of a run: collected from the database, the SMTP server
and the dispatcher's log (collect), printed (report) and judged against the targets (judge)."""

import datetime as dt
from collections import Counter
from types import SimpleNamespace as Outcome

from outbox_measure import admin_failed_changelist, dispatcher_runs, statuses  # siblings in bench/
from outbox_rig import CONCURRENCY, COUNT, FINAL, PREFETCH, RECOVERY_TARGET, ROOT, TARGET, bounced_addresses


def collect(run) -> Outcome:
    """Everything the report needs, read while the run's database is still there."""
    from django.conf import settings

    from bookings.models import OutboundEmail

    inbox = run.smtp.inbox
    out = Outcome(run=run, mode=run.mode, rows=run.rows)
    out.dispatches = dispatcher_runs(run.dispatcher_log, run.began_wall)
    out.final = statuses()
    out.attempts_per_row = Counter(OutboundEmail.objects.values_list("attempts", flat=True))
    out.accepted = dict(inbox.message_ids)
    out.attempts = dict(inbox.attempts)
    out.accepted_at = {mid: list(times) for mid, times in inbox.accepted_at.items()}
    out.refused_451 = set(inbox.refused_temporarily)
    out.refused_451_at = dict(inbox.refused_temporarily_at)
    out.sent_ids = {email.message_id for email in OutboundEmail.objects.filter(status="sent").only("pk")}
    out.failed = list(OutboundEmail.objects.filter(status="failed").values_list("to_email", "last_error"))
    out.waiting_aftercare = {
        email.message_id
        for email in OutboundEmail.objects.filter(kind__in=OutboundEmail.SENDING_HOURS_ONLY)
        .exclude(status__in=FINAL)
        .only("pk")
    }
    refused_pks = [run.rows[mid][0] for mid in out.refused_451 if mid in run.rows]
    out.retried_sent_twice = OutboundEmail.objects.filter(pk__in=refused_pks, status="sent", attempts=2).count()
    out.admin = admin_failed_changelist() if run.mode == "refuse" else None
    confirmation_ids = {mid for mid, (_, kind, _) in run.rows.items() if kind == "booking_confirmation"}
    out.with_ics = {
        message["Message-ID"]
        for message in inbox.messages
        if message["Message-ID"] in confirmation_ids
        and any(part.get_content_type() == "text/calendar" for part in message.walk())
    }
    out.aftercare_ids = {mid for mid, (_, kind, _) in run.rows.items() if kind in OutboundEmail.SENDING_HOURS_ONLY}
    out.lease, out.redispatch = settings.OUTBOX_CLAIM_LEASE_SECONDS, settings.OUTBOX_REDISPATCH_SECONDS
    out.dispatch_every = settings.OUTBOX_DISPATCH_EVERY_SECONDS
    derive(out)
    return out


def derive(out: Outcome) -> None:
    """The figures: what was due, lost, duplicated, and when the last of it arrived."""
    from bookings.clinical import aftercare

    run, accepted = out.run, out.accepted
    bounced = set(bounced_addresses()) if out.mode == "refuse" else set()
    out.expected_failed = sum(1 for _, _, to in out.rows.values() if to in bounced)
    # Due to arrive: every row but those to refused addresses, and aftercare rightly waiting
    # for 08:00 when the run ends in quiet hours.
    due = {mid for mid, (_, _, to) in out.rows.items() if to not in bounced}
    out.due = due - (out.waiting_aftercare if run.quiet else set())
    out.foreign = set(accepted) - set(out.rows)
    out.duplicates = sum(count - 1 for count in accepted.values() if count > 1)
    out.unique = len(set(accepted) & set(out.rows))
    out.lost = len(out.due - set(accepted))
    out.sent_not_accepted = len(out.sent_ids - set(accepted))
    out.all_times = [t for times in out.accepted_at.values() for t in times]
    out.last_delivery = max(out.all_times) - run.began_wall if out.all_times else float("nan")
    out.aftercare_at_night = sum(
        1
        for mid in out.aftercare_ids & set(out.accepted_at)
        for t in out.accepted_at[mid]
        if aftercare.is_quiet_time(dt.datetime.fromtimestamp(t, tz=dt.UTC))
    )
    out.failed_550 = sum(1 for _, error in out.failed if "550" in error)
    last_fault_wall = run.began_wall + (run.last_fault - run.began) if run.last_fault is not None else None
    out.last_fault_wall = last_fault_wall
    out.recovery = max(out.all_times) - last_fault_wall if last_fault_wall is not None and out.all_times else None
    after_wake = [t for t in out.all_times if run.woke_wall is not None and t >= run.woke_wall]
    out.first_after_wake = min(after_wake) - run.woke_wall if after_wake else None


def report(out: Outcome) -> None:
    run = out.run
    print(
        f"Mode {out.mode}: {COUNT} due emails, started {run.started_london:%Y-%m-%d %H:%M} London "
        f"({'IN quiet hours: aftercare rightly waits' if run.quiet_at_start else 'outside quiet hours'}); "
        f"lease {out.lease} s, redispatch {out.redispatch} s, dispatcher every {out.dispatch_every} s; "
        f"worker {CONCURRENCY} processes, prefetch {PREFETCH}"
    )
    print(
        f"  machine: 2 cores shared with other work; load averages (1, 5, 15 min) "
        f"{_load(run.load_before)} at the start, {_load(run.load_after)} at the end"
    )
    kinds = Counter(kind for _, kind, _ in out.rows.values())
    print("  mix: " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())))
    print(f"  confirmations accepted with their .ics (text/calendar) attachment: {len(out.with_ics)}")
    for fault in run.faults:
        print(f"  fault: {fault}")
    print(
        f"  dispatcher runs by beat through its own queue and worker ({len(out.dispatches)}; s, rows handed over): "
        + ", ".join(f"{at:.0f} s: {n}" for at, n in out.dispatches)
    )
    print(
        f"  delivered unique: {out.unique} of {len(out.due)} due to arrive; duplicates (same Message-ID): "
        f"{out.duplicates} on {sum(1 for c in out.accepted.values() if c > 1)} emails; "
        f"Message-IDs matching no row: {len(out.foreign)}"
    )
    print(
        f"  lost: {out.lost}; recorded sent but never accepted: {out.sent_not_accepted}; failed: {out.final['failed']}"
        f" ({out.failed_550} with 550, {out.expected_failed} expected)"
    )
    print(
        f"  final statuses: {dict(sorted(out.final.items()))}; "
        f"attempts per row: {dict(sorted(out.attempts_per_row.items()))}"
    )
    print(
        f"  time to deliver: {out.last_delivery:.1f} s (first dispatch to the last acceptance); "
        f"run ended at {run.ended - run.began:.1f} s"
    )
    report_recovery(out)
    report_refusals(out)
    timeline_file = run.log("timeline.txt")
    timeline_file.write_text("\n".join(run.timeline) + "\n")
    logs = [*run.logs, run.dispatcher_log, run.beat_log]
    print(
        f"  logs: {', '.join(str(log.relative_to(ROOT)) for log in logs)}; timeline: {timeline_file.relative_to(ROOT)}"
    )


def report_recovery(out: Outcome) -> None:
    run = out.run
    if run.stranded:
        # When the last of them reached the server (its first acceptance: a copy came later).
        by_pk = {pk: mid for mid, (pk, _, _) in out.rows.items()}
        firsts = [min(out.accepted_at[by_pk[pk]]) for pk in run.stranded if by_pk[pk] in out.accepted_at]
        stranded_recovery = max(firsts) - out.last_fault_wall if firsts else float("nan")
        print(
            f"  stranded by the kills (claimed, not recorded): {len(run.stranded)}, {len(firsts)} delivered; "
            f"the last of them {stranded_recovery:.1f} s after the last restart (target under {RECOVERY_TARGET} s)"
        )
    if run.woke_wall is not None:
        first = f"{out.first_after_wake:.1f} s" if out.first_after_wake is not None else "never"
        print(
            f"  recovery after the wake-up: first email accepted {first} after it, the last "
            f"{out.recovery:.1f} s after it (target under {RECOVERY_TARGET} s)"
        )
    if out.recovery is not None:
        print(f"  time from last fault to last delivery: {out.recovery:.1f} s (target under {RECOVERY_TARGET} s)")


def report_refusals(out: Outcome) -> None:
    if out.refused_451_at:
        # The faults here are the 451s: how long after the last one the last email arrived,
        # and how long each refused email waited for its retry to be accepted.
        waits = sorted(out.accepted_at[mid][0] - at for mid, at in out.refused_451_at.items() if mid in out.accepted_at)
        print(
            f"  time from the last 451 to the last delivery: {max(out.all_times) - max(out.refused_451_at.values()):.1f} s; "
            f"from each 451 to its retry accepted: {waits[0]:.0f} to {waits[-1]:.0f} s, median {waits[len(waits) // 2]:.0f} s"
        )
    print(
        f"  kept to sending hours (reminders, aftercare): {len(out.aftercare_ids & set(out.accepted))} of "
        f"{len(out.aftercare_ids)} accepted, {out.aftercare_at_night} accepted in quiet hours, "
        f"{len(out.waiting_aftercare)} still waiting"
        + (" (quiet hours: due at 08:00 London, not runnable now)" if out.run.quiet and out.waiting_aftercare else "")
    )
    if out.mode == "refuse":
        retried_ok = sum(1 for mid in out.refused_451 if out.accepted.get(mid, 0) >= 1)
        print(
            f"  451: {len(out.refused_451)} emails refused once ({len(out.refused_451) / COUNT:.1%}); "
            f"{retried_ok} of them accepted on a later attempt; {out.retried_sent_twice} rows sent with attempts=2; "
            f"server attempts: {sum(out.attempts.values())} for {len(out.attempts)} Message-IDs"
        )
        status, stated, listed, with_550 = out.admin
        print(
            f"  admin: /admin/bookings/outboundemail/?status__exact=failed answered {status}, states {stated} "
            f"failed, first page lists {listed} rows, {with_550} showing a 550"
        )


def judge(out: Outcome) -> list[str]:
    """The targets missed; an empty list is a pass."""
    problems = []
    if not out.unique:
        problems.append("nothing was delivered: the bench measured nothing")
    if not out.dispatches:
        problems.append("beat's dispatcher never ran on its worker")
    if out.lost:
        problems.append(f"{out.lost} lost")
    if out.sent_not_accepted:
        problems.append(f"{out.sent_not_accepted} recorded sent but never accepted")
    if out.foreign:
        problems.append(f"{len(out.foreign)} Message-IDs matching no row")
    if out.aftercare_at_night:
        problems.append(f"{out.aftercare_at_night} emails kept to sending hours accepted in quiet hours")
    if out.mode in ("throughput", "freeze") and out.duplicates:
        problems.append(f"{out.duplicates} duplicates")
    if out.mode == "freeze" and not out.run.frozen_done:
        problems.append("the database was never frozen: the run ended first")
    if out.mode in TARGET and out.last_delivery >= TARGET[out.mode]:
        problems.append(f"{out.last_delivery:.1f} s is over the {TARGET[out.mode]} s target")
    if out.recovery is not None and out.recovery >= RECOVERY_TARGET:
        problems.append(f"{out.recovery:.1f} s from the last fault is over {RECOVERY_TARGET} s")
    if out.final["failed"] != out.expected_failed or out.failed_550 != out.expected_failed:
        problems.append(f"{out.final['failed']} failed where {out.expected_failed} (the 550s) were expected")
    if out.mode == "refuse":
        if any(out.accepted.get(mid, 0) < 1 for mid in out.refused_451):
            problems.append("a 451 was never retried")
        if out.admin[0] != 200 or out.admin[1] != out.expected_failed:
            problems.append("the admin's failed list does not show every 550")
    return problems


def _load(averages) -> str:
    return " ".join(f"{n:.2f}" for n in averages)
