import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet

from clinic.london import LONDON, london_midnight
from clinic.models import SessionType
from therapists.models import RegistrationEvent, Therapist, TimeOff, WorkingHours

from . import aftercare, availability
from .models import Booking, BookingRules


@dataclass(frozen=True)
class EarlierFlare:
    """An earlier session the client said made things worse, and the flare rule it sets."""

    booking: Booking
    advice: aftercare.FlareAdvice


def booking_earlier_flare(*, booking: Booking) -> EarlierFlare | None:
    """The client's latest earlier session, with notes, that they said made things worse; None
    if there is none. The therapist's booking page shows its flare rule."""
    earlier = (
        Booking.objects.filter(
            client_email__iexact=booking.client_email,
            status=Booking.Status.ATTENDED,
            feedback__in=aftercare.FLARE_ANSWERS,
            start__lt=booking.start,
            session_note__isnull=False,
        )
        .select_related("session_note")
        .order_by("-start")
        .first()
    )
    if earlier is None:
        return None
    note = earlier.session_note
    return EarlierFlare(earlier, aftercare.flare_advice(problem=note.problem, pressure_used=note.pressure_used))


def session_type_list_active() -> QuerySet[SessionType]:
    """The session types a client can book, in menu order."""
    return SessionType.objects.filter(active=True)


@dataclass(frozen=True)
class Slot:
    """A free start time and the therapists free to take it (one, unless "any therapist")."""

    start: datetime.datetime
    therapist_ids: tuple[int, ...]


def available_slots(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    date_to: datetime.date,
    now: datetime.datetime,
) -> list[Slot]:
    """Free starts for a session type on London dates date_from..date_to, for one therapist or,
    with therapist_id None, for any bookable therapist.

    Four queries whatever the range, the number of therapists or of bookings: the rules, the
    therapists, their working hours, and their time off and bookings together. Only therapists
    bookable on both the first and the last day of the range are offered, so a range never
    shows a day after a registration check lapses.
    """
    rules = BookingRules.load()
    clinic = availability.Rules(
        step_minutes=rules.slot_step_minutes,
        min_notice_minutes=rules.min_notice_minutes,
        horizon_days=rules.horizon_days,
        buffer_minutes=rules.buffer_minutes,
    )
    date_from = max(date_from, availability.local_today(now))
    date_to = min(date_to, availability.last_bookable_day(now, clinic))
    if date_from > date_to:
        return []

    therapists = Therapist.objects.bookable(on=date_from).filter(
        pk__in=Therapist.objects.bookable(on=date_to).values("pk")
    )
    if therapist_id is not None:
        therapists = therapists.filter(pk=therapist_id)
    personal = {
        pk: replace(
            clinic,
            buffer_minutes=clinic.buffer_minutes if buffer is None else buffer,
            min_notice_minutes=clinic.min_notice_minutes if notice is None else notice,
        )
        for pk, buffer, notice in therapists.values_list("pk", "buffer_minutes", "min_notice_minutes")
    }
    if not personal:
        return []

    hours: dict[int, list[availability.WeeklyHours]] = defaultdict(list)
    for row in (
        WorkingHours.objects.filter(therapist_id__in=personal)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=date_to))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=date_from))
        .values_list("therapist_id", "weekday", "start_time", "end_time", "effective_from", "effective_until")
    ):
        hours[row[0]].append(availability.WeeklyHours(*row[1:]))

    # Wide enough for any wall-clock day in the range.
    window_start = datetime.datetime.combine(date_from, datetime.time(), tzinfo=datetime.UTC) - datetime.timedelta(
        hours=2
    )
    window_end = datetime.datetime.combine(date_to, datetime.time(), tzinfo=datetime.UTC) + datetime.timedelta(
        days=1, hours=2
    )
    # A booking is busy until blocks_until (its end plus the buffer it was booked with), the
    # same range the database's no-overlap constraint compares, so it joins the time off.
    time_off = TimeOff.objects.filter(therapist_id__in=hours, start__lt=window_end, end__gt=window_start).values_list(
        "therapist_id", "start", "end"
    )
    bookings = (
        Booking.objects.holding_time()
        .filter(therapist_id__in=hours, start__lt=window_end, blocks_until__gt=window_start)
        .values_list("therapist_id", "start", "blocks_until")
        .order_by()
    )
    busy: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, start, end in time_off.order_by().union(bookings, all=True):
        busy[pk].append(availability.Busy(start, end))

    free_for: dict[datetime.datetime, list[int]] = defaultdict(list)
    for pk, weekly in hours.items():
        for start in availability.free_starts(
            hours=weekly,
            busy=busy[pk],
            rules=personal[pk],
            session_minutes=session_type.duration_minutes,
            now=now,
            date_from=date_from,
            date_to=date_to,
        ):
            free_for[start].append(pk)
    return [Slot(start, tuple(sorted(free_for[start]))) for start in sorted(free_for)]


@dataclass(frozen=True)
class StripDay:
    """One day of the week strip: whether it has any free start for the search."""

    day: datetime.date
    free: bool


def slot_days(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    date_to: datetime.date,
    now: datetime.datetime,
) -> set[datetime.date]:
    """The London dates in the range with at least one free start: one multi-day search, so
    four queries however many days."""
    found = available_slots(
        therapist_id=therapist_id, session_type=session_type, date_from=date_from, date_to=date_to, now=now
    )
    return {slot.start.astimezone(LONDON).date() for slot in found}


def week_strip(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
) -> list[StripDay]:
    """Seven days from date_from (fewer at the booking horizon), each marked free or not."""
    days = [date_from + datetime.timedelta(days=n) for n in range(7)]
    days = [day for day in days if day <= last_day]
    if not days:
        return []
    free = slot_days(therapist_id=therapist_id, session_type=session_type, date_from=days[0], date_to=days[-1], now=now)
    return [StripDay(day, day in free) for day in days]


def first_free_day(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
) -> datetime.date | None:
    """The first London date from date_from with a free start, or None up to last_day.

    Searches a week, then windows doubling in length: the answer is usually in the first
    week (four queries), and a therapist with nothing free for months costs a handful of
    searches, not one per day. Windows stay short at first because a search only offers
    therapists bookable on both its first and last day."""
    start, length = date_from, 7
    while start <= last_day:
        end = min(start + datetime.timedelta(days=length - 1), last_day)
        free = slot_days(therapist_id=therapist_id, session_type=session_type, date_from=start, date_to=end, now=now)
        if free:
            return min(free)
        start, length = end + datetime.timedelta(days=1), length * 2
    return None


def bookings_affected_from(*, therapist: Therapist, start: datetime.datetime) -> QuerySet[Booking]:
    """Bookings still to happen with the therapist from ``start`` on: those a lapsed or
    suspended registration leaves without a bookable therapist."""
    return (
        Booking.objects.filter(therapist=therapist, status__in=Booking.OPEN_STATUSES, start__gte=start)
        .select_related("session_type")
        .order_by("start")
    )


def affected_from(event: RegistrationEvent) -> datetime.datetime | None:
    """From when an event leaves bookings without a bookable therapist: a suspension at
    once, an expiry from the day after the check ended; other decisions affect none."""
    if event.kind == RegistrationEvent.Kind.EXPIRED:
        return london_midnight(event.expires_on + datetime.timedelta(days=1))
    if event.kind == RegistrationEvent.Kind.SUSPENDED:
        return event.at
    return None
