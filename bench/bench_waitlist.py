"""The waitlist over a simulated day, the clock driven minute by minute (bench/waitlist_sim.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_waitlist .venv/bin/python bench/bench_waitlist.py
    (without DATABASE_URL: the SQLite database of `make run`'s settings; use a copy you can lose)

Flushes the database named, then: BENCH_THERAPISTS (10) therapists with every hour of the next
two days booked, BENCH_ENTRIES (50) clients on the list, BENCH_CANCELLATIONS (20) cancellations
at random minutes of one day (BENCH_SEED, 29). Prints the offers made and their answers, the
slowest offer after its cancellation (goal: within the 3-minute undo delay plus 60 s) and the
fill rate (offers accepted / slots freed), then OK, or FAILED with every problem found: an
offer out of the list's order, a freed time with a match left unoffered or offered late, a time
held twice or booked while held. Fails too when its work is empty: no time freed or no offer.
"""

import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bench.seeding import fresh_database
    from bench.waitlist_sim import simulate

    # Offers and answers inside 08:00-20:00 London; the night's quiet hours as the clinic has them.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    fresh_database()
    began = time.monotonic()
    report = simulate(
        day=timezone.localdate() + dt.timedelta(days=1),
        entries=int(os.environ.get("BENCH_ENTRIES", 50)),
        cancellations=int(os.environ.get("BENCH_CANCELLATIONS", 20)),
        therapists=int(os.environ.get("BENCH_THERAPISTS", 10)),
        seed=int(os.environ.get("BENCH_SEED", 29)),
    )
    print(
        f"freed {report.freed}, offers {report.offers} (accepted {report.accepted}, declined "
        f"{report.declined}, lapsed {report.lapsed}); slowest offer {report.slowest_offer.total_seconds():.0f} s "
        f"after its cancellation (goal <= 240 s); fill rate {report.fill_rate:.0%}; "
        f"{time.monotonic() - began:.1f} s on {connection.vendor}"
    )
    problems = list(report.problems)
    if not report.freed or not report.offers:
        problems.append("nothing was freed or offered: the bench did no work")
    for problem in problems:
        print("  problem:", problem)
    print("FAILED" if problems else "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
