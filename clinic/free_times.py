"""Version numbers for "a therapist's free times may have changed", kept in the cache.

Anything that can change what a slot list shows (a booking made, cancelled or moved, time
off, working hours, a registration decision, a profile's sessions or notice, the clinic's
booking rules) calls ``free_times_changed`` inside its transaction. The bump runs once the
transaction commits, and cached slot lists carry the versions in their keys, so a changed
list is never served again: invalidating is one write, and correctness never depends on a
timeout. Every web process must share the cache for that to hold across processes (Redis:
CACHE_URL, already needed for the login rate limits); one process with its local memory is
fine too.
"""

import time

from django.core.cache import cache
from django.db import transaction

EVERYONE = "all"


def _key(therapist_id: int | str) -> str:
    return f"free-times:v:{therapist_id}"


def _bump(therapist_id: int | None) -> None:
    for key in {_key(EVERYONE), _key(therapist_id if therapist_id is not None else EVERYONE)}:
        try:
            cache.incr(key)
        except ValueError:
            # Never set, or evicted. Starting from the clock, not from 1, keeps a restarted
            # count from meeting a version an old cached list was stored under.
            cache.add(key, time.time_ns(), None)
            cache.incr(key)


def free_times_changed(*, therapist_id: int | None) -> None:
    """Marks one therapist's free times (or, with None, everyone's) as changed once the
    current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _bump(therapist_id))


def free_times_version(*, therapist_id: int | None) -> str | None:
    """The versions a cached slot list for the therapist (or for "any", with None) depends
    on, as one string for its cache key: the therapist's own and everyone's. One cache read
    (two the first time). None if the cache will not keep them: then nothing may be cached."""
    keys = [_key(EVERYONE)] + ([_key(therapist_id)] if therapist_id is not None else [])
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, time.time_ns(), None)
    if missing:
        found = cache.get_many(keys)
    if len(found) < len(keys):
        return None
    return ".".join(str(found[key]) for key in keys)


class FreeTimesAdminMixin:
    """For the admin of anything slot lists depend on: a save or delete there marks the
    free times changed, the row's therapist's if it has one, everyone's otherwise."""

    def _free_times_changed(self, obj) -> None:
        therapist_id = getattr(obj, "therapist_id", None)
        if therapist_id is None and obj._meta.label == "therapists.Therapist":
            therapist_id = obj.pk
        free_times_changed(therapist_id=therapist_id)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        self._free_times_changed(obj)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        self._free_times_changed(form.instance)

    def delete_model(self, request, obj) -> None:
        self._free_times_changed(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        free_times_changed(therapist_id=None)
        super().delete_queryset(request, queryset)
