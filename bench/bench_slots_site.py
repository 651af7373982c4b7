"""Settings for bench_slots.py's server: the app as it is, plus a bare Django view to compare
with (same middleware, same gunicorn; see bench_slots_urls.py). Not used by the app itself."""

import os

from clinic.settings import *  # noqa: F403

ROOT_URLCONF = "bench_slots_urls"

# BENCH_CACHE=off (bench_slots.py's --cold): no cache at all, so every request pays the engine:
# the figures the slot engine must meet on its own (issue 28), never met by a cache hit.
if os.environ.get("BENCH_CACHE") == "off":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
