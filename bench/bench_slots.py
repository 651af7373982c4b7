"""Measure the slot list htmx asks for against a bare Django view, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench .venv/bin/python bench/bench_slots.py
    BENCH_COLD=1 ...   (no cache at all: the engine's own figures)
    BENCH_THERAPISTS=200 BENCH_BOOKINGS=50000 BENCH_CONNECTIONS=32 DATABASE_URL=... .venv/bin/python bench/bench_slots.py

Needs wrk (Debian: apt-get install wrk).

Seeds the database (it is flushed first: use a database of its own), starts gunicorn with 2
sync workers on 127.0.0.1:8201, and runs wrk with 16 connections (BENCH_CONNECTIONS) against, in turn: a bare
view returning "ok", the slot list for a random therapist and day each request (mostly not in
the cache: the cold path), the slot list for one therapist and a day (htmx partial, cached), the
same for "first available" (any therapist), and both without the htmx header (the whole page). Prints
requests/s and latency for each, and each as a share of the bare view's requests/s (the mean of a run first and a run last, as the
machine's load drifts).
"""

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8201"))
THERAPISTS = int(os.environ.get("BENCH_THERAPISTS", "20"))
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "500"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
# BENCH_COLD=1: the server runs with no cache (Django's dummy cache), so every figure is the
# engine's own: what issue 28's goals are about.
COLD = os.environ.get("BENCH_COLD") == "1"
# wrk's --latency table stops at 50/75/90/99; its Lua hook gives any percentile.
PERCENTILES_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95)))
end
"""


def seed() -> tuple[int, int, dt.date]:
    """Session type, therapists working 08:00-20:00 every day, and bookings over four weeks."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from django.utils import timezone

    from bench.seeding import fresh_database, working_therapists
    from bookings.models import Booking
    from clinic.london import wall_clock_to_utc
    from clinic.models import SessionType

    fresh_database()
    sports = SessionType.objects.create(
        kind="sports", name="Sports massage", description="Bench.", duration_minutes=60, price=55
    )
    today = timezone.localdate()
    therapists = working_therapists(THERAPISTS, sports, today)
    rows = []
    for n in range(BOOKINGS):
        therapist = therapists[n % THERAPISTS]
        index = n // THERAPISTS  # that therapist's nth booking: one a day at a different hour
        day = today + dt.timedelta(days=1 + index % 28)
        start = wall_clock_to_utc(day, dt.time(8 + (index // 28) % 12))
        end = start + dt.timedelta(minutes=60)
        rows.append(
            Booking(
                client_name="Bench Client",
                client_email=f"c{n}@example.com",
                client_phone="07700 900000",
                therapist=therapist,
                session_type=sports,
                start=start,
                end=end,
                blocks_until=end,
                idempotency_key=uuid.uuid4(),
            )
        )
    Booking.objects.bulk_create(rows)
    return sports.pk, [therapist.pk for therapist in therapists], today + dt.timedelta(days=2)


def spread_lua(path: str, therapist_ids: list[int], days: list[dt.date]) -> str:
    """A wrk request hook asking for a random therapist and day each time: searches the
    cache has mostly not seen, so each is computed (the cold path)."""
    ids = ",".join(map(str, therapist_ids))
    dates = ",".join(f'"{day.isoformat()}"' for day in days)
    return f"""
local ids = {{{ids}}}
local dates = {{{dates}}}
request = function()
  local url = "{path}&therapist=" .. ids[math.random(#ids)] .. "&date=" .. dates[math.random(#dates)]
  return wrk.format(nil, url)
end
"""


def wrk(url: str, *headers: str, lua: str = "") -> dict:
    script = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "bench.lua"
    script.write_text(PERCENTILES_LUA + lua)
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency", "-s", str(script)]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p95_ms = int(re.search(r"p95_us (\d+)", out).group(1)) / 1000
    return {
        "rps": rps,
        "p50": latency.get("50"),
        "p95": f"{p95_ms:.1f}ms",
        "p99": latency.get("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the bench's own (it is flushed).")
    session_type_id, therapist_ids, day = seed()
    therapist_id = therapist_ids[0]
    var = Path(tempfile.mkdtemp(prefix="bench-slots-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "b" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_HOST": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_CONN_MAX_AGE": "600",
        "CELERY_BROKER_URL": "filesystem://",
        "VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),
        "DJANGO_SETTINGS_MODULE": "bench_slots_site",
        "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
        "BENCH_CACHE": "off" if COLD else "on",
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "clinic.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "-k",
            "sync",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    slots = f"{base}/book/{session_type_id}/?date={day.isoformat()}"
    runs = [
        ("bare Django view", f"{base}/bench/bare", (), ""),
        (
            "slot list, random therapist and day (mostly cold)",
            f"{slots}&therapist={therapist_id}",
            ("HX-Request: true",),
            spread_lua(
                f"/book/{session_type_id}/?x=1", therapist_ids, [day + dt.timedelta(days=n) for n in range(-1, 26)]
            ),
        ),
        ("slot list, one therapist (htmx partial)", f"{slots}&therapist={therapist_id}", ("HX-Request: true",), ""),
        ("slot list, first available (htmx partial)", f"{slots}&therapist=any", ("HX-Request: true",), ""),
        ("booking page, first available (whole page)", f"{slots}&therapist=any", (), ""),
        ("booking page, one therapist (whole page)", f"{slots}&therapist={therapist_id}", (), ""),
        ("bare Django view, again", f"{base}/bench/bare", (), ""),
    ]
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{base}/bench/bare"]).returncode:
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not start")
            time.sleep(0.3)
        for _, url, headers, _ in runs:  # warm each worker's connections and caches
            for _ in range(4):
                subprocess.run(["curl", "-sf", "-o", "/dev/null", *sum((["-H", h] for h in headers), []), url])
        partial = subprocess.run(
            ["curl", "-sf", "-H", "HX-Request: true", f"{slots}&therapist={therapist_id}"],
            capture_output=True,
            text=True,
        ).stdout
        # What is measured is the real list: the section, its times, and nothing of the page
        # around it; a search that offers no start measures nothing, and fails the bench.
        assert '<section id="slots"' in partial and "<time " in partial and "<select" not in partial, partial[:500]
        for _, url, headers, _ in runs[1:-1]:
            answer = subprocess.run(
                ["curl", "-sf", *sum((["-H", h] for h in headers), []), url], capture_output=True, text=True
            ).stdout
            if "<time " not in answer:
                sys.exit(f"{url} offers no start: the bench would measure nothing")
        results = [(name, wrk(url, *headers, lua=lua)) for name, url, headers, lua in runs]
    finally:
        server.terminate()
        server.wait(timeout=10)
    bare = (results[0][1]["rps"] + results[-1][1]["rps"]) / 2
    print(
        f"{THERAPISTS} therapists, {BOOKINGS} bookings; gunicorn 2 sync workers, wrk {CONNECTIONS} connections,"
        f" {SECONDS} s each; cache {'OFF (cold)' if COLD else 'on (warm where a search repeats)'};"
        f" load {Path('/proc/loadavg').read_text().split()[:3]}"
    )
    for name, result in results:
        print(
            f"{name:45} {result['rps']:8.0f} req/s  {100 * result['rps'] / bare:5.1f}% of bare"
            f"  p50 {result['p50']}  p95 {result['p95']}  p99 {result['p99']}  non-2xx {result['non2xx']}"
        )
    if any(result["non2xx"] for _, result in results):
        sys.exit("some answers were not 2xx or 3xx")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
