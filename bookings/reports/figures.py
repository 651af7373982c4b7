"""The figures, counted by the database for a period (and, optionally, one therapist or one
session type). Each dataclass names its figures and how they are defined; the page shows the
definitions beside them."""

import dataclasses
import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Cast, Coalesce, Lower, TruncDate, TruncWeek

from bookings.models import Booking, FreedTime, WaitlistOffer
from bookings.reports.chart import Week
from bookings.reports.period import Period
from bookings.slots.selectors import EpochSeconds
from clinic.london import LONDON
from clinic.models import Room, RoomClosure, RoomHours
from therapists.models import Therapist, TimeOff, WorkingHours

Status = Booking.Status
THIRTY_DAYS = datetime.timedelta(days=30)


@dataclasses.dataclass(frozen=True)
class Attendance:
    attended: int
    no_shows: int
    late_cancellations: int
    free_cancellations: int
    revenue_expected: Decimal  # attended sessions at their session's price

    @property
    def no_show_rate(self) -> float | None:
        """No-shows / (attended + no-shows)."""
        seen = self.attended + self.no_shows
        return self.no_shows / seen if seen else None

    @property
    def late_cancel_rate(self) -> float | None:
        """Late cancellations / every booking of the period (attended, no-show or cancelled)."""
        every = self.attended + self.no_shows + self.late_cancellations + self.free_cancellations
        return self.late_cancellations / every if every else None


@dataclasses.dataclass(frozen=True)
class Clients:
    new: int  # first attended session ever in the period
    returning: int  # attended in the period, and before it


@dataclasses.dataclass(frozen=True)
class Rebooking:
    attended: int
    on_the_day: int  # the client booked a later session by the end of the session's day
    within_30_days: int  # ... within 30 days of the session's start

    @property
    def on_the_day_share(self) -> float | None:
        return self.on_the_day / self.attended if self.attended else None

    @property
    def within_30_days_share(self) -> float | None:
        return self.within_30_days / self.attended if self.attended else None


@dataclasses.dataclass(frozen=True)
class Utilisation:
    therapist: Therapist
    booked_minutes: int
    working_minutes: int

    @property
    def share(self) -> float | None:
        return self.booked_minutes / self.working_minutes if self.working_minutes else None


@dataclasses.dataclass(frozen=True)
class FillRate:
    freed: int  # single times of the period given up (cancellations, moves, offers passed on)
    filled: int  # of those, taken from the waitlist

    @property
    def share(self) -> float | None:
        return self.filled / self.freed if self.freed else None


def _real_bookings():
    """Bookings, not waitlist holds: a hold is no booking, held or let go (then it is
    "cancelled", but nobody's)."""
    holds = WaitlistOffer.objects.filter(hold=OuterRef("pk"))
    return Booking.objects.exclude(status=Status.HELD).exclude(Exists(holds))


def _bookings(period: Period, therapist_id: int | None, session_type_id: int | None):
    rows = _real_bookings().filter(start__gte=period.begins, start__lt=period.ends)
    if therapist_id is not None:
        rows = rows.filter(therapist_id=therapist_id)
    if session_type_id is not None:
        rows = rows.filter(session_type_id=session_type_id)
    return rows


def attendance(period: Period, *, therapist_id=None, session_type_id=None) -> Attendance:
    """One query."""
    counted = _bookings(period, therapist_id, session_type_id).aggregate(
        attended=Count("pk", filter=Q(status=Status.ATTENDED)),
        no_shows=Count("pk", filter=Q(status=Status.NO_SHOW)),
        late=Count("pk", filter=Q(status=Status.CANCELLED, late_cancellation=True)),
        free=Count("pk", filter=Q(status=Status.CANCELLED, late_cancellation=False)),
        revenue=Sum("session_type__price", filter=Q(status=Status.ATTENDED)),
    )
    return Attendance(
        attended=counted["attended"],
        no_shows=counted["no_shows"],
        late_cancellations=counted["late"],
        free_cancellations=counted["free"],
        revenue_expected=counted["revenue"] or Decimal("0"),
    )


def _client_key():
    """A client: their account, or for a guest their address (lower case)."""
    return Coalesce(Cast("client_id", CharField()), Lower("client_email"), output_field=CharField())


def _same_client_has(rows):
    """Whether ``rows`` hold a booking of the outer row's client: by account, or for a guest by
    address (theirs as a guest or, later, with an account). Each is one indexed lookup (the
    client's key, UPPER(client_email)), and only one runs for a row: a computed key compared
    row by row took over 8 seconds at 50,000 bookings."""
    by_account = Exists(rows.filter(client_id=OuterRef("client_id")))
    by_address = Exists(rows.filter(client_email__iexact=OuterRef("client_email")))
    return Case(When(client__isnull=False, then=by_account), default=by_address, output_field=BooleanField())


def clients(period: Period, *, therapist_id=None, session_type_id=None) -> Clients:
    """One query: the clients with an attended session in the period, split by whether they
    had one before it (with any therapist)."""
    earlier = Booking.objects.filter(status=Status.ATTENDED, start__lt=period.begins)
    counted = (
        _bookings(period, therapist_id, session_type_id)
        .filter(status=Status.ATTENDED)
        .annotate(key=_client_key(), before=_same_client_has(earlier))
        .aggregate(
            returning=Count("key", distinct=True, filter=Q(before=True)),
            new=Count("key", distinct=True, filter=Q(before=False)),
        )
    )
    return Clients(new=counted["new"], returning=counted["returning"])


def rebooking(period: Period, *, therapist_id=None, session_type_id=None) -> Rebooking:
    """One query: of the period's attended sessions, those whose client made a later booking
    (with anyone, not cancelled later or not) on the session's London day or earlier, and
    within 30 days of it."""
    later = _real_bookings().filter(start__gt=OuterRef("start"))
    on_the_day = later.annotate(created_day=TruncDate("created_at", tzinfo=LONDON)).filter(
        created_day__lte=OuterRef("day")
    )
    soon = later.filter(
        created_at__lte=ExpressionWrapper(OuterRef("start") + THIRTY_DAYS, output_field=DateTimeField())
    )
    counted = (
        _bookings(period, therapist_id, session_type_id)
        .filter(status=Status.ATTENDED)
        .annotate(day=TruncDate("start", tzinfo=LONDON))
        .annotate(rebooked_on_the_day=_same_client_has(on_the_day), rebooked_soon=_same_client_has(soon))
        .aggregate(
            attended=Count("pk"),
            on_the_day=Count("pk", filter=Q(rebooked_on_the_day=True)),
            soon=Count("pk", filter=Q(rebooked_soon=True)),
        )
    )
    return Rebooking(counted["attended"], counted["on_the_day"], counted["soon"])


def weekly(period: Period, *, therapist_id=None, session_type_id=None) -> list[Week]:
    """Attended and no-shows per London week (Monday first), in one grouped query."""
    rows = (
        _bookings(period, therapist_id, session_type_id)
        .filter(status__in=[Status.ATTENDED, Status.NO_SHOW])
        .annotate(week=TruncWeek("start", tzinfo=LONDON))
        .values("week")
        .annotate(
            attended=Count("pk", filter=Q(status=Status.ATTENDED)),
            no_shows=Count("pk", filter=Q(status=Status.NO_SHOW)),
        )
        .order_by("week")
    )
    return [Week(_as_date(row["week"]), row["attended"], row["no_shows"]) for row in rows]


def _as_date(value) -> datetime.date:
    return value.astimezone(LONDON).date() if isinstance(value, datetime.datetime) else value


def registration_checks_ending(today: datetime.date) -> tuple[int, int]:
    """Therapists whose CNHC check ends in the next 30 and the next 60 days (one query)."""
    ending = Therapist.objects.filter(
        registration_status=Therapist.RegistrationStatus.VERIFIED, registration_expires_on__gte=today
    ).aggregate(
        in_30=Count("pk", filter=Q(registration_expires_on__lte=today + datetime.timedelta(days=30))),
        in_60=Count("pk", filter=Q(registration_expires_on__lte=today + datetime.timedelta(days=60))),
    )
    return ending["in_30"], ending["in_60"]


def fill_rate(period: Period, *, therapist_id=None) -> FillRate:
    """Two queries."""
    freed = FreedTime.objects.filter(start__gte=period.begins, start__lt=period.ends, end__isnull=True)
    filled = WaitlistOffer.objects.filter(
        hold__start__gte=period.begins, hold__start__lt=period.ends, status=WaitlistOffer.Status.ACCEPTED
    )
    if therapist_id is not None:
        freed, filled = freed.filter(therapist_id=therapist_id), filled.filter(hold__therapist_id=therapist_id)
    return FillRate(freed=freed.values("therapist_id", "start").distinct().count(), filled=filled.count())


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
        _real_bookings()
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
