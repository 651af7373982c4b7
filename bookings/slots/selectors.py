"""Reads about free time that feed the booking pages and the booking services: the free starts
for a search (available_slots), the one slot a service re-checks under its lock (free_slot_at)
and the nearest free ones it offers instead (nearest_free_slots), the rooms a session may use,
and the clinic's rules as the slot arithmetic takes them, the last bookable day among them.

Each is a fixed number of queries, whatever the range or the number of therapists, rooms and
bookings (the page query-count tests pin them); the arithmetic is bookings.slots.availability's.
Why a start is refused, and the words for it, are in bookings.slots.refusals.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from bookings.models import BookingRules
from bookings.slots import availability, reads
from clinic.models import Room, SessionType


def clinic_rules(rules: BookingRules) -> availability.Rules:
    """The clinic's BookingRules as the slot arithmetic takes them (before any therapist's own)."""
    return availability.Rules(
        step_minutes=rules.slot_step_minutes,
        min_notice_minutes=rules.min_notice_minutes,
        horizon_days=rules.horizon_days,
        buffer_minutes=rules.buffer_minutes,
    )


def without_notice(rules: availability.Rules) -> availability.Rules:
    """The rules for staff booking a client in: no minimum notice (a time not yet begun will
    do), everything else as it is."""
    return replace(rules, min_notice_minutes=0)


def last_bookable_day(*, now: datetime.datetime, rules: BookingRules | None = None) -> datetime.date:
    """The last London date a client may book: today plus the clinic's horizon. One query,
    none when the page has loaded ``rules``. The booking pages' date pickers stop here, the
    searches below offer nothing after it, and the booking services refuse a start after it,
    so a day a form accepts is never one the search leaves empty for being too far ahead."""
    return availability.last_bookable_day(now, clinic_rules(rules or BookingRules.load()))


def session_type_list_active() -> QuerySet[SessionType]:
    """The session types a client can book, in menu order."""
    return SessionType.objects.filter(active=True)


@dataclass(frozen=True)
class Slot:
    """A free start time, the therapists free to take it (one, unless "any therapist") and the
    rooms free for it in the clinic's room order (none when the session needs no room)."""

    start: datetime.datetime
    therapist_ids: tuple[int, ...]
    room_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RoomsForSession:
    """The rooms a session type may be held in, in the clinic's order, without their busy
    times. ``tracked`` is False when the session needs no room, or the clinic has not added a
    room yet: then sessions are booked with a therapist only."""

    tracked: bool
    rooms: tuple[availability.RoomTimes, ...] = ()


def rooms_for_session(*, session_type: SessionType) -> RoomsForSession:
    """One query (none for a session that needs no room): every room with its opening hours,
    marked with whether it suits the session type."""
    if not session_type.needs_room:
        return RoomsForSession(tracked=False)
    suits = Room.session_types.through.objects.filter(room_id=OuterRef("pk"), sessiontype_id=session_type.pk)
    rows = (
        Room.objects.annotate(suits=Exists(suits))
        .values_list(
            "pk", "active", "suits", "turnover_minutes", "hours__weekday", "hours__start_time", "hours__end_time"
        )
        .order_by("display_order", "name", "pk", "hours__weekday", "hours__start_time")
    )
    rooms: dict[int, tuple[int, list[availability.WeeklyHours]]] = {}
    tracked = False
    for pk, active, suitable, turnover, weekday, opens, closes in rows:
        tracked = True
        if not (active and suitable):
            continue
        _, hours = rooms.setdefault(pk, (turnover, []))
        if weekday is not None:
            hours.append(availability.WeeklyHours(weekday, opens, closes))
    return RoomsForSession(
        tracked=tracked,
        rooms=tuple(availability.RoomTimes(pk, turnover, tuple(hours)) for pk, (turnover, hours) in rooms.items()),
    )


def _with_busy(rooms: RoomsForSession, busy: dict[int, list]) -> list[availability.RoomTimes]:
    return [replace(room, busy=busy[room.id]) for room in rooms.rooms]


def rooms_free_for(
    *, session_type: SessionType, start: datetime.datetime, ignore_booking_id: int | None = None
) -> tuple[int, ...]:
    """The rooms, in the clinic's order, free for a session of this type from ``start`` plus
    each room's turnover (active, suiting it, open, no time off, no other booking but the
    one ignored). Two queries. Staff moving a booking between rooms use it; the therapist's
    diary does not come into it."""
    rooms = rooms_for_session(session_type=session_type)
    if not rooms.rooms:
        return ()
    end = start + datetime.timedelta(minutes=session_type.duration_minutes)
    closures, bookings = reads.room_busy_queries(
        [room.id for room in rooms.rooms],
        start - datetime.timedelta(days=1),
        end + datetime.timedelta(days=1),
        exclude_booking=ignore_booking_id,
    )
    busy: dict[int, list[availability.BusySeconds]] = defaultdict(list)
    for pk, busy_start, busy_end, _ in closures.union(bookings, all=True):
        busy[pk].append(availability.BusySeconds(busy_start, busy_end))
    (free,) = availability.rooms_free_at(
        [start], rooms=_with_busy(rooms, busy), session_minutes=session_type.duration_minutes
    )
    return free


def available_slots(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    date_to: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
    rooms: RoomsForSession | None = None,
    notice: bool = True,
) -> list[Slot]:
    """Free starts for a session type on London dates date_from..date_to, for one therapist or,
    with therapist_id None, for any bookable therapist who offers that session type, and, for a
    session that needs a room, only where a room that suits it is free too (its turnover
    included).

    Five queries whatever the range, the number of therapists, rooms or bookings: the rules,
    the rooms with their hours, the therapists, their working hours, and the therapists' and
    rooms' time off and bookings together (four for a session that needs no room). A
    therapist is offered from the first day of the range up to the last day their
    registration check holds, so a range never shows a day after a check lapses, nor hides
    the days before it. ``rules``: the clinic's BookingRules, when the page has loaded them;
    ``rooms``: rooms_for_session's answer, when the caller has it (one query fewer).
    ``notice`` False: staff booking a client in, to whom the online minimum notice does not
    apply (a walk-in at the desk); every other rule does.
    """
    search = slot_search(
        therapist_id=therapist_id,
        session_type=session_type,
        date_from=date_from,
        date_to=date_to,
        now=now,
        rules=rules,
        rooms=rooms,
        notice=notice,
    )
    return search.slots(search.date_from, search.date_to) if search else []


@dataclass
class SlotSearch:
    """What a search reads, once, for a range of days (available_slots' queries): from it, the
    free starts of any days in the range, or whether a day has one at all."""

    session_type: SessionType
    now: datetime.datetime
    date_from: datetime.date
    date_to: datetime.date
    personal: dict[int, availability.Rules]  # by therapist, their rules
    last_day: dict[int, datetime.date]  # by therapist, the last day their check holds
    hours: dict[int, list[availability.WeeklyHours]]
    busy: dict[int, list[availability.BusySeconds]]
    rooms: RoomsForSession
    room_times: list[availability.RoomTimes]  # the rooms that suit, with what holds them

    def _starts(self, pk: int, date_from: datetime.date, date_to: datetime.date) -> list[datetime.datetime]:
        return availability.free_starts(
            hours=self.hours[pk],
            busy=self.busy[pk],
            rules=self.personal[pk],
            session_minutes=self.session_type.duration_minutes,
            now=self.now,
            date_from=max(date_from, self.date_from),
            date_to=min(date_to, self.last_day[pk]),
        )

    def slots(self, date_from: datetime.date, date_to: datetime.date) -> list[Slot]:
        """Every free start on the London dates date_from..date_to, with the therapists and
        the rooms free for it."""
        free_for: dict[datetime.datetime, list[int]] = defaultdict(list)
        for pk in self.hours:
            for start in self._starts(pk, date_from, date_to):
                free_for[start].append(pk)
        return _with_free_rooms(free_for, self.rooms, self.room_times, self.session_type)

    def has_slot_on(self, day: datetime.date) -> bool:
        """Whether the London date has a free start: the same answer as slots(day, day), from the
        first therapist who has one rather than from every start of every therapist."""
        for pk in self.hours:
            starts = self._starts(pk, day, day)
            if starts and (
                not self.rooms.rooms
                or any(
                    availability.rooms_free_at(
                        starts, rooms=self.room_times, session_minutes=self.session_type.duration_minutes
                    )
                )
            ):
                return True
        return False


def slot_search(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    date_to: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
    rooms: RoomsForSession | None = None,
    notice: bool = True,
) -> SlotSearch | None:
    """available_slots' reads for the range (its arguments, the same queries), or None when
    the range offers nothing whatever the bookings: past the horizon, no room that suits, no
    therapist bookable who offers the session."""
    clinic = clinic_rules(rules or BookingRules.load())
    date_from = max(date_from, availability.local_today(now))
    date_to = min(date_to, availability.last_bookable_day(now, clinic))
    if date_from > date_to:
        return None
    rooms = rooms if rooms is not None else rooms_for_session(session_type=session_type)
    if rooms.tracked and not rooms.rooms:
        return None  # the clinic keeps rooms, and none in use suits this session
    if not notice:
        clinic = without_notice(clinic)
    personal, last_day = reads.therapists_searched(therapist_id, session_type, date_from, date_to, clinic, notice)
    if not personal:
        return None
    hours = reads.working_hours(personal, date_from, date_to)
    busy_by_therapist, room_busy = reads.busy_between(hours, [room.id for room in rooms.rooms], date_from, date_to)
    return SlotSearch(
        session_type=session_type,
        now=now,
        date_from=date_from,
        date_to=date_to,
        personal=personal,
        last_day=last_day,
        hours=hours,
        busy=busy_by_therapist,
        rooms=rooms,
        room_times=_with_busy(rooms, room_busy),
    )


def _with_free_rooms(
    free_for: dict[datetime.datetime, list[int]],
    rooms: RoomsForSession,
    room_times: list[availability.RoomTimes],
    session_type: SessionType,
) -> list[Slot]:
    """The free starts in order as slots, each with the rooms free for it; a start no room
    suiting the session is free for is dropped (no room tracked: every start is kept)."""
    starts = sorted(free_for)
    if not rooms.rooms:
        return [Slot(start, tuple(sorted(free_for[start]))) for start in starts]
    free_rooms = availability.rooms_free_at(starts, rooms=room_times, session_minutes=session_type.duration_minutes)
    return [
        Slot(start, tuple(sorted(free_for[start])), room_ids)
        for start, room_ids in zip(starts, free_rooms, strict=True)
        if room_ids
    ]


def free_slot_at(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    start: datetime.datetime,
    now: datetime.datetime,
    rooms: RoomsForSession | None = None,
    notice: bool = True,
) -> Slot | None:
    """The free slot that starts at ``start``, or None: its day searched with available_slots,
    so a booking service re-checking under its locks takes a start only while it is still one
    a page would offer (``notice`` False: staff booking a client in)."""
    day = timezone.localtime(start).date()
    for slot in available_slots(
        therapist_id=therapist_id,
        session_type=session_type,
        date_from=day,
        date_to=day,
        now=now,
        rooms=rooms,
        notice=notice,
    ):
        # Compare instants: an aware datetime in the repeated October hour with fold=1 is not
        # == the same instant in UTC (PEP 495), so datetime equality would refuse a free time.
        if slot.start.timestamp() == start.timestamp():
            return slot
    return None


def nearest_free_slots(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    start: datetime.datetime,
    now: datetime.datetime,
    count: int = 3,
    notice: bool = True,
) -> list[Slot]:
    """Up to ``count`` free slots nearest to ``start``, before or after it: what a client whose
    time was refused is offered instead. One search of available_slots."""
    # A week either side: a time refused because the therapist's check lapses before it still
    # gets the nearest times before that day.
    day = timezone.localtime(start).date()
    slots = available_slots(
        therapist_id=therapist_id,
        session_type=session_type,
        date_from=day - datetime.timedelta(days=7),
        date_to=day + datetime.timedelta(days=7),
        now=now,
        notice=notice,
    )
    return sorted(slots, key=lambda slot: abs(slot.start - start))[:count]
