"""Reads for the diary pages and the calendar feed."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from bookings.diary import grid
from bookings.models import Booking
from bookings.slots import availability
from clinic.london import LONDON, wall_clock_to_utc
from clinic.models import Room, RoomClosure, RoomHours
from therapists.models import Therapist, TimeOff, WorkingHours


@dataclass
class DiaryBooking:
    booking: Booking
    start: datetime.datetime  # London time
    end: datetime.datetime
    client_first_name: str
    session_name: str
    # Set when the client answered yes to a health question, so the therapist should read the
    # answers before the session (_health_needs_reading).
    red_flag: bool = False

    @property
    def can_mark_outcome(self) -> bool:
        return self.booking.awaits_outcome(datetime.datetime.now(datetime.UTC))


@dataclass
class DiaryTimeOff:
    time_off: TimeOff
    start: datetime.datetime  # London time, clipped to the day
    end: datetime.datetime
    whole_day: bool


@dataclass
class DiaryDay:
    day: datetime.date
    hours: list[tuple[datetime.time, datetime.time]] = field(default_factory=list)
    time_off: list[DiaryTimeOff] = field(default_factory=list)
    bookings: list[DiaryBooking] = field(default_factory=list)

    @property
    def is_whole_day_off(self) -> bool:
        return any(block.whole_day for block in self.time_off)

    @property
    def is_today(self) -> bool:
        return self.day == datetime.datetime.now(LONDON).date()


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    # Midnight always exists in London (the clocks change at 01:00).
    return wall_clock_to_utc(day, datetime.time()), wall_clock_to_utc(day + datetime.timedelta(days=1), datetime.time())


def diary_days(*, therapist: Therapist, first_day: datetime.date, days: int) -> list[DiaryDay]:
    """The therapist's diary for ``days`` London days from ``first_day``: working hours,
    time off and bookings (cancelled ones left out). Three queries whatever the range."""
    last_day = first_day + datetime.timedelta(days=days - 1)
    range_start, _ = _day_bounds(first_day)
    _, range_end = _day_bounds(last_day)
    diary = [DiaryDay(first_day + datetime.timedelta(days=n)) for n in range(days)]

    hours = list(
        WorkingHours.objects.filter(therapist=therapist)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=last_day))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=first_day))
        .order_by("start_time")
    )
    time_off = list(therapist.time_off.filter(start__lt=range_end, end__gt=range_start))
    bookings = list(
        Booking.objects.holding_time()
        .filter(therapist=therapist, start__lt=range_end, end__gt=range_start)
        .select_related("session_type", "health_screen")
        .order_by("start")
    )
    for entry in diary:
        day_start, day_end = _day_bounds(entry.day)
        entry.hours = [
            (stretch.start_time, stretch.end_time)
            for stretch in hours
            if stretch.weekday == entry.day.weekday()
            and (stretch.effective_from is None or stretch.effective_from <= entry.day)
            and (stretch.effective_until is None or entry.day <= stretch.effective_until)
        ]
        for block in time_off:
            if block.start < day_end and block.end > day_start:
                start, end = max(block.start, day_start), min(block.end, day_end)
                entry.time_off.append(
                    DiaryTimeOff(
                        block, start.astimezone(LONDON), end.astimezone(LONDON), start == day_start and end == day_end
                    )
                )
        for booking in bookings:
            if day_start <= booking.start < day_end:
                entry.bookings.append(
                    DiaryBooking(
                        booking=booking,
                        start=booking.start.astimezone(LONDON),
                        end=booking.end.astimezone(LONDON),
                        client_first_name=booking.client_first_name,
                        session_name=booking.session_type.name,
                        red_flag=_health_needs_reading(booking),
                    )
                )
    return diary


def describe_span(start: datetime.datetime, end: datetime.datetime) -> str:
    """A period as a therapist would say it, in London time: whole days read as days."""
    start, end = start.astimezone(LONDON), end.astimezone(LONDON)
    midnight = datetime.time()
    if start.time() == midnight and end.time() == midnight:
        last = end.date() - datetime.timedelta(days=1)
        if last == start.date():
            return f"{start:%a} {start.day} {start:%b %Y}, all day"
        return f"{start:%a} {start.day} {start:%b} to {last:%a} {last.day} {last:%b %Y}, all day"
    if start.date() == end.date():
        return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M} to {end:%H:%M}"
    return f"{start:%a} {start.day} {start:%b} {start:%H:%M} to {end:%a} {end.day} {end:%b %Y} {end:%H:%M}"


def _health_needs_reading(booking: Booking) -> bool:
    """The client ticked something on the health screen (a "work around" or "doctor's OK"
    answer: red flags never get booked), so the therapist should read it first."""
    screen = getattr(booking, "health_screen", None)
    return bool(screen and screen.answered_yes)


@dataclass
class UpcomingTimeOff:
    time_off: TimeOff
    when: str


def time_off_upcoming(*, therapist: Therapist, now: datetime.datetime) -> list[UpcomingTimeOff]:
    """The therapist's time off that has not ended yet, soonest first."""
    return [
        UpcomingTimeOff(block, describe_span(block.start, block.end))
        for block in therapist.time_off.filter(end__gt=now).order_by("start")
    ]


def therapist_get_by_feed_token(*, token: str) -> Therapist:
    """The therapist whose current feed secret is ``token``; raises Therapist.DoesNotExist
    for an empty, wrong or replaced one."""
    if not token:
        raise Therapist.DoesNotExist
    return Therapist.objects.get(feed_token=token)


FEED_HISTORY = datetime.timedelta(days=90)


def feed_bookings(*, therapist: Therapist, now: datetime.datetime) -> list[Booking]:
    """Bookings for the calendar feed: from 90 days back onwards, cancelled ones included so
    calendar apps can strike them out."""
    return list(
        Booking.objects.filter(therapist=therapist, start__gte=now - FEED_HISTORY)
        .select_related("session_type", "room")
        .order_by("start")
    )


def feed_time_off(*, therapist: Therapist, now: datetime.datetime) -> list[TimeOff]:
    """Time off for the calendar feed, over the same span as the bookings."""
    return list(therapist.time_off.filter(end__gte=now - FEED_HISTORY).order_by("start"))


# The clinic-wide day ----------------------------------------------------------------------

STATUS_LABELS = {
    Booking.Status.CONFIRMED: "Booked",
    Booking.Status.AWAITING_REVIEW: "Awaiting review",
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


@dataclass
class GridColumn:
    title: str
    note: str  # the hours, "Not working", "Closed"...
    blocks: list[GridBlock] = field(default_factory=list)
    # A therapist's column: its free gaps open that therapist's free times, to book a client in.
    therapist_id: int | None = None


@dataclass
class AgendaItem:
    booking: Booking
    start: datetime.datetime  # London time
    end: datetime.datetime
    # The other rooms this booking could be moved to: active and suiting its session.
    room_choices: list[Room] = field(default_factory=list)
    red_flag: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.booking.status, self.booking.get_status_display())


@dataclass
class ClinicDay:
    day: datetime.date
    by: str  # "therapist" or "room"
    columns: list[GridColumn]
    hour_marks: list[tuple[int, datetime.datetime]]
    last_row: int
    agenda: list[AgendaItem]
    late_cancellations: list[Booking]


def _describe_hours(spans: list[tuple[datetime.datetime, datetime.datetime]]) -> str:
    return ", ".join(f"{start.astimezone(LONDON):%H:%M}–{end.astimezone(LONDON):%H:%M}" for start, end in spans)


def clinic_day(
    *, day: datetime.date, by: str = "therapist", now: datetime.datetime, therapist: Therapist | None = None
) -> ClinicDay:
    """The whole clinic's London day as a time grid: a column per therapist (bookable that day,
    or with a booking), or with ``by="room"`` a column per room (in use, or with a booking),
    each with its bookings, time off and free gaps; and the day's bookings as a list with the
    rooms each could move to. Seven queries whatever the number of therapists, rooms or
    bookings.

    With ``therapist``, the same grid filtered to them: their own diary's day, one column,
    whether or not they can be booked that day, and no room moves (the front desk's job)."""
    if therapist is not None:
        by = "therapist"
    day_start, day_end = _day_bounds(day)
    in_view = Booking.objects.filter(therapist=therapist) if therapist is not None else Booking.objects.all()
    day_bookings = list(
        in_view.filter(start__lt=day_end, end__gt=day_start)
        .filter(~Q(status=Booking.Status.CANCELLED) | Q(late_cancellation=True))
        .select_related("session_type", "therapist", "room", "health_screen")
        .order_by("start", "therapist__display_name")
    )
    bookings = [b for b in day_bookings if b.status != Booking.Status.CANCELLED]
    late_cancellations = [b for b in day_bookings if b.status == Booking.Status.CANCELLED]

    if therapist is not None:
        therapists = [therapist]
    else:
        therapists = list(
            Therapist.objects.filter(
                Q(pk__in=Therapist.objects.bookable(on=day).values("pk")) | Q(pk__in={b.therapist_id for b in bookings})
            ).order_by("display_name", "pk")
        )
    hours: dict[int, list[availability.WeeklyHours]] = {}
    for row in (
        WorkingHours.objects.filter(therapist__in=therapists, weekday=day.weekday())
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=day))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
    ):
        hours.setdefault(row.therapist_id, []).append(
            availability.WeeklyHours(row.weekday, row.start_time, row.end_time, row.effective_from, row.effective_until)
        )
    time_off = list(TimeOff.objects.filter(therapist__in=therapists, start__lt=day_end, end__gt=day_start))

    # A therapist's own grid needs no room data (the bookings carry their room's name), and
    # empty room lists cost no queries below.
    rooms = (
        []
        if therapist is not None
        else list(
            Room.objects.filter(Q(active=True) | Q(pk__in={b.room_id for b in bookings if b.room_id})).order_by(
                "display_order", "name", "pk"
            )
        )
    )
    room_hours: dict[int, list] = {}
    for row in RoomHours.objects.filter(room__in=rooms, weekday=day.weekday()):
        room_hours.setdefault(row.room_id, []).append(
            availability.WeeklyHours(row.weekday, row.start_time, row.end_time)
        )
    closures = list(RoomClosure.objects.filter(room__in=rooms, start__lt=day_end, end__gt=day_start))
    suits: dict[int, set[int]] = {}
    for room_id, session_type_id in Room.session_types.through.objects.filter(room__in=rooms).values_list(
        "room_id", "sessiontype_id"
    ):
        suits.setdefault(session_type_id, set()).add(room_id)

    therapist_open = {t.pk: availability.stretches_on(day, hours.get(t.pk, [])) for t in therapists}
    room_open = {r.pk: availability.stretches_on(day, room_hours.get(r.pk, [])) for r in rooms}
    window = grid.window_for(
        day,
        [span for spans in therapist_open.values() for span in spans]
        + [span for spans in room_open.values() for span in spans]
        + [(b.start, b.end) for b in bookings],
    )

    def booking_block(booking: Booking, label: str) -> GridBlock | None:
        placed = window.place(booking.start, booking.end)
        if placed is None:
            return None
        return GridBlock(
            "booking", *placed, booking.start.astimezone(LONDON), booking.end.astimezone(LONDON), label, booking
        )

    def span_blocks(kind: str, spans, label: str) -> list[GridBlock]:
        blocks = []
        for start, end in spans:
            placed = window.place(start, end)
            if placed:
                blocks.append(GridBlock(kind, *placed, start.astimezone(LONDON), end.astimezone(LONDON), label))
        return blocks

    columns = []
    if by == "room":
        for room in rooms:
            held = [b for b in bookings if b.room_id == room.pk]
            off = [(c.start, c.end) for c in closures if c.room_id == room.pk]
            opening = room_open[room.pk] or [(window.start, window.end)]
            column = GridColumn(
                room.name + ("" if room.active else " (out of use)"),
                _describe_hours(room_open[room.pk]) if room_open[room.pk] else "Open with the therapists",
            )
            column.blocks += span_blocks(
                "free",
                grid.free_gaps(opening, [(b.start, b.room_until or b.end) for b in held] + off),
                "Free",
            )
            column.blocks += span_blocks("off", off, "Closed")
            column.blocks += [block for b in held if (block := booking_block(b, b.therapist.display_name))]
            columns.append(column)
        # Sessions without a room may overlap one another: each goes in the first "No room"
        # column it fits, so no block hides another.
        lanes: list[list[Booking]] = []
        for b in bookings:
            if b.room_id is None:
                lane = next((lane for lane in lanes if lane[-1].end <= b.start), None)
                if lane is None:
                    lanes.append(lane := [])
                lane.append(b)
        for lane in lanes:
            column = GridColumn("No room", "Booked before rooms, or needs none")
            column.blocks += [block for b in lane if (block := booking_block(b, b.therapist.display_name))]
            columns.append(column)
    else:
        for person in therapists:
            held = [b for b in bookings if b.therapist_id == person.pk]
            off = [(t.start, t.end) for t in time_off if t.therapist_id == person.pk]
            column = GridColumn(
                person.display_name,
                _describe_hours(therapist_open[person.pk]) or "Not working",
                therapist_id=person.pk,
            )
            column.blocks += span_blocks(
                "free",
                grid.free_gaps(therapist_open[person.pk], [(b.start, b.blocks_until) for b in held] + off),
                "Free",
            )
            column.blocks += span_blocks("off", off, "Time off")
            # On the front desk's grid a missing room is worth seeing; in a therapist's own it is noise.
            no_room = "" if therapist is not None else "No room"
            column.blocks += [block for b in held if (block := booking_block(b, b.room.name if b.room else no_room))]
            columns.append(column)

    # Offer only the rooms free for the booking (the service re-checks under the room's lock).
    room_busy = {room.pk: [(c.start, c.end) for c in closures if c.room_id == room.pk] for room in rooms}
    for b in bookings:
        if b.room_id in room_busy:
            room_busy[b.room_id].append((b.start, b.room_until))

    def free_rooms(booking: Booking) -> list[Room]:
        if therapist is not None or not (booking.is_changeable(now) and booking.session_type.needs_room):
            return []
        candidates = [
            room
            for room in rooms
            if room.active and room.pk != booking.room_id and room.pk in suits.get(booking.session_type_id, set())
        ]
        (free,) = availability.rooms_free_at(
            [booking.start],
            rooms=[
                availability.RoomTimes(
                    room.pk,
                    room.turnover_minutes,
                    room_hours.get(room.pk, ()),
                    [availability.Busy(*span) for span in room_busy[room.pk]],
                )
                for room in candidates
            ],
            session_minutes=booking.session_type.duration_minutes,
        )
        return [room for room in candidates if room.pk in free]

    agenda = [
        AgendaItem(
            booking=b,
            start=b.start.astimezone(LONDON),
            end=b.end.astimezone(LONDON),
            room_choices=free_rooms(b),
            red_flag=_health_needs_reading(b),
        )
        for b in bookings
    ]
    return ClinicDay(
        day=day,
        by=by,
        columns=columns,
        hour_marks=window.hour_marks(),
        last_row=grid.FIRST_ROW + window.rows - 1,
        agenda=agenda,
        late_cancellations=late_cancellations,
    )


# The clinic-wide week ---------------------------------------------------------------------


@dataclass
class WeekCell:
    day: datetime.date
    hours: str  # "09:00–17:00", or "" when not working
    off: bool  # time off covers part or all of the day
    bookings: list[AgendaItem] = field(default_factory=list)


@dataclass
class WeekRow:
    therapist: Therapist
    cells: list[WeekCell]


@dataclass
class ClinicWeek:
    monday: datetime.date
    days: list[datetime.date]
    rows: list[WeekRow]
    # Per day, how many sessions are booked across the clinic (cancelled ones left out).
    totals: list[int]


def clinic_week(*, monday: datetime.date) -> ClinicWeek:
    """The whole clinic's London week for the front desk: a row per therapist (bookable on
    some day of it, or with a booking in it) and a cell per day with their hours, whether
    they are off, and their sessions with status. Four queries whatever the size."""
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    week_start, _ = _day_bounds(days[0])
    _, week_end = _day_bounds(days[-1])
    bookings = list(
        Booking.objects.filter(start__lt=week_end, end__gt=week_start)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("session_type", "room")
        .order_by("start")
    )
    therapists = list(
        Therapist.objects.filter(
            Q(pk__in=Therapist.objects.bookable(on=days[0]).values("pk"))
            | Q(pk__in=Therapist.objects.bookable(on=days[-1]).values("pk"))
            | Q(pk__in={b.therapist_id for b in bookings})
        ).order_by("display_name", "pk")
    )
    hours: dict[int, list[availability.WeeklyHours]] = {}
    for row in (
        WorkingHours.objects.filter(therapist__in=therapists)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=days[-1]))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=days[0]))
        .order_by("start_time")
    ):
        hours.setdefault(row.therapist_id, []).append(
            availability.WeeklyHours(row.weekday, row.start_time, row.end_time, row.effective_from, row.effective_until)
        )
    time_off = list(TimeOff.objects.filter(therapist__in=therapists, start__lt=week_end, end__gt=week_start))

    rows = []
    for person in therapists:
        cells = []
        for day in days:
            day_start, day_end = _day_bounds(day)
            cells.append(
                WeekCell(
                    day=day,
                    hours=_describe_hours(availability.stretches_on(day, hours.get(person.pk, []))),
                    off=any(t.therapist_id == person.pk and t.start < day_end and t.end > day_start for t in time_off),
                    bookings=[
                        AgendaItem(booking=b, start=b.start.astimezone(LONDON), end=b.end.astimezone(LONDON))
                        for b in bookings
                        if b.therapist_id == person.pk and day_start <= b.start < day_end
                    ],
                )
            )
        rows.append(WeekRow(person, cells))
    totals = [sum(len(row.cells[n].bookings) for row in rows) for n in range(7)]
    return ClinicWeek(monday=monday, days=days, rows=rows, totals=totals)
