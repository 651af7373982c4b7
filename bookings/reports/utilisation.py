"""Utilisation: booked minutes over working minutes for therapists, (booked + turnover) over
open minutes for rooms. Bookings are summed by the database; hours, time off and closures are
few rows each, counted here (weekdays counted, not walked day by day; time off and closures
walked over their own days only)."""

import dataclasses
import datetime

from django.db.models import Sum

from bookings.models import Booking
from bookings.reports.figures import real_bookings
from bookings.reports.period import Period
from bookings.slots.reads import EpochSeconds
from clinic.london import LONDON
from clinic.models import Room, RoomClosure, RoomHours
from therapists.models import Therapist, TimeOff, WorkingHours

Status = Booking.Status


@dataclasses.dataclass(frozen=True)
class Utilisation:
    therapist: Therapist
    booked_minutes: int
    working_minutes: int

    @property
    def share(self) -> float | None:
        return self.booked_minutes / self.working_minutes if self.working_minutes else None


def utilisation(period: Period, therapists: list[Therapist]) -> list[Utilisation]:
    """Booked minutes (every booking not cancelled) / working minutes (the weekly hours in
    force on each day, less time off), per therapist. Three queries: bookings summed in SQL,
    and the hours and time off rows, which are few."""
    ids = [t.pk for t in therapists]
    booked = dict(
        Booking.objects.filter(therapist_id__in=ids, start__gte=period.begins, start__lt=period.ends)
        .exclude(status__in=[Status.CANCELLED, Status.HELD])
        .values("therapist_id")
        .annotate(seconds=Sum(EpochSeconds("end") - EpochSeconds("start")))
        .values_list("therapist_id", "seconds")
    )
    hours: dict[int, list[WorkingHours]] = {pk: [] for pk in ids}
    for stretch in WorkingHours.objects.filter(therapist_id__in=ids):
        hours[stretch.therapist_id].append(stretch)
    off: dict[int, list[TimeOff]] = {pk: [] for pk in ids}
    for time_off in TimeOff.objects.filter(therapist_id__in=ids, start__lt=period.ends, end__gt=period.begins):
        off[time_off.therapist_id].append(time_off)
    return [
        Utilisation(
            therapist=t,
            booked_minutes=(booked.get(t.pk) or 0) // 60,
            working_minutes=_working_minutes(period, hours[t.pk]) - _minutes_off(period, hours[t.pk], off[t.pk]),
        )
        for t in therapists
    ]


def _dates(stretch) -> tuple[datetime.date | None, datetime.date | None]:
    """A therapist's stretch may hold between two dates; a room's opening hours always do."""
    return getattr(stretch, "effective_from", None), getattr(stretch, "effective_until", None)


@dataclasses.dataclass(frozen=True)
class RoomUse:
    room: Room
    used_minutes: int  # bookings in the room, their turnover included
    open_minutes: int | None  # None: the room has no opening hours of its own

    @property
    def share(self) -> float | None:
        return self.used_minutes / self.open_minutes if self.open_minutes else None


def room_utilisation(period: Period) -> list[RoomUse]:
    """(Booked + turnover) minutes / the room's open minutes (its opening hours each day, less
    its closures), per active room. Three queries, as for therapists."""
    rooms = list(Room.objects.filter(active=True))
    used = dict(
        real_bookings()
        .filter(room__in=rooms, start__gte=period.begins, start__lt=period.ends)
        .exclude(status=Status.CANCELLED)
        .values("room_id")
        .annotate(seconds=Sum(EpochSeconds("room_until") - EpochSeconds("start")))
        .values_list("room_id", "seconds")
    )
    hours: dict[int, list[RoomHours]] = {room.pk: [] for room in rooms}
    for stretch in RoomHours.objects.filter(room__in=rooms):
        hours[stretch.room_id].append(stretch)
    closed: dict[int, list[RoomClosure]] = {room.pk: [] for room in rooms}
    for closure in RoomClosure.objects.filter(room__in=rooms, start__lt=period.ends, end__gt=period.begins):
        closed[closure.room_id].append(closure)
    return [
        RoomUse(
            room=room,
            used_minutes=(used.get(room.pk) or 0) // 60,
            open_minutes=(
                _working_minutes(period, hours[room.pk]) - _minutes_off(period, hours[room.pk], closed[room.pk])
                if hours[room.pk]
                else None
            ),
        )
        for room in rooms
    ]


def _in_force(stretch, day: datetime.date) -> bool:
    begins, ends = _dates(stretch)
    return stretch.weekday == day.weekday() and (begins is None or begins <= day) and (ends is None or day <= ends)


def _weekdays_between(first: datetime.date, last: datetime.date, weekday: int) -> int:
    """How many of the days first..last fall on ``weekday`` (0 is Monday)."""
    if last < first:
        return 0
    earliest = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    return 0 if earliest > last else (last - earliest).days // 7 + 1


def _stretch_minutes(stretch) -> int:
    return (stretch.end_time.hour * 60 + stretch.end_time.minute) - (
        stretch.start_time.hour * 60 + stretch.start_time.minute
    )


def _working_minutes(period: Period, stretches) -> int:
    """Each stretch's wall-clock minutes on every day of the period it is in force: counted,
    not walked day by day."""
    total = 0
    for stretch in stretches:
        begins, ends = _dates(stretch)
        first = max(period.first, begins or period.first)
        last = min(period.last, ends or period.last)
        total += _weekdays_between(first, last, stretch.weekday) * _stretch_minutes(stretch)
    return total


def _minutes_off(period: Period, stretches, time_off) -> int:
    """Minutes of working hours inside time off, day by day over each time off (short spans)."""
    total = 0
    for gap in time_off:
        begins, ends = max(gap.start, period.begins), min(gap.end, period.ends)
        day = begins.astimezone(LONDON).date()
        while day <= ends.astimezone(LONDON).date():
            for stretch in (s for s in stretches if _in_force(s, day)):
                works_from = datetime.datetime.combine(day, stretch.start_time, tzinfo=LONDON)
                works_until = datetime.datetime.combine(day, stretch.end_time, tzinfo=LONDON)
                overlap = min(works_until, ends) - max(works_from, begins)
                total += max(0, int(overlap.total_seconds() // 60))
            day += datetime.timedelta(days=1)
    return total
