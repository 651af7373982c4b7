"""Reads for the therapist's own diary: their days (hours, time off, bookings), their
upcoming time off, and the calendar feed; with the helpers the clinic-wide day and week
(bookings/diary/clinic_wide.py) share: a London day's bounds, whether a booking's health answers
need reading, and a working-hours row as the slot search reads it."""

import datetime
from dataclasses import dataclass, field

from bookings.models import Booking, WaitlistEntry
from bookings.slots import availability
from clinic.london import LONDON, wall_clock_to_utc
from therapists.models import Therapist, TimeOff, WorkingHours


@dataclass
class DiaryBooking:
    booking: Booking
    start: datetime.datetime  # London time
    end: datetime.datetime
    client_first_name: str
    session_name: str
    # Set when the client answered yes to a health question, so the therapist should read the
    # answers before the session (health_needs_reading).
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


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """A London date's first and last instants (UTC), the second being the next midnight."""
    # Midnight always exists in London (the clocks change at 01:00).
    return wall_clock_to_utc(day, datetime.time()), wall_clock_to_utc(day + datetime.timedelta(days=1), datetime.time())


def weekly_hours(row: WorkingHours) -> availability.WeeklyHours:
    """A working-hours row as the slot search reads it, so that the diary asks the same
    ``applies_on`` which hours a date has and can never disagree with the slots offered."""
    return availability.WeeklyHours(row.weekday, row.start_time, row.end_time, row.effective_from, row.effective_until)


def diary_days(*, therapist: Therapist, first_day: datetime.date, days: int) -> list[DiaryDay]:
    """The therapist's diary for ``days`` London days from ``first_day``: working hours,
    time off and bookings (cancelled ones, and records held after erasure, left out). Three queries whatever the range."""
    last_day = first_day + datetime.timedelta(days=days - 1)
    range_start, _ = day_bounds(first_day)
    _, range_end = day_bounds(last_day)
    diary = [DiaryDay(first_day + datetime.timedelta(days=n)) for n in range(days)]

    hours = [
        weekly_hours(row)
        for row in WorkingHours.objects.filter(therapist=therapist).in_force(first_day, last_day).order_by("start_time")
    ]
    time_off = list(therapist.time_off.filter(start__lt=range_end, end__gt=range_start))
    bookings = list(
        Booking.objects.holding_time()
        .not_restricted()
        .filter(therapist=therapist, start__lt=range_end, end__gt=range_start)
        .select_related("session_type", "health_screen")
        .order_by("start")
    )
    for entry in diary:
        day_start, day_end = day_bounds(entry.day)
        entry.hours = [(stretch.start, stretch.end) for stretch in hours if stretch.applies_on(entry.day)]
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
                        red_flag=health_needs_reading(booking),
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


def health_needs_reading(booking: Booking) -> bool:
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
        Booking.objects.not_restricted()
        .filter(therapist=therapist, start__gte=now - FEED_HISTORY)
        .select_related("session_type", "room")
        .order_by("start")
    )


def feed_time_off(*, therapist: Therapist, now: datetime.datetime) -> list[TimeOff]:
    """Time off for the calendar feed, over the same span as the bookings."""
    return list(therapist.time_off.filter(end__gte=now - FEED_HISTORY).order_by("start"))


@dataclass(frozen=True)
class WaitingForDay:
    """Who is on the waitlist for a time this day: for the therapist by name, and how many for
    any therapist (they may be offered the therapist's time too)."""

    for_them: list[WaitlistEntry]
    for_anyone: int


def waiting_for_day(*, therapist: Therapist, day: datetime.date) -> WaitingForDay:
    """Two queries, however long the list."""
    waiting = WaitlistEntry.objects.filter(
        ended_at__isnull=True, confirmed_at__isnull=False, first_day__lte=day, last_day__gte=day
    )
    return WaitingForDay(
        for_them=list(waiting.filter(therapist=therapist).select_related("client", "session_type", "booking")),
        for_anyone=waiting.filter(therapist__isnull=True).count(),
    )


# Notes are due by the end of the day after a session: after that the therapist is reminded.
NOTES_DUE_AFTER = datetime.timedelta(hours=24)
NOTES_LISTED = 100


def sessions_without_notes(*, therapist: Therapist, now: datetime.datetime) -> list[Booking]:
    """The therapist's sessions that ended NOTES_DUE_AFTER ago or more and still have no notes:
    neither marked attended with notes nor marked a no-show (held records left out), oldest
    first, at most NOTES_LISTED. One query."""
    return list(
        Booking.objects.not_restricted()
        .filter(
            therapist=therapist,
            end__lte=now - NOTES_DUE_AFTER,
            status__in=[Booking.Status.CONFIRMED, Booking.Status.ATTENDED],
            session_note__isnull=True,
        )
        .select_related("session_type")
        .order_by("start")[:NOTES_LISTED]
    )
