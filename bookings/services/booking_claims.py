"""What a booking takes while it is written, and nothing more: one therapist's row, then the one
room it is put in.

The therapist's row (bookings.locks) queues the writers of one therapist's time. "Any therapist"
tries the free candidates in turn, each inside a savepoint: a candidate another booking holds is
passed over (SKIP LOCKED) and come back to only once the others are tried, and one found not
free under its lock is let go at once (rolling back the savepoint releases the row lock). A
booking so holds at most the therapist it books, and a burst for the last room ends in "taken",
not in a queue through every therapist's lock.

A room is claimed in the clinic's order, one at a time, inside a savepoint: a share lock on its
row, a re-check of that room, then the write. The share lock is what the admin's room changes
wait for (they lock the row for update, bookings.services.rooms), while bookings in that room at
other times share it and never wait on each other. On PostgreSQL the room's exclusion
constraint is the final guard: it refuses a booking overlapping one committed in the room, and
makes ours wait for an overlapping one another transaction is still writing. So each room is
first tried without waiting (a lock not had at once passes it over for the next room, the
savepoint and its share lock rolled back); only when no room is had that way are the rooms
passed over tried again, waiting for each in turn, since the booking holding one may yet roll
back. Two bookings for different rooms, or for one room at different times, never wait on
each other. SQLite serialises writers (BEGIN IMMEDIATE), so there the slot read in the
transaction already holds. The order is always a therapist, then a room, and a booking holds at
most one room it has not booked while it waits, so no two wait on each other in a circle.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, OuterRef

from bookings.locks import LOCK_TIMEOUT, therapist_lock
from bookings.slots.selectors import RoomsForSession, Slot, free_slot_at
from clinic.errors import ServiceError
from clinic.models import Room, RoomClosure, SessionType
from therapists.models import Therapist

ROOM_CONSTRAINT = "booking_no_overlap_per_room"
# PostgreSQL's lock_timeout while a room is first tried: long enough for no real wait (0 would
# mean "for ever"). A lock not had in it is SQLSTATE 55P03, lock_not_available.
NO_WAIT = "1ms"
LOCK_NOT_AVAILABLE = "55P03"

Written = TypeVar("Written")


class RoomsTaken(ServiceError):
    """Every room that suited the session was taken by the time it was claimed (the booking
    services turn it into SlotTaken, with the nearest free times)."""

    def __init__(self):
        super().__init__("Every room that suits this session has just been taken.")


_HELD_ELSEWHERE = object()


def therapist_claim(
    *,
    session_type: SessionType,
    therapist_id: int | None,
    start: datetime.datetime,
    now: datetime.datetime,
    rooms: RoomsForSession | None = None,
    notice: bool = True,
) -> tuple[Therapist, Slot] | None:
    """Locks a therapist free at ``start`` until the transaction ends and returns them with the
    slot re-checked under that lock (its room_ids are the rooms free then), or None when no
    one is. With a therapist named, waits for their lock (bookings.locks.LOCK_TIMEOUT) like
    every writer of their time. With None, tries each therapist free before the lock, taking
    the first free under it, and holds no other. ``rooms``: the session's rooms when the caller
    has read them (room_claim re-checks the one it takes under its lock); ``notice`` False for
    staff booking a client in (slots.selectors.available_slots). Raises
    OperationalError when a lock waited for is not had in time."""
    if therapist_id is not None:
        # No savepoint: if they are not free the caller refuses and the whole transaction ends.
        therapist = therapist_lock(therapist_id=therapist_id)
        slot = free_slot_at(
            therapist_id=therapist_id, session_type=session_type, start=start, now=now, rooms=rooms, notice=notice
        )
        if therapist is None or slot is None or therapist_id not in slot.therapist_ids:
            return None
        return therapist, slot
    return _any_free_therapist(session_type, start, now, rooms, notice)


def _any_free_therapist(session_type, start, now, rooms, notice=True) -> tuple[Therapist, Slot] | None:
    """The first therapist free at ``start`` whose lock is had, holding no other. Candidates come
    from a read of who is free; one found not free under its lock means that read is out of
    date (the last room may have gone too), so it is read again before the next, and the burst
    for a last room ends after a read or two, not a trip through every therapist."""
    slot = free_slot_at(therapist_id=None, session_type=session_type, start=start, now=now, rooms=rooms, notice=notice)
    tried: set[int] = set()
    held_elsewhere: list[int] = []
    while slot is not None:
        untried = [pk for pk in slot.therapist_ids if pk not in tried]
        for candidate in untried:
            tried.add(candidate)
            claimed = _try_therapist(session_type, candidate, start, now, rooms, wait=False, notice=notice)
            if claimed is _HELD_ELSEWHERE:
                held_elsewhere.append(candidate)
            elif claimed is not None:
                return claimed
            else:
                break  # not free after all: read again
        else:
            break  # every one free is held by another booking
        slot = free_slot_at(
            therapist_id=None, session_type=session_type, start=start, now=now, rooms=rooms, notice=notice
        )
    # Those another booking held, waited for in turn (it may yet give them up), while still free.
    for candidate in held_elsewhere:
        if slot is None:
            break
        if candidate not in slot.therapist_ids:
            continue
        claimed = _try_therapist(session_type, candidate, start, now, rooms, wait=True, notice=notice)
        if claimed is not None:
            return claimed
        slot = free_slot_at(
            therapist_id=None, session_type=session_type, start=start, now=now, rooms=rooms, notice=notice
        )
    return None


def _try_therapist(session_type, therapist_id, start, now, rooms, *, wait: bool, notice: bool = True):
    """The therapist locked and their slot, None when they are not free (the lock let go), or
    _HELD_ELSEWHERE when ``wait`` is False and another transaction holds their row."""
    with transaction.atomic():
        if wait:
            therapist = therapist_lock(therapist_id=therapist_id)
            if therapist is None:
                return None
        else:
            therapist = Therapist.objects.select_for_update(skip_locked=True).filter(pk=therapist_id).first()
            if therapist is None:
                return _HELD_ELSEWHERE
        slot = free_slot_at(
            therapist_id=therapist_id, session_type=session_type, start=start, now=now, rooms=rooms, notice=notice
        )
        if slot is None or therapist_id not in slot.therapist_ids:
            transaction.set_rollback(True)  # the savepoint, and the lock taken in it, let go
            return None
        return therapist, slot


def room_claim(
    *,
    rooms: RoomsForSession,
    room_ids: Sequence[int],
    session_type: SessionType,
    start: datetime.datetime,
    write: Callable[[Room | None], Written],
    keep: int | None = None,
) -> Written:
    """Writes the booking with the first room of ``room_ids`` (the rooms free before any room was
    locked, in the clinic's order; ``keep`` first when it is among them) that is still free
    under its share lock and that the database lets it have, passing over, until no other is
    had, one that another booking is claiming at an overlapping time; returns what ``write``
    returned. ``write(None)`` without a room when the clinic tracks none for the session.
    Raises RoomsTaken when every one is taken, OperationalError when a lock is not had within
    bookings.locks.LOCK_TIMEOUT, and any other IntegrityError from the write."""
    if not rooms.tracked:
        return write(None)
    order = sorted(room_ids, key=lambda pk: pk != keep)  # stable: keep, then the clinic's order
    # First without waiting: a room another booking is claiming at an overlapping time right
    # now is passed over for the next. Only when none is had, those again, waiting in turn.
    waiting: list[int] = []
    if connection.vendor != "postgresql":
        waiting = order  # SQLite has already serialised this writer: nothing to wait for
    else:
        _set_lock_timeout(NO_WAIT)
        for room_id in order:
            claimed = _try_room(room_id, session_type, start, write, wait=False)
            if claimed is _HELD_ELSEWHERE:
                waiting.append(room_id)
            elif claimed is not None:
                _set_lock_timeout(LOCK_TIMEOUT)  # the rest of the transaction waits as usual
                return claimed[0]
        _set_lock_timeout(LOCK_TIMEOUT)
    for room_id in waiting:
        claimed = _try_room(room_id, session_type, start, write, wait=True)
        if claimed is not None:
            return claimed[0]
    raise RoomsTaken


def _try_room(room_id: int, session_type: SessionType, start: datetime.datetime, write, *, wait: bool):
    """(what ``write`` returned,) with the room; None when the room is taken (the savepoint and
    its share lock rolled back); _HELD_ELSEWHERE when ``wait`` is False and another transaction
    holds what the claim needs (its overlapping booking not yet committed, or an admin's change).
    Raises OperationalError when a lock waited for is not had in time."""
    try:
        with transaction.atomic():
            if wait:
                # Looked at again after the wait: in READ COMMITTED only a statement begun
                # after it sees what the transaction waited for (an admin closing the room).
                room = _room_share_lock(room_id)
                room = room if room is not None and _room_free(room, session_type, start) else None
            else:
                room = _room_share_lock_if_free(room_id, session_type, start)
            if room is None:
                transaction.set_rollback(True)  # the savepoint, and the share lock, let go
                return None
            return (write(room),)
    except OperationalError as error:
        cause = error.__cause__
        if wait or (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) != LOCK_NOT_AVAILABLE:
            raise
        return _HELD_ELSEWHERE
    except IntegrityError as error:
        # Another booking got this room at this time first: the next room, if any.
        if ROOM_CONSTRAINT not in str(error):
            raise
        return None


def _room_free(room: Room, session_type: SessionType, start: datetime.datetime) -> bool:
    """A fresh look at the room itself, under its lock, in one query: the admin may have taken it
    out of use, changed what it suits or closed it since the slot was read. Other bookings are
    not looked at again: on PostgreSQL the room's exclusion constraint refuses an overlap, and
    SQLite serialised this writer before the slot was read."""
    until = start + datetime.timedelta(minutes=session_type.duration_minutes + room.turnover_minutes)
    closed = RoomClosure.objects.filter(room=OuterRef("pk"), start__lt=until, end__gt=start)
    return Room.objects.filter(pk=room.pk, active=True, session_types=session_type).exclude(Exists(closed)).exists()


def _room_share_lock_if_free(room_id: int, session_type: SessionType, start: datetime.datetime) -> Room | None:
    """On PostgreSQL, without waiting: _room_share_lock and _room_free in one statement, the
    room only when it is still active, suits the session and is not closed then. Lock had at
    once means nobody was changing the room, so the statement's snapshot is current."""
    room_table = connection.ops.quote_name(Room._meta.db_table)
    suits_table = connection.ops.quote_name(Room.session_types.through._meta.db_table)
    closure_table = connection.ops.quote_name(RoomClosure._meta.db_table)
    session_end = start + datetime.timedelta(minutes=session_type.duration_minutes)
    sql = f"""
        SELECT * FROM {room_table} room WHERE room.id = %s AND room.active
        AND EXISTS (SELECT 1 FROM {suits_table} suits WHERE suits.room_id = room.id AND suits.sessiontype_id = %s)
        AND NOT EXISTS (
            SELECT 1 FROM {closure_table} closure WHERE closure.room_id = room.id AND closure."end" > %s
            AND closure.start < %s + room.turnover_minutes * interval '1 minute'
        )
        FOR SHARE OF room"""
    return next(iter(Room.objects.raw(sql, [room_id, session_type.pk, start, session_end])), None)


def _set_lock_timeout(timeout: str) -> None:
    # SET LOCAL lasts to the transaction's end, but a savepoint rolled back undoes one made in it.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{timeout}'")


def _room_share_lock(room_id: int) -> Room | None:
    """The room, its row share-locked until the transaction (or savepoint) ends on PostgreSQL:
    bookings share it, the admin's changes (FOR UPDATE) wait for them. SQLite has no row locks
    and has already serialised this writer."""
    if connection.vendor != "postgresql":
        return Room.objects.filter(pk=room_id).first()
    table = connection.ops.quote_name(Room._meta.db_table)
    return next(iter(Room.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [room_id])), None)
