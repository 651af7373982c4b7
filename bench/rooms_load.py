"""bench_rooms.py load: concurrent HTTP bookings of distinct slots, with rooms and without.

A pair is one round with rooms and one without, back to back (which goes first alternates);
a round is BENCH_BURSTS bursts (3 by default) of ``size`` bookings, each burst on days of its
own. Each size runs BENCH_REPEATS pairs (4 by default). A pair's throughput ratio is its
bookings per second with rooms over without, over all its bursts; its slowest ratio compares
the slowest POST of each round. The goals are judged on the median pair, and the spread
(lowest and highest pair) is printed beside it, so one burst slowed by other work on the
machine neither passes nor fails the run alone.
"""

import datetime as dt
import os
import statistics

from rooms_http import LONDON, REPEATS, SIZES, burst, loadavg, query, recreate_database, serve, shell

THERAPISTS, ROOMS = 20, 4
WARM_UP = 40  # bookings of each mode before the measured rounds
BURSTS = int(os.environ.get("BENCH_BURSTS", 3))  # bursts of each mode in a round
PER_START = int(os.environ.get("BENCH_PER_START", ROOMS))  # bookings at each start, at most ROOMS
# 60 minutes + 10 turnover fit between; 8 a day (32 bookings) so every burst of BENCH_REPEATS
# pairs finds days of its own within the 366-day horizon.
STARTS = ("08:00", "09:30", "11:00", "12:30", "14:00", "15:30", "17:00", "18:30")
MODES = ("rooms", "no room")
THROUGHPUT_GOAL, SLOWEST_GOAL = 0.9, 1.2

LOAD_DATA = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from clinic.models import Room, SessionType
from bookings.models import BookingRules
from therapists.models import Therapist, WorkingHours
rules = BookingRules.load()
rules.horizon_days = 366  # the most allowed: every burst has days of its own
rules.save()
kinds = [SessionType.objects.create(kind="sports", name=name, description="x", duration_minutes=60, price=55,
    needs_room=needs) for name, needs in (("In a room", True), ("No room", False))]
rooms = [Room.objects.create(name=f"Room {n}", display_order=n, turnover_minutes=10) for n in range(ROOMS)]
for room in rooms:
    room.session_types.add(kinds[0])
users = get_user_model().objects.bulk_create(
    get_user_model()(username=f"therapist{n}", email=f"t{n}@clinic.example") for n in range(THERAPISTS))
expires = timezone.localdate() + dt.timedelta(days=800)
therapists = Therapist.objects.bulk_create(
    Therapist(user=u, display_name=f"Therapist {n}", registration_status="verified", registration_expires_on=expires)
    for n, u in enumerate(users))
for kind in kinds:
    kind.therapists.set(therapists)
WorkingHours.objects.bulk_create(
    WorkingHours(therapist=t, weekday=w, start_time=dt.time(8), end_time=dt.time(20)) for t in therapists for w in range(7))
print(*[k.pk for k in kinds], timezone.localdate().isoformat(), *[t.pk for t in therapists])
"""


def load_asks(first_day: dt.date, size: int, therapist_ids: list[int]) -> tuple[list[tuple[str, str]], int]:
    """``size`` distinct (therapist, start)s from ``first_day``: ROOMS therapists at each start,
    a start each 90 minutes, as many days as that takes. Returns them and the days used."""
    asks = []
    for k in range(size):
        group, place = divmod(k, PER_START)
        day = first_day + dt.timedelta(days=group // len(STARTS))
        start = dt.datetime.combine(day, dt.time.fromisoformat(STARTS[group % len(STARTS)]), tzinfo=LONDON)
        asks.append((str(therapist_ids[(group * PER_START + place) % len(therapist_ids)]), start.isoformat()))
    return asks, -(-size // (PER_START * len(STARTS)))


class Days:
    """Hands out days no burst has used yet."""

    def __init__(self, today: dt.date, therapist_ids: list[int]):
        self.next, self.therapist_ids = today + dt.timedelta(days=2), therapist_ids
        self.last = today + dt.timedelta(days=366)

    def asks(self, size: int) -> list[tuple[str, str]]:
        asks, days = load_asks(self.next, size, self.therapist_ids)
        self.next += dt.timedelta(days=days)
        if self.next > self.last:
            raise SystemExit("more bursts than days within the horizon: lower BENCH_REPEATS or BENCH_BURSTS")
        return asks


def bench_load() -> bool:
    recreate_database()
    out = shell(LOAD_DATA.replace("THERAPISTS", str(THERAPISTS)).replace("ROOMS", str(ROOMS)))
    kinds = {"rooms": int(out[0]), "no room": int(out[1])}
    days = Days(dt.date.fromisoformat(out[2]), [int(pk) for pk in out[3:]])
    print(f"  {REPEATS} pairs per size, {BURSTS} bursts of each mode per pair")
    pairs = []
    with serve() as base:
        # Unmeasured: each worker's first bookings import and warm what a booking runs, and that
        # cost would fall on whichever mode went first.
        for mode in MODES:
            burst(base, kinds[mode], days.asks(WARM_UP))
        for repeat in range(REPEATS):
            for size in SIZES:
                # Interleaved, and which goes first alternates, so load from other work falls on both.
                order = MODES if repeat % 2 == 0 else MODES[::-1]
                pairs.append({mode: run_round(base, kinds[mode], mode, size, days) for mode in order} | {"size": size})
    return judge_load(pairs)


def run_round(base: str, session_type_id: int, mode: str, size: int, days: Days) -> dict:
    """BURSTS bursts of ``size`` bookings; their totals."""
    rows = []
    for _ in range(BURSTS):
        asks = days.asks(size)
        before = loadavg()
        outcomes, seconds, elapsed = burst(base, session_type_id, asks)
        rows.append(report_burst(mode, size, asks, outcomes, seconds, elapsed, before))
    booked, elapsed = sum(r["booked"] for r in rows), sum(r["elapsed"] for r in rows)
    return {
        "ok": all(r["ok"] for r in rows),
        "throughput": booked / elapsed if elapsed else 0.0,
        "slowest": max(r["slowest"] for r in rows),
    }


def report_burst(mode, size, asks, outcomes, seconds, elapsed, before) -> dict:
    starts = sorted({start for _, start in asks})
    in_db = query(
        "SELECT count(*), count(room_id) FROM bookings_booking WHERE status <> 'cancelled' AND start = ANY(%s::timestamptz[])",
        (starts,),
    )[0]
    booked = outcomes["booked"]
    errors = sum(count for outcome, count in outcomes.items() if not outcome.startswith(("booked", "refused")))
    slowest = max(seconds, default=0.0)
    print(
        f"  {size} distinct slots, {mode:7}: booked {booked}/{size} (in the database {in_db[0]}, {in_db[1]} with a room),"
        f" busy {outcomes['refused: busy']}, taken {outcomes['refused: slot taken']}, other {errors};"
        f" {elapsed:.1f} s, {booked / elapsed if elapsed else 0:.1f} bookings/s,"
        f" POST median {statistics.median(seconds) if seconds else 0:.2f} s, slowest {slowest:.2f} s"
        f"  [load {before} -> {loadavg()}]"
    )
    for outcome, count in outcomes.items():
        if not outcome.startswith(("booked", "refused")):
            print(f"    {outcome}: {count}")
    # A burst that booked nothing measured nothing: it fails, whatever its ratios.
    ok = size > 0 and booked == size and not outcomes["refused: busy"] and not errors and elapsed > 0
    ok = ok and in_db == (booked, booked if mode == "rooms" else 0)
    if not ok:
        print("    FAILED: not every booking booked once (in its room), or a busy refusal or an error")
    return {"ok": ok, "booked": booked, "elapsed": elapsed, "slowest": slowest}


def judge_load(pairs: list[dict]) -> bool:
    ok = bool(pairs) and all(pair[mode]["ok"] for pair in pairs for mode in MODES)
    for size in SIZES:
        mine = [pair for pair in pairs if pair["size"] == size]
        if not mine:
            print(f"  {size}: no pairs ran, nothing measured")
            ok = False
            continue
        shares = sorted(p["rooms"]["throughput"] / p["no room"]["throughput"] for p in mine)
        times = sorted(p["rooms"]["slowest"] / p["no room"]["slowest"] for p in mine)
        share, slower = statistics.median(shares), statistics.median(times)
        print(
            f"  {size}: throughput with rooms against without, median of {len(mine)} pairs {share:.1%}"
            f" (spread {shares[0]:.1%}-{shares[-1]:.1%}; goal >= {THROUGHPUT_GOAL:.0%}); slowest POST median"
            f" x{slower:.2f} (spread x{times[0]:.2f}-x{times[-1]:.2f}; goal <= {SLOWEST_GOAL}); bookings/s with rooms "
            + ", ".join(f"{p['rooms']['throughput']:.1f}/{p['no room']['throughput']:.1f}" for p in mine)
        )
        ok = ok and share >= THROUGHPUT_GOAL and slower <= SLOWEST_GOAL
    print("load OK" if ok else "load FAILED")
    return ok
