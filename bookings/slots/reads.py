"""The queries behind a slot search (bookings.slots.selectors): the therapists bookable for it
with their own rules, their weekly hours, and what keeps them and the rooms busy, read as whole
POSIX seconds so no datetime is built per row."""

import datetime
from collections import defaultdict

from django.db.models import BigIntegerField, Func, Value

from bookings.models import Booking
from bookings.slots import availability
from clinic.models import RoomClosure, SessionType
from therapists.models import Therapist, TimeOff, WorkingHours


class EpochSeconds(Func):
    """A timestamp as whole POSIX seconds, computed by the database: the slot arithmetic works
    in seconds, and reading thousands of busy rows as datetimes was most of a cold search."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS bigint)", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite's datetimes as UTC text, which strftime reads as UTC. '%%%%s' is
        # '%s' once the template and then the query's parameters have each taken a '%'.
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS integer)", **extra
        )


def room_busy_queries(room_ids, window_start: datetime.datetime, window_end: datetime.datetime, exclude_booking=None):
    """Time off and bookings holding the rooms in the window, as (room id, start, end, "room")
    rows, in POSIX seconds, to join a UNION ALL. A booking holds its room until room_until (its
    end plus the room's turnover), the range the database's no-overlap constraint compares."""
    closures = (
        RoomClosure.objects.filter(room_id__in=room_ids, start__lt=window_end, end__gt=window_start)
        .annotate(kind=Value("room"), begins=EpochSeconds("start"), ends=EpochSeconds("end"))
        .values_list("room_id", "begins", "ends", "kind")
        .order_by()
    )
    bookings = Booking.objects.holding_time().filter(
        room_id__in=room_ids, start__lt=window_end, room_until__gt=window_start
    )
    if exclude_booking is not None:
        bookings = bookings.exclude(pk=exclude_booking)
    bookings = (
        bookings.annotate(kind=Value("room"), begins=EpochSeconds("start"), ends=EpochSeconds("room_until"))
        .values_list("room_id", "begins", "ends", "kind")
        .order_by()
    )
    return closures, bookings


def therapists_searched(
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    date_to: datetime.date,
    clinic: availability.Rules,
    notice: bool = True,
) -> tuple[dict[int, availability.Rules], dict[int, datetime.date]]:
    """One query: the therapists bookable on date_from who offer the session (only the one
    asked for, if one was), each with their own rules and the last day of the range their
    registration check holds."""
    therapists = Therapist.objects.bookable(on=date_from).offering(session_type)
    if therapist_id is not None:
        therapists = therapists.filter(pk=therapist_id)
    personal = {}
    last_day = {}
    for pk, buffer, own_notice, check_holds_until in therapists.values_list(
        "pk", "buffer_minutes", "min_notice_minutes", "registration_expires_on"
    ):
        personal[pk] = clinic.for_therapist(buffer_minutes=buffer, min_notice_minutes=own_notice if notice else 0)
        last_day[pk] = min(date_to, check_holds_until)
    return personal, last_day


def working_hours(
    therapist_ids, date_from: datetime.date, date_to: datetime.date
) -> dict[int, list[availability.WeeklyHours]]:
    """One query: the therapists' weekly hours in force on any day of the range; a therapist
    with none is left out."""
    hours: dict[int, list[availability.WeeklyHours]] = defaultdict(list)
    for row in (
        WorkingHours.objects.filter(therapist_id__in=therapist_ids)
        .in_force(date_from, date_to)
        .values_list("therapist_id", "weekday", "start_time", "end_time", "effective_from", "effective_until")
    ):
        hours[row[0]].append(availability.WeeklyHours(*row[1:]))
    return hours


def busy_between(
    therapist_ids, room_ids: list[int], date_from: datetime.date, date_to: datetime.date
) -> tuple[dict[int, list[availability.Busy]], dict[int, list[availability.Busy]]]:
    """One query: the therapists' and the rooms' time off and bookings around the range, as
    busy ranges by therapist and by room."""
    # Wide enough for any wall-clock day in the range.
    window_start = datetime.datetime.combine(date_from, datetime.time(), tzinfo=datetime.UTC) - datetime.timedelta(
        hours=2
    )
    window_end = datetime.datetime.combine(date_to, datetime.time(), tzinfo=datetime.UTC) + datetime.timedelta(
        days=1, hours=2
    )
    # A booking is busy until blocks_until (its end plus the buffer it was booked with), the
    # same range the database's no-overlap constraint compares, so it joins the time off; the
    # rooms' time off and bookings join the same query.
    time_off = (
        TimeOff.objects.filter(therapist_id__in=therapist_ids, start__lt=window_end, end__gt=window_start)
        .annotate(kind=Value("therapist"), begins=EpochSeconds("start"), ends=EpochSeconds("end"))
        .values_list("therapist_id", "begins", "ends", "kind")
        .order_by()
    )
    bookings = (
        Booking.objects.holding_time()
        .filter(therapist_id__in=therapist_ids, start__lt=window_end, blocks_until__gt=window_start)
        .annotate(kind=Value("therapist"), begins=EpochSeconds("start"), ends=EpochSeconds("blocks_until"))
        .values_list("therapist_id", "begins", "ends", "kind")
        .order_by()
    )
    parts = [bookings]
    if room_ids:
        parts.extend(room_busy_queries(room_ids, window_start, window_end))
    busy: dict[int, list[availability.BusySeconds]] = defaultdict(list)
    room_busy: dict[int, list[availability.BusySeconds]] = defaultdict(list)
    for pk, start, end, kind in time_off.union(*parts, all=True):
        (busy if kind == "therapist" else room_busy)[pk].append(availability.BusySeconds(start, end))
    return busy, room_busy
