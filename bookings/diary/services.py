"""Writes to a therapist's diary: working hours, time off, the calendar feed secret."""

import datetime
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone

from bookings.locks import therapist_lock
from bookings.models import Booking, BookingRules, FreedTime
from bookings.slots.availability import WeeklyHours
from clinic.errors import ServiceError
from clinic.free_times import free_times_changed
from clinic.london import LONDON, instant_in_range
from therapists.models import Therapist, TimeOff, WorkingHours

TIME_OFF_AHEAD = datetime.timedelta(days=2 * 366)


class TimeOffClashesWithBookings(ServiceError):
    """Time off was refused because bookings fall inside it; ``bookings`` lists them (the
    time off page shows them under the message)."""

    def __init__(self, bookings: Sequence[Booking]):
        self.bookings = list(bookings)
        several = len(self.bookings) != 1
        super().__init__(
            f"You have {len(self.bookings)} booking{'s' if several else ''} in that time. "
            f"Cancel {'them' if several else 'it'} (from the booking's page, which tells the client) "
            f"or ask the client to move, then add the time off."
        )


@contextmanager
def _diary_write(therapist: Therapist) -> Iterator[None]:
    """A transaction holding the therapist's lock (bookings.locks), the same lock the booking
    service takes, so a check such as "no bookings in this time off" still holds when we write.
    A lock not had in time becomes a clear "try again" instead of an error page."""
    try:
        with transaction.atomic():
            therapist_lock(therapist_id=therapist.pk)
            yield
            free_times_changed(therapist_id=therapist.pk)
    except OperationalError as error:
        raise ValidationError(
            "Your diary is being changed somewhere else right now. Please try again in a moment."
        ) from error


def _dates_overlap(a: WeeklyHours, b: WeeklyHours) -> bool:
    return (a.effective_until is None or b.effective_from is None or b.effective_from <= a.effective_until) and (
        b.effective_until is None or a.effective_from is None or a.effective_from <= b.effective_until
    )


def _describe(stretch: WeeklyHours) -> str:
    text = f"{stretch.start:%H:%M}-{stretch.end:%H:%M}"
    if stretch.effective_from or stretch.effective_until:
        text += f" ({stretch.effective_from or 'always'} to {stretch.effective_until or 'no end'})"
    return text


def working_hours_set(*, therapist: Therapist, stretches: Sequence[WeeklyHours]) -> None:
    """Replace the therapist's whole working week with ``stretches``.

    Rules: every stretch ends after it starts; a stretch's last day is not before its first;
    two stretches on the same weekday whose dates overlap must not overlap in time (touching is
    fine: 09:00-12:00 and 12:00-17:00). Raises ValidationError listing every problem; then
    nothing is changed. Also raises ValidationError when another write holds the diary too long.
    """
    errors = []
    weekday_names = dict(WorkingHours.Weekday.choices)
    for stretch in stretches:
        name = weekday_names[stretch.weekday]
        if stretch.end <= stretch.start:
            errors.append(f"{name}: {_describe(stretch)} ends before it starts.")
        elif stretch.effective_from and stretch.effective_until and stretch.effective_until < stretch.effective_from:
            errors.append(f"{name}: {_describe(stretch)} stops before it begins.")
    if not errors:
        ordered = sorted(stretches, key=lambda s: (s.weekday, s.start))
        for index, first in enumerate(ordered):
            for second in ordered[index + 1 :]:
                if second.weekday != first.weekday or second.start >= first.end:
                    break
                if _dates_overlap(first, second):
                    errors.append(f"{weekday_names[first.weekday]}: {_describe(first)} overlaps {_describe(second)}.")
    if errors:
        raise ValidationError(errors)

    with _diary_write(therapist):
        # New hours may free time the waitlist can offer: everything up to the horizon is looked at.
        now = timezone.now()
        horizon = datetime.timedelta(days=BookingRules.load().horizon_days + 1)
        FreedTime.objects.create(therapist=therapist, start=now, end=now + horizon, offer_from=now)
        therapist.working_hours.all().delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(
                therapist=therapist,
                weekday=s.weekday,
                start_time=s.start,
                end_time=s.end,
                effective_from=s.effective_from,
                effective_until=s.effective_until,
            )
            for s in stretches
        )


def time_off_add(
    *, therapist: Therapist, start: datetime.datetime, end: datetime.datetime, reason: str, note: str = ""
) -> TimeOff:
    """Block [start, end) (aware datetimes) in the therapist's diary.

    Rules: the end is after the start, and at most TIME_OFF_AHEAD from now (a typed year 9999
    would otherwise break the therapist's calendar feed); it does not overlap the therapist's
    other time off; no booking that holds time (anything not cancelled) falls inside it.
    Raises ValidationError for the first three and TimeOffClashesWithBookings, listing the
    bookings, for the last; also ValidationError when another write holds the diary too long.
    """
    if end <= start:
        raise ValidationError("The time off must end after it starts.")
    if not (instant_in_range(start) and instant_in_range(end)) or end > timezone.now() + TIME_OFF_AHEAD:
        raise ValidationError(
            "Time off can be added up to two years ahead. For a longer break, set the dates on your working hours."
        )
    with _diary_write(therapist):
        other = therapist.time_off.filter(start__lt=end, end__gt=start).first()
        if other is not None:
            raise ValidationError(
                "This overlaps your time off from "
                f"{timezone.localtime(other.start, LONDON):%a %d %b %H:%M} to "
                f"{timezone.localtime(other.end, LONDON):%a %d %b %H:%M}."
            )
        clashes = list(
            Booking.objects.holding_time()
            .filter(therapist=therapist, start__lt=end, end__gt=start)
            .select_related("session_type")
        )
        if clashes:
            raise TimeOffClashesWithBookings(clashes)
        return TimeOff.objects.create(therapist=therapist, start=start, end=end, reason=reason, note=note)


def time_off_delete(*, therapist: Therapist, time_off_id: int) -> None:
    """Remove one of the therapist's own time off entries, under the diary's lock (the free
    times then change); its time goes to the waitlist. Someone else's raises TimeOff.DoesNotExist."""
    with _diary_write(therapist):
        time_off = therapist.time_off.filter(pk=time_off_id).first()
        if time_off is None:
            raise TimeOff.DoesNotExist
        time_off.delete()
        FreedTime.objects.create(therapist=therapist, start=time_off.start, end=time_off.end, offer_from=timezone.now())


def feed_token_regenerate(*, therapist: Therapist) -> str:
    """Give the therapist a new calendar feed secret; the old feed URL stops working at once."""
    therapist.feed_token = secrets.token_urlsafe(32)
    therapist.save(update_fields=["feed_token"])
    return therapist.feed_token
