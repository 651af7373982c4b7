"""Reads every page shares."""

import contextlib

from django.core.cache import cache

from .models import Clinic, clinic_placeholder_details

# Every page, email and calendar entry shows the clinic's details, so they are read from the
# cache, not the database. Saving them in the admin forgets the cached copy (clinic_forget);
# the timeout bounds how long another process with its own local-memory cache may show the
# old details (a shared Redis cache forgets them everywhere at once).
CACHE_KEY = "clinic:details:v1"
CACHE_SECONDS = 300


def clinic_get() -> Clinic:
    """The clinic's details: from the cache, or one query. The row is made by a migration; if
    it has gone anyway (a test database flushed), pages show the placeholder details."""
    clinic = cache.get(CACHE_KEY)
    if clinic is None:
        clinic = Clinic.objects.filter(pk=Clinic.SINGLETON_PK).first() or Clinic(
            pk=Clinic.SINGLETON_PK, **clinic_placeholder_details()
        )
        cache.set(CACHE_KEY, clinic, CACHE_SECONDS)
    return clinic


def clinic_get_cached() -> Clinic | None:
    """The cached details or None, never touching the database: for the error pages, which
    must render while the database is down (and, with Redis down too, without them)."""
    with contextlib.suppress(Exception):
        return cache.get(CACHE_KEY)
    return None


def clinic_forget() -> None:
    cache.delete(CACHE_KEY)
