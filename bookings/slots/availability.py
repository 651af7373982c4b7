"""Free start times for one therapist, and why one start is not free (refusal): pure
arithmetic, no database. bookings.slots.selectors feeds it rows; bookings.slots.refusals words
its refusals.

Working hours are London wall-clock times; everything else (busy ranges, "now", the answer) is
an aware UTC instant. Each working stretch is turned into real instants for its own
local date, so on the last Sunday of March a stretch spanning 01:00-02:00 is an hour shorter and
on the last Sunday of October an hour longer. On that October night 01:00-01:59 happens twice: a
stretch starts and ends the *first* time the clock shows its times, so one ending at 01:30 ends at
01:30 BST and never offers the hour after it (time off does the opposite, see clinic.london).
Starts are stepped through *elapsed* time from the stretch's start, which keeps them on the
wall-clock grid (the clocks move by a whole hour) while never offering an instant that does not
exist, nor the same instant twice.

Rooms are a second resource checked the same way: a start is kept only where a room that suits
the session is free for it plus the room's turnover (rooms_free_at).

Internally instants are whole POSIX seconds: it keeps the sweep cheap (see bench/).
"""

import datetime
import enum
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple
from zoneinfo import ZoneInfo

from clinic.london import LONDON, UTC, NonexistentLocalTime, local_today, wall_clock_to_utc


def _wall_clock_to_timestamp(day: datetime.date, clock: datetime.time, *, tz: ZoneInfo) -> int:
    try:
        return int(wall_clock_to_utc(day, clock, tz=tz).timestamp())
    except NonexistentLocalTime:
        pass
    # A working stretch starting or ending inside the skipped hour really starts or ends when
    # the clocks jump. That instant lies between the two readings of the time (one per offset);
    # find it by halving, to the minute (offsets change on whole minutes).
    naive = datetime.datetime.combine(day, clock)
    low = int(naive.replace(tzinfo=tz, fold=1).timestamp())
    high = int(naive.replace(tzinfo=tz, fold=0).timestamp())
    low, high = min(low, high), max(low, high)
    high_offset = datetime.datetime.fromtimestamp(high, tz).utcoffset()
    while high - low > 60:
        middle = (low + high) // 120 * 60
        if datetime.datetime.fromtimestamp(middle, tz).utcoffset() == high_offset:
            high = middle
        else:
            low = middle
    return high


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """A working stretch on a weekday (0 = Monday), optionally only between two dates (inclusive)."""

    weekday: int
    start: datetime.time
    end: datetime.time
    effective_from: datetime.date | None = None
    effective_until: datetime.date | None = None

    def applies_on(self, day: datetime.date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.effective_from is None or self.effective_from <= day)
            and (self.effective_until is None or day <= self.effective_until)
        )


@dataclass(frozen=True, slots=True)
class Busy:
    """A UTC range the therapist cannot be booked in: time off, or a booking from its start
    until its blocks_until (its end plus the buffer it was booked with)."""

    start: datetime.datetime
    end: datetime.datetime


class BusySeconds(NamedTuple):
    """A busy range as whole POSIX seconds, as the selectors read it straight from SQL: no
    datetime is built per row (parsing them was most of a cold search's time)."""

    start: int
    end: int


def _seconds(busy: Busy | BusySeconds) -> tuple[int, int]:
    if isinstance(busy, BusySeconds):
        return busy
    return int(busy.start.timestamp()), int(busy.end.timestamp())


@dataclass(frozen=True, slots=True)
class Rules:
    step_minutes: int = 15
    min_notice_minutes: int = 120
    horizon_days: int = 60
    # Kept free after a new session. An existing booking's buffer is already in its Busy range.
    buffer_minutes: int = 0

    def for_therapist(self, *, buffer_minutes: int | None, min_notice_minutes: int | None) -> "Rules":
        """The clinic's rules with a therapist's own buffer and minimum notice, where they set one."""
        return replace(
            self,
            buffer_minutes=self.buffer_minutes if buffer_minutes is None else buffer_minutes,
            min_notice_minutes=self.min_notice_minutes if min_notice_minutes is None else min_notice_minutes,
        )


def last_bookable_day(now: datetime.datetime, rules: Rules, tz: ZoneInfo = LONDON) -> datetime.date:
    """Clients may book up to ``horizon_days`` London days after today, inclusive. The one
    horizon rule: pages and services reach it through selectors.last_bookable_day."""
    return local_today(now, tz) + datetime.timedelta(days=rules.horizon_days)


def _stretches_on(
    day: datetime.date, hours: Iterable[WeeklyHours], tz: ZoneInfo, by_weekday: dict | None = None
) -> list[tuple[int, int]]:
    """The day's working stretches as sorted (open, close) POSIX seconds."""
    stretches = by_weekday.get(day.weekday(), ()) if by_weekday is not None else hours
    return sorted(
        (
            _wall_clock_to_timestamp(day, stretch.start, tz=tz),
            # The first reading of a repeated time: working until 01:30 on the night the
            # clocks go back means until 01:30 BST, not an hour past it.
            _wall_clock_to_timestamp(day, stretch.end, tz=tz),
        )
        for stretch in stretches
        if stretch.applies_on(day)
    )


class Refusal(enum.Enum):
    """Why a start is not free, in the order the checks are made: the first that applies."""

    TOO_SOON = "too_soon"  # passed, or inside the minimum notice
    PAST_HORIZON = "past_horizon"  # after the last bookable day
    OUTSIDE_HOURS = "outside_hours"  # the session (and its buffer) does not fit a working stretch
    OFF_GRID = "off_grid"  # inside the hours, but not one of the offered start times
    AWAY = "away"  # the therapist's time off
    TAKEN = "taken"  # another booking holds the time


def refusal(
    *,
    start: datetime.datetime,
    hours: Sequence[WeeklyHours],
    time_off: Iterable[Busy | BusySeconds] = (),
    bookings: Iterable[Busy | BusySeconds] = (),
    rules: Rules,
    session_minutes: int,
    now: datetime.datetime,
    tz: ZoneInfo = LONDON,
) -> Refusal | None:
    """Why ``free_starts`` would not offer ``start``, or None if it would. The same rules, one
    instant: what a client is told when a time they sent was not free."""
    moment = int(start.timestamp())
    if moment < int(now.timestamp()) + rules.min_notice_minutes * 60:
        return Refusal.TOO_SOON
    day = start.astimezone(tz).date()
    if day > last_bookable_day(now, rules, tz):
        return Refusal.PAST_HORIZON
    need = (session_minutes + rules.buffer_minutes) * 60
    fitting = [
        open_at
        for open_at, close_at in _stretches_on(day, hours, tz)
        if open_at <= moment and moment + need <= close_at
    ]
    if not fitting:
        return Refusal.OUTSIDE_HOURS
    if all((moment - open_at) % (rules.step_minutes * 60) for open_at in fitting):
        return Refusal.OFF_GRID
    end = moment + need
    for kind, ranges in ((Refusal.TAKEN, bookings), (Refusal.AWAY, time_off)):
        if any(busy_start < end and moment < busy_end for busy_start, busy_end in map(_seconds, ranges)):
            return kind
    return None


def _merged_busy(busy: Iterable[Busy | BusySeconds]) -> tuple[list[int], list[int]]:
    """Disjoint, sorted busy ranges as (starts, ends) in seconds."""
    ranges = sorted(map(_seconds, busy))
    starts: list[int] = []
    ends: list[int] = []
    for start, end in ranges:
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def free_starts(
    *,
    hours: Sequence[WeeklyHours],
    busy: Iterable[Busy | BusySeconds] = (),
    rules: Rules,
    session_minutes: int,
    now: datetime.datetime,
    date_from: datetime.date,
    date_to: datetime.date,
    tz: ZoneInfo = LONDON,
) -> list[datetime.datetime]:
    """Every instant a session of ``session_minutes`` could start on London dates
    ``date_from``..``date_to`` (inclusive), sorted, as aware UTC datetimes.

    A start is kept when the session plus the buffer after it fits inside one working stretch
    (in real elapsed time), overlaps no busy range, is at least the minimum notice after
    ``now``, and falls on or before the last bookable day.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    step = rules.step_minutes * 60
    need = (session_minutes + rules.buffer_minutes) * 60
    earliest = int(now.timestamp()) + rules.min_notice_minutes * 60
    date_from = max(date_from, local_today(now, tz))
    date_to = min(date_to, last_bookable_day(now, rules, tz))
    busy_starts, busy_ends = _merged_busy(busy)

    by_weekday: dict[int, list[WeeklyHours]] = {}
    for stretch in hours:
        by_weekday.setdefault(stretch.weekday, []).append(stretch)

    found: list[int] = []
    day = date_from
    one_day = datetime.timedelta(days=1)
    while day <= date_to:
        for open_at, close_at in _stretches_on(day, hours, tz, by_weekday):
            start = open_at
            if start < earliest:
                start = open_at + -(-(earliest - open_at) // step) * step
            # First busy range that ends after the candidate start; later candidates only
            # move forward, so the index only moves forward too.
            index = bisect_right(busy_ends, start)
            while start + need <= close_at:
                while index < len(busy_ends) and busy_ends[index] <= start:
                    index += 1
                if index < len(busy_starts) and busy_starts[index] < start + need:
                    # Blocked: jump to the first step at or after the busy range's end.
                    start = open_at + -(-(busy_ends[index] - open_at) // step) * step
                    continue
                found.append(start)
                start += step
        day += one_day

    # Overlapping stretches (never saved by the hours service, but the engine does not rely
    # on it) would yield one instant twice: dedupe after sorting.
    found.sort()
    result = []
    previous = None
    for timestamp in found:
        if timestamp != previous:
            result.append(datetime.datetime.fromtimestamp(timestamp, UTC))
            previous = timestamp
    return result


def stretches_on(
    day: datetime.date, hours: Iterable[WeeklyHours], tz: ZoneInfo = LONDON
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The stretches that apply on a London date as real (UTC) instants, sorted: what the
    engine works with, for pages that draw the same hours."""
    return [
        (datetime.datetime.fromtimestamp(start, UTC), datetime.datetime.fromtimestamp(end, UTC))
        for start, end in _stretches_on(day, hours, tz)
    ]


@dataclass(frozen=True, slots=True)
class RoomTimes:
    """A room that suits the session: the minutes it is kept free after every session, its
    opening hours (none: no limit of its own, the therapists' hours decide) and its busy
    ranges (time off, and bookings from their start until their room_until)."""

    id: int
    turnover_minutes: int = 0
    hours: Sequence[WeeklyHours] = ()
    busy: Iterable[Busy | BusySeconds] = ()


def rooms_free_at(
    starts: Sequence[datetime.datetime],
    *,
    rooms: Sequence[RoomTimes],
    session_minutes: int,
    tz: ZoneInfo = LONDON,
) -> list[tuple[int, ...]]:
    """For each start, the ids of the rooms (in the order given) free for the session plus
    that room's turnover: inside one of its opening stretches, in real elapsed time, if it has
    any, and overlapping none of its busy ranges."""
    prepared = []
    for room in rooms:
        busy_starts, busy_ends = _merged_busy(room.busy)
        by_weekday: dict[int, list[WeeklyHours]] | None = None
        if room.hours:
            by_weekday = {}
            for stretch in room.hours:
                by_weekday.setdefault(stretch.weekday, []).append(stretch)
        need = (session_minutes + room.turnover_minutes) * 60
        prepared.append((room.id, need, busy_starts, busy_ends, by_weekday, {}))

    answer: list[tuple[int, ...]] = []
    for instant in starts:
        start = int(instant.timestamp())
        day = None
        free = []
        for room_id, need, busy_starts, busy_ends, by_weekday, open_on in prepared:
            if by_weekday is not None:
                if day is None:
                    day = datetime.datetime.fromtimestamp(start, tz).date()
                stretches = open_on.get(day)
                if stretches is None:
                    # A room closes, as a therapist stops, the first time the clock shows the time.
                    stretches = open_on[day] = _stretches_on(day, (), tz, by_weekday)
                if not any(open_at <= start and start + need <= close_at for open_at, close_at in stretches):
                    continue
            index = bisect_right(busy_ends, start)
            if index < len(busy_starts) and busy_starts[index] < start + need:
                continue
            free.append(room_id)
        answer.append(tuple(free))
    return answer
