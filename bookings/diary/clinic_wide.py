"""Reads for the clinic-wide diary the front desk works from: the day as a time grid (a column
per therapist or per room, with bookings, time off and free gaps, and the day's bookings as a
list with the rooms each could move to), which a therapist's own day view also draws filtered
to them. The week at a glance, a row per therapist and a cell per day, is clinic_wide_week.py.

The grid's columns are drawn in bookings/diary/grid.py (no queries); the therapist's own
diary, and the helpers both share, live in bookings/diary/selectors.py."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Q

from bookings.diary import bookable_gaps, grid
from bookings.diary.selectors import day_bounds, health_needs_reading, weekly_hours
from bookings.models import Booking
from bookings.slots import availability
from clinic.london import LONDON
from clinic.models import Room, RoomClosure, RoomHours
from therapists.models import Therapist, TimeOff, WorkingHours


@dataclass
class AgendaItem:
    booking: Booking
    start: datetime.datetime  # London time
    end: datetime.datetime
    # The other rooms this booking could be moved to: active and suiting its session.
    room_choices: list[Room] = field(default_factory=list)
    red_flag: bool = False
    detail_url: str = ""  # the booking's page, where the view sets it

    @property
    def status_label(self) -> str:
        return grid.STATUS_LABELS.get(self.booking.status, self.booking.get_status_display())


@dataclass
class ClinicDay:
    day: datetime.date
    by: str  # "therapist" or "room"
    columns: list[grid.GridColumn]
    hour_marks: list[tuple[int, datetime.datetime]]
    last_row: int
    agenda: list[AgendaItem]
    late_cancellations: list[Booking]
    # By therapist at the front desk: which of the day's therapists this page shows.
    page: Page | None = None
    # Today's grid: the row holding the time now, and that time (London), for the line.
    now_row: int | None = None
    now: datetime.datetime | None = None


# A page of therapists: a clinic of 200 shows them 20 at a time, so a page costs the same
# however many work there (and the grid stays within the columns its stylesheet draws).
THERAPISTS_PER_PAGE = 20


def page_of(therapists: list[Therapist], page: str | int | None) -> Page:
    """The page asked for (the first for anything that is not a page number, the last for one
    past the end)."""
    return Paginator(therapists, THERAPISTS_PER_PAGE, allow_empty_first_page=True).get_page(page)


# The clinic-wide day ----------------------------------------------------------------------


@dataclass
class _Staff:
    """The day's therapists with their working stretches (UTC, by therapist) and time off."""

    therapists: list[Therapist]
    open: dict[int, list[grid.Span]]
    time_off: list[TimeOff]


@dataclass
class _Rooms:
    """The day's rooms with their weekly hours and opening stretches (by room), closures, and
    which rooms suit each session type (by session type)."""

    rooms: list[Room]
    hours: dict[int, list[availability.WeeklyHours]]
    open: dict[int, list[grid.Span]]
    closures: list[RoomClosure]
    suits: dict[int, set[int]]


def clinic_day(
    *,
    day: datetime.date,
    by: str = "therapist",
    now: datetime.datetime,
    therapist: Therapist | None = None,
    page: str | int | None = None,
) -> ClinicDay:
    """The whole clinic's London day as a time grid: a column per therapist (bookable that day,
    or with a booking; ``page``: THERAPISTS_PER_PAGE of them at a time), or with ``by="room"`` a
    column per room (in use, or with a booking), each with its bookings, time off and free
    gaps; and the bookings shown as a list with the rooms each could move to. Eight queries
    whatever the number of therapists, rooms or bookings.

    With ``therapist``, the same grid filtered to them: their own diary's day, one column,
    whether or not they can be booked that day, and no room moves (the front desk's job)."""
    shown: Page | None = None
    if therapist is not None:
        by, people = "therapist", [therapist]
    elif by == "therapist":
        shown = page_of(_day_therapists(day), page)
        people = list(shown.object_list)
    bookings, late_cancellations = _day_bookings(day, people if by == "therapist" else None)
    if by == "room":
        people = _day_therapists(day)
    staff = _day_staff(day, people)
    # A therapist's own grid needs no room data (the bookings carry their room's name), and
    # empty room lists cost no queries.
    rooms = _day_rooms(day, [] if therapist is not None else _rooms_in_view(bookings))
    window = grid.window_for(
        day,
        [span for spans in staff.open.values() for span in spans]
        + [span for spans in rooms.open.values() for span in spans]
        + [(b.start, b.end) for b in bookings],
    )
    # What holds each room that day: every booking, not only those of the therapists this page
    # shows, for the gaps the front desk may book and the rooms a booking may move to.
    held = _held(bookings) if by == "room" or therapist is not None else bookable_gaps.rooms_held(day)
    if by == "room":
        columns = grid.room_columns(window, rooms.rooms, rooms.open, rooms.closures, bookings)
    else:
        columns = grid.therapist_columns(
            window,
            staff.therapists,
            staff.open,
            staff.time_off,
            bookings,
            own=therapist is not None,
            free_from=_free_from(day, window, now),
            room_limits=None
            if therapist is not None
            else bookable_gaps.room_limits(
                day, staff.therapists, rooms.rooms, rooms.open, rooms.closures, rooms.suits, held
            ),
        )
    today = day == now.astimezone(LONDON).date()
    return ClinicDay(
        day=day,
        by=by,
        columns=columns,
        hour_marks=window.hour_marks(),
        last_row=grid.FIRST_ROW + window.rows - 1,
        agenda=_agenda(bookings, rooms, held, now=now, rooms_movable=therapist is None),
        late_cancellations=late_cancellations,
        page=shown,
        now_row=window.now_row(now) if today else None,
        now=now.astimezone(LONDON) if today else None,
    )


def _free_from(day: datetime.date, window: grid.Window, now: datetime.datetime) -> datetime.datetime | None:
    """Where a day's bookable gaps begin: none on a day that has passed, the next row today,
    the grid's start on a later day."""
    today = now.astimezone(LONDON).date()
    if day < today:
        return None
    return window.next_row_start(now) if day == today else window.start


def _in_view_on(day: datetime.date):
    """The day's bookings a diary shows: holding their time, or cancelled late (records held
    after an erasure request are restricted: no staff list shows them)."""
    day_start, day_end = day_bounds(day)
    return (
        Booking.objects.not_restricted()
        .filter(start__lt=day_end, end__gt=day_start)
        .filter(~Q(status=Booking.Status.CANCELLED) | Q(late_cancellation=True))
    )


def _day_bookings(day: datetime.date, therapists: list[Therapist] | None) -> tuple[list[Booking], list[Booking]]:
    """One query: the day's bookings (all, or those of ``therapists``) that hold their time, and
    apart from them its late cancellations."""
    in_view = _in_view_on(day)
    if therapists is not None:
        in_view = in_view.filter(therapist__in=therapists)
    day_bookings = list(
        in_view.select_related("session_type", "therapist", "room", "health_screen").order_by(
            "start", "therapist__display_name"
        )
    )
    bookings = [b for b in day_bookings if b.status != Booking.Status.CANCELLED]
    return bookings, [b for b in day_bookings if b.status == Booking.Status.CANCELLED]


def _day_therapists(day: datetime.date) -> list[Therapist]:
    """One query: the therapists bookable on the day, or with a booking in it."""
    return list(
        Therapist.objects.filter(
            Q(pk__in=Therapist.objects.bookable(on=day).values("pk"))
            | Q(pk__in=_in_view_on(day).exclude(status=Booking.Status.CANCELLED).values("therapist_id"))
        ).order_by("display_name", "pk")
    )


def _day_staff(day: datetime.date, therapists: list[Therapist]) -> _Staff:
    """Two queries: the therapists' working hours in force on the day, and their time off."""
    day_start, day_end = day_bounds(day)
    hours: dict[int, list[availability.WeeklyHours]] = {}
    for row in WorkingHours.objects.filter(therapist__in=therapists, weekday=day.weekday()).in_force(day, day):
        hours.setdefault(row.therapist_id, []).append(weekly_hours(row))
    return _Staff(
        therapists=therapists,
        open={t.pk: availability.stretches_on(day, hours.get(t.pk, [])) for t in therapists},
        time_off=list(TimeOff.objects.filter(therapist__in=therapists, start__lt=day_end, end__gt=day_start)),
    )


def _rooms_in_view(bookings: list[Booking]) -> list[Room]:
    """One query: the rooms in use, and any out of use that still has one of the bookings."""
    return list(
        Room.objects.filter(Q(active=True) | Q(pk__in={b.room_id for b in bookings if b.room_id})).order_by(
            "display_order", "name", "pk"
        )
    )


def _day_rooms(day: datetime.date, rooms: list[Room]) -> _Rooms:
    """Three queries (none for no rooms): the rooms' hours on the day's weekday, their
    closures that day, and the session types each suits."""
    day_start, day_end = day_bounds(day)
    hours: dict[int, list[availability.WeeklyHours]] = {}
    for row in RoomHours.objects.filter(room__in=rooms, weekday=day.weekday()):
        hours.setdefault(row.room_id, []).append(availability.WeeklyHours(row.weekday, row.start_time, row.end_time))
    closures = list(RoomClosure.objects.filter(room__in=rooms, start__lt=day_end, end__gt=day_start))
    suits: dict[int, set[int]] = {}
    for room_id, session_type_id in Room.session_types.through.objects.filter(room__in=rooms).values_list(
        "room_id", "sessiontype_id"
    ):
        suits.setdefault(session_type_id, set()).add(room_id)
    return _Rooms(
        rooms=rooms,
        hours=hours,
        open={r.pk: availability.stretches_on(day, hours.get(r.pk, [])) for r in rooms},
        closures=closures,
        suits=suits,
    )


def _held(bookings: list[Booking]) -> dict[int, list[grid.Span]]:
    """What holds each room, from bookings that are all of the day's (the grid by room)."""
    held: dict[int, list[grid.Span]] = defaultdict(list)
    for b in bookings:
        if b.room_id is not None:
            held[b.room_id].append((b.start, b.room_until))
    return held


def _agenda(
    bookings: list[Booking],
    rooms: _Rooms,
    held: dict[int, list[grid.Span]],
    *,
    now: datetime.datetime,
    rooms_movable: bool,
) -> list[AgendaItem]:
    """The day's bookings as a list, each with the rooms it could move to when
    ``rooms_movable`` (the front desk's grid): only rooms free for it (the service re-checks
    under the room's lock)."""
    choices = _free_rooms(bookings, rooms, held, now) if rooms_movable else {}
    return [
        AgendaItem(
            booking=b,
            start=b.start.astimezone(LONDON),
            end=b.end.astimezone(LONDON),
            room_choices=choices.get(b.pk, []),
            red_flag=health_needs_reading(b),
        )
        for b in bookings
    ]


def _free_rooms(
    bookings: list[Booking], rooms: _Rooms, held: dict[int, list[grid.Span]], now: datetime.datetime
) -> dict[int, list[Room]]:
    """For each booking that can still change and needs a room, the other active rooms that
    suit its session and are free for it (of its closures and of everything ``held`` says holds
    it), by booking id. One pass of the slot arithmetic per session type over all its bookings'
    starts, so the day costs the same per booking at 1,000 bookings as at 10."""
    room_busy: dict[int, list[availability.Busy]] = defaultdict(list)
    for closure in rooms.closures:
        room_busy[closure.room_id].append(availability.Busy(closure.start, closure.end))
    for room_id, spans in held.items():
        room_busy[room_id] += [availability.Busy(start, until) for start, until in spans]
    movable: dict[int, list[Booking]] = defaultdict(list)
    for b in bookings:
        if b.session_type.needs_room and b.is_changeable(now):
            movable[b.session_type_id].append(b)
    choices: dict[int, list[Room]] = {}
    for session_type_id, group in movable.items():
        suiting = rooms.suits.get(session_type_id, set())
        candidates = [room for room in rooms.rooms if room.active and room.pk in suiting]
        free_at = availability.rooms_free_at(
            [b.start for b in group],
            rooms=[
                availability.RoomTimes(room.pk, room.turnover_minutes, rooms.hours.get(room.pk, ()), room_busy[room.pk])
                for room in candidates
            ],
            session_minutes=group[0].session_type.duration_minutes,
        )
        for b, free in zip(group, free_at, strict=True):
            # A booking's own room is busy with it, and never a choice anyway.
            choices[b.pk] = [room for room in candidates if room.pk in free and room.pk != b.room_id]
    return choices
