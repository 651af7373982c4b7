"""The clinic-wide week for the front desk: a row per therapist, a page of them at a time, and a
cell per day with their hours, time off and sessions; each day's sessions counted across the
whole clinic."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from bookings.diary import grid
from bookings.diary.clinic_wide import AgendaItem, page_of
from bookings.diary.selectors import day_bounds, weekly_hours
from bookings.models import Booking
from bookings.slots import availability
from clinic.london import LONDON
from therapists.models import Therapist, TimeOff, WorkingHours


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
    page: Page | None = None


def clinic_week(*, monday: datetime.date, page: str | int | None = None) -> ClinicWeek:
    """The whole clinic's London week for the front desk: a row per therapist (bookable on
    some day of it, or with a booking in it; ``page``: THERAPISTS_PER_PAGE of them at a time)
    and a cell per day with their hours, whether they are off, and their sessions with status;
    and each day's sessions counted across the whole clinic. Five queries whatever the size."""
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    week_start, _ = day_bounds(days[0])
    _, week_end = day_bounds(days[-1])
    in_week = (
        Booking.objects.not_restricted()
        .filter(start__lt=week_end, end__gt=week_start)
        .exclude(status=Booking.Status.CANCELLED)
    )
    everyone = list(
        Therapist.objects.filter(
            Q(pk__in=Therapist.objects.bookable(on=days[0]).values("pk"))
            | Q(pk__in=Therapist.objects.bookable(on=days[-1]).values("pk"))
            | Q(pk__in=in_week.values("therapist_id"))
        ).order_by("display_name", "pk")
    )
    shown = page_of(everyone, page)
    therapists = list(shown.object_list)
    bookings = list(in_week.filter(therapist__in=therapists).select_related("session_type", "room").order_by("start"))
    hours: dict[int, list[availability.WeeklyHours]] = {}
    for row in WorkingHours.objects.filter(therapist__in=therapists).in_force(days[0], days[-1]).order_by("start_time"):
        hours.setdefault(row.therapist_id, []).append(weekly_hours(row))
    time_off = list(TimeOff.objects.filter(therapist__in=therapists, start__lt=week_end, end__gt=week_start))

    # Grouped once by therapist and London date, so each cell is a lookup: the week costs the
    # same per therapist-day at 200 therapists as at 20.
    sessions: dict[tuple[int, datetime.date], list[AgendaItem]] = defaultdict(list)
    for b in bookings:
        start = b.start.astimezone(LONDON)
        sessions[b.therapist_id, start.date()].append(AgendaItem(booking=b, start=start, end=b.end.astimezone(LONDON)))
    away: dict[int, list[TimeOff]] = defaultdict(list)
    for block in time_off:
        away[block.therapist_id].append(block)
    rows = [
        WeekRow(
            person,
            [_week_cell(day, hours.get(person.pk, []), away[person.pk], sessions[person.pk, day]) for day in days],
        )
        for person in therapists
    ]
    return ClinicWeek(monday=monday, days=days, rows=rows, totals=_sessions_a_day(in_week, days), page=shown)


def _sessions_a_day(in_week, days: list[datetime.date]) -> list[int]:
    """One query: each day's sessions across the whole clinic, counted by London date of start."""
    counted = dict(
        in_week.annotate(day=TruncDate("start", tzinfo=LONDON))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [counted.get(day, 0) for day in days]


def _week_cell(
    day: datetime.date,
    hours: list[availability.WeeklyHours],
    time_off: list[TimeOff],
    sessions: list[AgendaItem],
) -> WeekCell:
    """A therapist's day in the week: their hours, whether they are off (``time_off``: theirs),
    and their sessions that start on the day."""
    day_start, day_end = day_bounds(day)
    return WeekCell(
        day=day,
        hours=grid.describe_hours(availability.stretches_on(day, hours)),
        off=any(t.start < day_end and t.end > day_start for t in time_off),
        bookings=sessions,
    )
