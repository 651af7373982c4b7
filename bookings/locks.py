"""The therapist's row is the lock on their time.

Every write that takes or frees a therapist's time (a booking made or moved, time off, a new
working week) locks the therapist's row first, inside its transaction. Writers for one
therapist then queue, and a check made after the lock ("the slot is still free", "no bookings
fall in this time off") still holds when the write lands; writers for different therapists
never wait for each other.

A room's row guards the room. A booking that needs a room takes a share lock on the one room
it claims (bookings.services.booking_claims), so bookings for other rooms, or for this room at
other times, never wait on it; the room exclusion constraint settles two bookings racing for
one room's time. The admin's room changes lock the row for update (rooms_lock), so they wait
for those bookings and the bookings wait for them. The order is always the therapist first,
then the room, never a therapist after a room: two writers then never hold what the other
waits for.
"""

from django.db import connection

from clinic.models import Room
from therapists.models import Therapist

# How long a writer waits for the lock on PostgreSQL. Past it PostgreSQL raises
# OperationalError, which the caller turns into a clear "busy, please try again" message
# rather than letting requests pile up behind one slow transaction. SQLite has no row locks:
# its BEGIN IMMEDIATE (settings) has already serialised all writers, and its busy timeout
# raises the same OperationalError.
LOCK_TIMEOUT = "5s"


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def therapist_lock(*, therapist_id: int) -> Therapist | None:
    """Locks the therapist's row until the transaction ends and returns the therapist, or None
    if there is none. Call it inside transaction.atomic(), before reading what it protects.
    Raises OperationalError when the lock is not had within LOCK_TIMEOUT."""
    _set_lock_timeout()
    return Therapist.objects.select_for_update().filter(pk=therapist_id).first()


def rooms_lock(*, room_ids) -> list[Room]:
    """Locks the rooms' rows, in id order, until the transaction ends, and returns them (in
    id order; missing ids are left out). Take it after any therapist's lock, never before.
    Raises OperationalError when the locks are not had within LOCK_TIMEOUT."""
    _set_lock_timeout()
    return list(Room.objects.select_for_update().filter(pk__in=room_ids).order_by("pk"))
