"""The clinic diary's time grid: pure arithmetic, no queries. The window and its rows, free
gaps, and the columns of blocks drawn from the bookings, hours and time off the clinic-wide
reads (bookings/diary/clinic_wide.py) loaded.

The grid runs in real time from a London wall-clock hour, one row per 15 minutes, so on the
last Sunday of March it is an hour shorter and on the last Sunday of October an hour longer,
and a session always spans as many rows as it lasts. Rows are numbered from 2 (row 1 holds
the column headings) because the page places blocks with CSS classes (r-N, s-N in
static/css/clinic.css): the Content-Security-Policy refuses style attributes.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bookings.models import Booking
from clinic.london import LONDON, wall_clock_to_utc
from clinic.models import Room, RoomClosure
from therapists.models import Therapist, TimeOff

ROW = datetime.timedelta(minutes=15)
FIRST_ROW = 2
# static/css/clinic.css defines the classes for a whole day, the 25-hour October Sunday
# included (a heading row and 100 quarter hours), and for 40 columns (the time and 39
# therapists or rooms); a test holds the two together.
CSS_ROWS = FIRST_ROW + 100 - 1
CSS_COLUMNS = 40

Span = tuple[datetime.datetime, datetime.datetime]


@dataclass(frozen=True)
class Window:
    start: datetime.datetime
    end: datetime.datetime

    @property
    def rows(self) -> int:
        return -(-(self.end - self.start) // ROW)

    def place(self, start: datetime.datetime, end: datetime.datetime) -> tuple[int, int] | None:
        """(first row, rows spanned) for a span clipped to the window; None if it falls outside."""
        start, end = max(start, self.start), min(end, self.end)
        if end <= start:
            return None
        first = (start - self.start) // ROW
        last = -(-(end - self.start) // ROW)
        return FIRST_ROW + first, max(1, last - first)

    def now_row(self, now: datetime.datetime) -> int | None:
        """The row holding ``now``, for the line that marks it on today's grid; None outside."""
        if not self.start <= now < self.end:
            return None
        return FIRST_ROW + (now - self.start) // ROW

    def next_row_start(self, now: datetime.datetime) -> datetime.datetime:
        """The start of the first whole row after ``now``: where today's free gaps begin."""
        if now <= self.start:
            return self.start
        return self.start + -(-(now - self.start) // ROW) * ROW

    def hour_marks(self) -> list[tuple[int, datetime.datetime]]:
        """The rows where a London hour begins, with that hour (twice 01:00 in late October)."""
        marks = []
        instant = self.start
        while instant < self.end:
            local = instant.astimezone(LONDON)
            if local.minute == 0:
                marks.append((FIRST_ROW + (instant - self.start) // ROW, local))
            instant += ROW
        return marks


def window_for(day: datetime.date, spans: Iterable[Span], *, earliest: int = 8, latest: int = 20) -> Window:
    """From ``earliest`` o'clock (or the hour of the first span, if sooner) to ``latest`` (or
    the hour after the last span ends), London time, within the day."""
    day_start = wall_clock_to_utc(day, datetime.time())
    day_end = wall_clock_to_utc(day + datetime.timedelta(days=1), datetime.time())
    start = wall_clock_to_utc(day, datetime.time(earliest))
    end = wall_clock_to_utc(day, datetime.time(latest))
    for span_start, span_end in spans:
        start = min(start, max(span_start, day_start))
        end = max(end, min(span_end, day_end))
    start = start.astimezone(LONDON).replace(minute=0, second=0, microsecond=0).astimezone(datetime.UTC)
    end_local = end.astimezone(LONDON)
    if end_local.minute or end_local.second:
        end = min(day_end, end + datetime.timedelta(minutes=60 - end_local.minute, seconds=-end_local.second))
    return Window(start, end)


def free_gaps(open_spans: Sequence[Span], busy: Iterable[Span], *, shortest: datetime.timedelta = ROW) -> list[Span]:
    """The parts of the open spans that no busy span covers, at least ``shortest`` long."""
    taken = sorted(busy)
    gaps = []
    for open_start, open_end in sorted(open_spans):
        cursor = open_start
        for busy_start, busy_end in taken:
            if busy_end <= cursor or busy_start >= open_end:
                continue
            if busy_start > cursor:
                gaps.append((cursor, busy_start))
            cursor = max(cursor, busy_end)
        if cursor < open_end:
            gaps.append((cursor, open_end))
    return [(start, end) for start, end in gaps if end - start >= shortest]


def union(spans: list[Span]) -> list[Span]:
    """Overlapping or touching spans merged, in order."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def within(spans: list[Span], limits: list[Span] | None) -> list[Span]:
    """The parts of ``spans`` inside ``limits`` (all of them when there is no limit)."""
    if limits is None:
        return spans
    return [
        (max(start, low), min(end, high))
        for start, end in spans
        for low, high in limits
        if max(start, low) < min(end, high)
    ]


# Columns of blocks -------------------------------------------------------------------------

STATUS_LABELS = {
    Booking.Status.CONFIRMED: "Booked",
    Booking.Status.AWAITING_REVIEW: "Awaiting review",
    Booking.Status.AWAITING_PAYMENT: "Awaiting payment",
    Booking.Status.ATTENDED: "Attended",
    Booking.Status.NO_SHOW: "No-show",
}


@dataclass
class GridBlock:
    kind: str  # "booking", "free" or "off"
    row: int
    span: int
    start: datetime.datetime  # London time
    end: datetime.datetime
    label: str = ""
    booking: Booking | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.booking.status, "") if self.booking else ""

    @property
    def place(self) -> str:
        """The block's rows on the grid as its stylesheet classes: built once here, because the
        template localises every number it prints, which at a few hundred blocks a page costs
        more than the rest of the block."""
        return f"r-{self.row} s-{self.span}"


@dataclass
class GridColumn:
    title: str
    note: str  # the hours, "Not working", "Closed"...
    blocks: list[GridBlock] = field(default_factory=list)
    # A therapist's column: its free gaps open that therapist's free times, to book a client in.
    therapist_id: int | None = None


def describe_hours(spans: Sequence[Span]) -> str:
    """Stretches as London clock times: "09:00–12:30, 13:30–17:00"."""
    return ", ".join(f"{start.astimezone(LONDON):%H:%M}–{end.astimezone(LONDON):%H:%M}" for start, end in spans)


def _booking_block(window: Window, booking: Booking, label: str) -> GridBlock | None:
    placed = window.place(booking.start, booking.end)
    if placed is None:
        return None
    return GridBlock(
        "booking", *placed, booking.start.astimezone(LONDON), booking.end.astimezone(LONDON), label, booking
    )


def _span_blocks(window: Window, kind: str, spans: Iterable[Span], label: str) -> list[GridBlock]:
    blocks = []
    for start, end in spans:
        placed = window.place(start, end)
        if placed:
            blocks.append(GridBlock(kind, *placed, start.astimezone(LONDON), end.astimezone(LONDON), label))
    return blocks


def therapist_columns(
    window: Window,
    therapists: Sequence[Therapist],
    open_spans: dict[int, list[Span]],
    time_off: Sequence[TimeOff],
    bookings: Sequence[Booking],
    *,
    own: bool,
    free_from: datetime.datetime | None,
    room_limits: dict[int, list[Span] | None] | None = None,
) -> list[GridColumn]:
    """A column per therapist: free gaps in their working stretches (``open_spans`` by
    therapist) from ``free_from`` (None: a day that has passed, with no free gaps), time off,
    and bookings labelled with their room. ``own``: a therapist's own grid, where a missing
    room is noise rather than worth the front desk's notice. ``room_limits``: by therapist, the
    spans a room suiting their sessions is free (bookings.diary.bookable_gaps; None or missing:
    no limit), so a gap is only time that can really be booked."""
    room_limits = room_limits or {}
    no_room = "" if own else "No room"
    # Grouped once: a column per therapist is then a lookup, not a pass over the whole day.
    held_by = _grouped(bookings, "therapist_id")
    off_by = _grouped(time_off, "therapist_id")
    columns = []
    for person in therapists:
        held = held_by.get(person.pk, [])
        off = [(t.start, t.end) for t in off_by.get(person.pk, [])]
        opening = open_spans[person.pk]
        column = GridColumn(person.display_name, describe_hours(opening) or "Not working", therapist_id=person.pk)
        if free_from is not None:
            # Only time still to come can be booked: on today's grid, gaps start at the next row.
            bookable = [(max(start, free_from), end) for start, end in opening if end > free_from]
            bookable = within(bookable, room_limits.get(person.pk))
            free = free_gaps(bookable, [(b.start, b.blocks_until) for b in held] + off)
            column.blocks += _span_blocks(window, "free", free, "Free")
        column.blocks += _span_blocks(window, "off", off, "Time off")
        column.blocks += [
            block for b in held if (block := _booking_block(window, b, b.room.name if b.room else no_room))
        ]
        columns.append(column)
    return columns


def room_columns(
    window: Window,
    rooms: Sequence[Room],
    open_spans: dict[int, list[Span]],
    closures: Sequence[RoomClosure],
    bookings: Sequence[Booking],
) -> list[GridColumn]:
    """A column per room: free gaps in its opening (``open_spans`` by room; the whole window
    when it keeps no hours of its own), closures, and bookings labelled with their therapist;
    then the "No room" columns."""
    held_by = _grouped(bookings, "room_id")
    off_by = _grouped(closures, "room_id")
    columns = []
    for room in rooms:
        held = held_by.get(room.pk, [])
        off = [(c.start, c.end) for c in off_by.get(room.pk, [])]
        column = GridColumn(
            room.name + ("" if room.active else " (out of use)"),
            describe_hours(open_spans[room.pk]) if open_spans[room.pk] else "Open with the therapists",
        )
        opening = open_spans[room.pk] or [(window.start, window.end)]
        free = free_gaps(opening, [(b.start, b.room_until or b.end) for b in held] + off)
        column.blocks += _span_blocks(window, "free", free, "Free")
        column.blocks += _span_blocks(window, "off", off, "Closed")
        column.blocks += [block for b in held if (block := _booking_block(window, b, b.therapist.display_name))]
        columns.append(column)
    return columns + _no_room_columns(window, bookings)


def _grouped(rows: Iterable, key: str) -> dict[int, list]:
    """Rows by the value of their attribute ``key``, each list in the order given."""
    groups: dict[int, list] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


def _no_room_columns(window: Window, bookings: Sequence[Booking]) -> list[GridColumn]:
    """Sessions without a room may overlap one another: each goes in the first "No room"
    column it fits, so no block hides another."""
    lanes: list[list[Booking]] = []
    for b in bookings:
        if b.room_id is None:
            lane = next((lane for lane in lanes if lane[-1].end <= b.start), None)
            if lane is None:
                lanes.append(lane := [])
            lane.append(b)
    columns = []
    for lane in lanes:
        column = GridColumn("No room", "Booked before rooms, or needs none")
        column.blocks += [block for b in lane if (block := _booking_block(window, b, b.therapist.display_name))]
        columns.append(column)
    return columns
