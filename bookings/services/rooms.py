"""Changes to treatment rooms that must look at bookings: the checks the admin's room forms
run while they save (taking a room out of use, changing what it suits, closing it for a
while), and moving a booking to another room.

Each locks the room's row for update first (bookings.locks), which waits for every booking
that holds a share lock on it while it takes the room (bookings.services.booking_claims) and
keeps new ones waiting, so "no booking is in the way" still holds when the write lands: the
admin saves a form inside one transaction and runs its clean() in it, so the lock is held until
the change is saved.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from bookings.locks import rooms_lock, therapist_lock
from bookings.models import Booking
from bookings.slots.selectors import rooms_free_for
from clinic.errors import ServiceError
from clinic.free_times import free_times_changed
from clinic.london import LONDON

BUSY_MESSAGE = "That room is being changed somewhere else right now. Please try again in a moment."


def _when(booking: Booking) -> str:
    start = booking.start.astimezone(LONDON)
    return f"{start:%a} {start.day} {start:%b %Y %H:%M} ({booking.session_type}, {booking.therapist})"


class RoomInUse(ServiceError):
    """A change to a room was refused because bookings still to come need it as it is;
    ``bookings`` lists them. The admin's room form shows the message as its error."""

    def __init__(self, bookings: Sequence[Booking], *, doing: str):
        self.bookings = list(bookings)
        several = len(self.bookings) != 1
        super().__init__(
            f"{len(self.bookings)} booking{'s' if several else ''} still to come "
            f"{'need' if several else 'needs'} this room: "
            + "; ".join(_when(b) for b in self.bookings)
            + f". Move {'them' if several else 'it'} to another room first (from the clinic diary), then {doing}."
        )


def _upcoming_in_room(room_id: int, now: datetime.datetime):
    return (
        Booking.objects.holding_time()
        .filter(room_id=room_id, room_until__gt=now)
        .select_related("session_type", "therapist")
        .order_by("start")
    )


def room_settings_check(*, room_id: int, active: bool, session_type_ids: Iterable[int], now: datetime.datetime) -> None:
    """Locks the room, inside the caller's transaction, and refuses settings that would strand
    a booking still to come: the room taken out of use, or no longer suiting a session booked
    in it. Raises RoomInUse listing the bookings, or ValidationError when the lock is not had
    in time. The admin's room form calls it while it saves, in the same transaction."""
    try:
        rooms_lock(room_ids=[room_id])
    except OperationalError as error:
        raise ValidationError(BUSY_MESSAGE) from error
    upcoming = _upcoming_in_room(room_id, now)
    if not active:
        stranded = list(upcoming)
        doing = "take it out of use"
    else:
        stranded = list(upcoming.exclude(session_type_id__in=list(session_type_ids)))
        doing = "change what it suits"
    if stranded:
        raise RoomInUse(stranded, doing=doing)


class RoomClosureClashesWithBookings(ServiceError):
    """Time off for a room was refused because bookings hold the room then; ``bookings`` lists
    them. The admin's closure form shows the message as its error."""

    def __init__(self, bookings: Sequence[Booking]):
        self.bookings = list(bookings)
        several = len(self.bookings) != 1
        super().__init__(
            f"{len(self.bookings)} booking{'s' if several else ''} "
            f"{'hold' if several else 'holds'} the room in that time (turnover included): "
            + "; ".join(_when(b) for b in self.bookings)
            + f". Move {'them' if several else 'it'} to another room first (from the clinic diary), "
            "then close the room."
        )


def room_closure_check(*, room_id: int, start: datetime.datetime, end: datetime.datetime) -> None:
    """Locks the room, inside the caller's transaction, and refuses time off that is empty or
    that a booking holding the room (turnover included) falls in. Raises ValidationError, or
    RoomClosureClashesWithBookings listing the bookings."""
    if end <= start:
        raise ValidationError("The room's time off must end after it starts.")
    try:
        rooms_lock(room_ids=[room_id])
    except OperationalError as error:
        raise ValidationError(BUSY_MESSAGE) from error
    clashes = list(
        Booking.objects.holding_time()
        .filter(room_id=room_id, start__lt=end, room_until__gt=start)
        .select_related("session_type", "therapist")
        .order_by("start")
    )
    if clashes:
        raise RoomClosureClashesWithBookings(clashes)


class RoomNotFree(ServiceError):
    """A booking could not move to that room; the message says why."""


def booking_room_change(*, booking_id: int, room_id: int, now: datetime.datetime | None = None) -> Booking:
    """Moves a booking still to come to another room, keeping its time and therapist.

    Rules: the booking can still change (Booking.is_changeable); the room is active, suits the
    session type, is open then and is free for the session plus its own turnover (no other
    booking, no time off). The room's turnover at the time of the move is what the booking
    then holds. Raises Booking.DoesNotExist, RoomNotFree saying why, or ValidationError when the
    lock is not had in time."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            therapist_id = Booking.objects.filter(pk=booking_id).values_list("therapist_id", flat=True).first()
            if therapist_id is None:
                raise Booking.DoesNotExist
            # The lock order of bookings.locks: the therapist, then the rooms.
            therapist_lock(therapist_id=therapist_id)
            booking = Booking.objects.select_related("session_type", "room").get(pk=booking_id)
            if not booking.is_changeable(now):
                raise RoomNotFree(
                    f"This booking is {booking.get_status_display().lower()} or has started; its room stays."
                )
            if booking.room_id == room_id:
                return booking
            rooms = rooms_lock(room_ids=[room_id])
            room = rooms[0] if rooms else None
            if room is None:
                raise RoomNotFree("That room does not exist.")
            if not room.active:
                raise RoomNotFree(f"{room} is not in use.")
            if not room.session_types.filter(pk=booking.session_type_id).exists():
                raise RoomNotFree(f"{room} does not suit a {booking.session_type}.")
            if room_id not in rooms_free_for(
                session_type=booking.session_type, start=booking.start, ignore_booking_id=booking.pk
            ):
                raise RoomNotFree(f"{room} is not free then (another session, its turnover, time off or closed).")
            # The therapist's time stays; the room it leaves and the room it takes change.
            free_times_changed(therapist_id=None, room_ids=[booking.room_id, room.pk])
            booking.room = room
            booking.room_until = booking.end + datetime.timedelta(minutes=room.turnover_minutes)
            booking.save(update_fields=["room", "room_until"])
    except OperationalError as error:
        raise ValidationError(BUSY_MESSAGE) from error
    except IntegrityError:
        raise RoomNotFree("That room has just been taken. Please choose another.") from None
    return booking
