"""Which parts of a therapist's free time the front desk's grid may offer: only those where a
session they offer could really be booked, a treatment room included. A therapist free from
10:00 while every room that suits their sessions is taken or closed has no gap to book then.

Per therapist: the union of the free time of every active room suiting a session they offer
(the room's opening, or the whole day when it keeps no hours of its own, less its closures and
the bookings holding it, turnover included), or no limit at all when a session they offer needs
no room. Two queries whatever the number of therapists, rooms or bookings, and rooms_held's one."""

import datetime
from collections import defaultdict

from bookings.diary import grid
from bookings.diary.selectors import day_bounds
from bookings.models import Booking
from clinic.models import Room, RoomClosure, SessionType
from therapists.models import Therapist


def rooms_held(day: datetime.date) -> dict[int, list[grid.Span]]:
    """One query: what holds each room on the day, every therapist's bookings (whichever page
    of the grid shows them), turnover included."""
    day_start, day_end = day_bounds(day)
    held: dict[int, list[grid.Span]] = defaultdict(list)
    for room_id, start, until in (
        Booking.objects.holding_time()
        .filter(room__isnull=False, start__lt=day_end, room_until__gt=day_start)
        .values_list("room_id", "start", "room_until")
    ):
        held[room_id].append((start, until))
    return held


def room_limits(
    day: datetime.date,
    therapists: list[Therapist],
    rooms: list[Room],
    room_open: dict[int, list[grid.Span]],
    closures: list[RoomClosure],
    suits: dict[int, set[int]],
    held: dict[int, list[grid.Span]],
) -> dict[int, list[grid.Span] | None]:
    """For each therapist, the spans a room is free for a session they offer (None: one of
    their sessions needs no room, so the room never limits them). ``room_open``, ``closures``
    and ``suits`` (room ids by session type) are the clinic day's reads of the rooms, ``held``
    rooms_held's."""
    if not rooms and not Room.objects.exists():
        return dict.fromkeys((t.pk for t in therapists), None)  # a clinic that keeps no rooms
    day_start, day_end = day_bounds(day)
    offered: dict[int, set[int]] = defaultdict(set)
    for therapist_id, session_type_id in SessionType.therapists.through.objects.filter(
        therapist__in=therapists, sessiontype__active=True
    ).values_list("therapist_id", "sessiontype_id"):
        offered[therapist_id].add(session_type_id)
    roomless = set(SessionType.objects.filter(active=True, needs_room=False).values_list("pk", flat=True))
    busy: dict[int, list[grid.Span]] = defaultdict(list)
    for closure in closures:
        busy[closure.room_id].append((closure.start, closure.end))
    for room_id, spans in held.items():
        busy[room_id] += spans
    free_by_room = {
        room.pk: grid.free_gaps(room_open.get(room.pk) or [(day_start, day_end)], busy[room.pk])
        for room in rooms
        if room.active
    }
    limits: dict[int, list[grid.Span] | None] = {}
    for therapist in therapists:
        sessions = offered[therapist.pk]
        if sessions & roomless:
            limits[therapist.pk] = None
            continue
        suitable = {room_id for session in sessions for room_id in suits.get(session, ())}
        limits[therapist.pk] = grid.union([span for pk in suitable for span in free_by_room.get(pk, [])])
    return limits
