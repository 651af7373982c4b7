"""Deposits taken at a local Stripe (localstripe) for many bookings, Stripe's webhooks late,
twice and out of order, then every booking and the ledger checked against Stripe
(bench/payments_sim.py does the work).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_payments VAR_DIR=/tmp/bench-pay/var \
        .venv/bin/python bench/bench_payments.py
    (without DATABASE_URL: the SQLite database in VAR_DIR; use a copy you can lose)

Flushes the database named and starts its own localstripe (.venv/bin/localstripe, a free port,
from scratch). Then: BENCH_BOOKINGS (200) bookings of session types taking a 20% or 33%
deposit with BENCH_THERAPISTS (10) therapists, each paid through the card step as Stripe.js
and the payment page do it; 10% of cards declined (half refused when saved, half when
charged) and, for 5% of the rest, the charge's answer lost after Stripe took the money
(BENCH_SEED, 31). Webhooks go through the site's webhook view, signed: each event twice,
shuffled, a stale payment_failed for every success, forged ones (bad signature) that must
be refused, and about 40% (and half of the lost answers' events) only after the clock passes
the 15-minute hold and payments_reconcile runs; payments_reconcile runs again after them.

Checks: each booking ends confirmed with one ledger payment of its due amount (its card paid)
or released with nothing kept (its card declined), none awaiting payment; every succeeded
Stripe charge has one ledger payment of the same intent and amount and its refunds match;
every ledger payment has its Stripe charge; no booking charged twice; totals equal to the
penny; payments_ledger_check finds nothing; each event stored once, forged ones refused.
Prints figures, then OK, or FAILED with every problem. Fails too when its work is empty.
"""

import datetime as dt
import logging
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    import time_machine
    from django.conf import settings
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from bench import payments_sim as sim
    from bench.seeding import fresh_database
    from bookings.models import BookingPayment, StripeEvent
    from tests.stripe_local import WEBHOOK_SECRET, LocalStripe

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the webhooks' test client
    # The refusals and lost answers the bench causes are logged as warnings: its report says them.
    for name in ("bookings", "django.request", "stripe"):
        logging.getLogger(name).setLevel(logging.ERROR)
    count = int(os.environ.get("BENCH_BOOKINGS", 200))
    therapists = int(os.environ.get("BENCH_THERAPISTS", 10))
    rng = random.Random(int(os.environ.get("BENCH_SEED", 31)))
    report = sim.Report()
    began = time.monotonic()
    stripe = LocalStripe()
    try:
        settings.STRIPE_API_BASE = stripe.url
        settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_local", "pk_test_local"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        fresh_database()
        starts = sim.clinic(count, therapists, timezone.localdate() + dt.timedelta(days=1))
        booking_began = time.monotonic()
        plans = sim.book_and_pay(stripe, starts, rng, report)
        report.booking_seconds = time.monotonic() - booking_began
        report.bookings = len(plans)
        intents = sim.stripe_list(stripe, "payment_intents")
        report.intents = len(intents)
        on_time, late, forged = sim.webhook_deliveries(intents, plans, rng)
        report.deliveries_on_time = sim.deliver(on_time, WEBHOOK_SECRET, 200, report)
        report.forged = sim.deliver(forged, "whsec_not_stripes", 400, report)
        last_pay_by = BookingPayment.objects.aggregate(last=Max("pay_by"))["last"] or timezone.now()
        with time_machine.travel(last_pay_by + dt.timedelta(minutes=1), tick=False):
            sim.reconcile(report)  # the hold is over: the unpaid are released
        with time_machine.travel(last_pay_by + dt.timedelta(minutes=3), tick=False):
            report.deliveries_late = sim.deliver(late, WEBHOOK_SECRET, 200, report)
        with time_machine.travel(last_pay_by + dt.timedelta(minutes=5), tick=False):
            sim.reconcile(report)  # the beat's next run
        sim.check_bookings(plans, report)
        sim.check_stripe(stripe, sim.stripe_list(stripe, "payment_intents"), report)
        events = {e["id"] for e in on_time + late}
        stored = set(StripeEvent.objects.values_list("event_id", flat=True))
        if stored != events:
            report.problems.append(f"{len(stored)} events stored for {len(events)} sent (forged ones must not be)")
    finally:
        stripe.stop()
    wall = time.monotonic() - began
    per_booking = report.booking_seconds / report.bookings * 1000 if report.bookings else 0
    print(
        f"{report.bookings} bookings: {report.paid_at_once} paid at once, {report.lost} answers lost, "
        f"{report.refused} declined ({report.intents} PaymentIntents at Stripe); webhooks "
        f"{report.deliveries_on_time} on time, {report.deliveries_late} late, {report.forged} forged; "
        f"reconcile {report.reconciles}"
    )
    print(
        f"ended: {report.confirmed} confirmed, {report.released} released; ledger "
        f"£{report.ledger_pence / 100:.2f}, Stripe £{report.stripe_pence / 100:.2f} net; "
        f"{wall:.1f} s wall, {per_booking:.0f} ms per booking paid, on {connection.vendor}"
    )
    problems = list(report.problems)
    if not report.bookings or not report.confirmed or not (report.deliveries_on_time + report.deliveries_late):
        problems.append("no booking paid or no webhook delivered: the bench did no work")
    for problem in problems:
        print("  problem:", problem)
    print("FAILED" if problems else "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
