"""Version numbers for "these free times may have changed", kept in the cache.

Anything that can change what a slot list shows (a booking made, cancelled or moved, time
off, working hours, a registration decision, a profile's sessions or notice, a room's
bookings, hours or time off, the clinic's booking rules) calls ``free_times_changed`` inside
its transaction. The bump runs once the transaction commits, and cached slot lists carry the
versions in their keys, so a changed list is never served again: invalidating is one write,
and correctness never depends on a timeout. Every web process must share the cache for that
to hold across processes (Redis: CACHE_URL, already needed for the login rate limits); one
process with its local memory is fine too.

The versions are as narrow as what a list depends on, so a booking with one therapist leaves
the other therapists' lists cached:
- one per therapist: their bookings, hours, time off, registration, profile;
- "any": bumped with every therapist's, for the "any therapist" lists, which depend on all;
- one per session type for its rooms: bumped when a room that suits it is taken, freed,
  opened or closed, since then another therapist's session of that type may gain or lose a
  time. Kept per session type rather than per room so that a list reads all its versions in
  one get_many; the write looks up which session types the rooms suit (one query, after
  it commits);
- everyone's: the clinic's rules, session types and rooms' settings.
"""

import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

from clinic.models import Room

EVERYONE = "all"
ANY_THERAPIST = "any"


def _key(name: int | str) -> str:
    return f"free-times:v:{name}"


def _therapist_key(therapist_id: int) -> str:
    return _key(therapist_id)


def _rooms_key(session_type_id: int) -> str:
    return _key(f"rooms-for-{session_type_id}")


def _bump(keys: Iterable[str]) -> None:
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:
            # Never set, or evicted. Starting from the clock, not from 1, keeps a restarted
            # count from meeting a version an old cached list was stored under.
            cache.add(key, time.time_ns(), None)
            cache.incr(key)


def _keys_changed(therapist_id: int | None, room_ids: set[int]) -> set[str]:
    if therapist_id is None and not room_ids:
        return {_key(EVERYONE)}
    keys = {_therapist_key(therapist_id), _key(ANY_THERAPIST)} if therapist_id is not None else set()
    if room_ids:
        # Read once the writer has committed, so its locks are not held over one more query:
        # which session types the rooms suit is settings, and a change to those bumps
        # everyone's version anyway.
        suited = Room.session_types.through.objects.filter(room_id__in=room_ids).values_list(
            "sessiontype_id", flat=True
        )
        keys.update(_rooms_key(session_type_id) for session_type_id in set(suited))
    return keys


def free_times_changed(*, therapist_id: int | None, room_ids: Iterable[int | None] = ()) -> None:
    """Marks free times as changed once the current transaction commits (at once outside
    one): the therapist's (and so the "any therapist" lists), and those of every session type
    the rooms in ``room_ids`` suit (None in it is no room). With no therapist and no room,
    everyone's: a clinic-wide change."""
    rooms = {room_id for room_id in room_ids if room_id is not None}
    transaction.on_commit(lambda: _bump(_keys_changed(therapist_id, rooms)))


def free_times_version(*, therapist_id: int | None, session_type_id: int) -> str | None:
    """The versions a cached slot list for the therapist (or for "any", with None) and the
    session type depends on, as one string for its cache key: everyone's, the session type's
    rooms', and the therapist's own (or "any"). One cache read (two the first time). None if
    the cache will not keep them: then nothing may be cached."""
    who = _therapist_key(therapist_id) if therapist_id is not None else _key(ANY_THERAPIST)
    keys = [_key(EVERYONE), _rooms_key(session_type_id), who]
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
