"""Settings for bench_slots.py's server: the app as it is, plus a bare Django view to compare
with (same middleware, same gunicorn; see bench_slots_urls.py). Not used by the app itself."""

from clinic.settings import *  # noqa: F403

ROOT_URLCONF = "bench_slots_urls"
