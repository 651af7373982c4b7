"""Several days at a glance for the booking page: the week strip (which of seven days have a
free start, and those starts) and the first day with a free start. Each is built on one
search's reads over many days at once (bookings.slots.selectors.slot_search), never day by day.
"""

import datetime
from dataclasses import dataclass

from bookings.models import BookingRules
from bookings.slots.selectors import Slot, available_slots, slot_search
from clinic.london import LONDON
from clinic.models import SessionType


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
    rules: BookingRules | None = None,
) -> set[datetime.date]:
    """The London dates in the range with at least one free start: one multi-day search, so
    available_slots' four or five queries however many days."""
    found = available_slots(
        therapist_id=therapist_id, session_type=session_type, date_from=date_from, date_to=date_to, now=now, rules=rules
    )
    return {slot.start.astimezone(LONDON).date() for slot in found}


@dataclass(frozen=True)
class WeekStrip:
    """Seven days at a glance, and every free start in them: the day a client looks at is in
    its week, so its list comes from the same search."""

    days: list[StripDay]
    slots: list[Slot]

    def slots_on(self, day: datetime.date) -> list[Slot]:
        return [slot for slot in self.slots if slot.start.astimezone(LONDON).date() == day]


def week_strip(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
    shown: datetime.date | None = None,
) -> WeekStrip:
    """Seven days from date_from (fewer at the booking horizon), each marked free or not, with
    the free starts of the day ``shown`` (of every day when None): one search's reads. A day not
    shown is only asked whether it has a start, which the first therapist with one answers, so
    "first available" across a couple of hundred therapists works out one day's starts, not
    seven."""
    days = [date_from + datetime.timedelta(days=n) for n in range(7)]
    days = [day for day in days if day <= last_day]
    if not days:
        return WeekStrip([], [])
    search = slot_search(
        therapist_id=therapist_id, session_type=session_type, date_from=days[0], date_to=days[-1], now=now, rules=rules
    )
    if search is None:
        return WeekStrip([StripDay(day, False) for day in days], [])
    if shown is None:
        found = search.slots(days[0], days[-1])
        free = {slot.start.astimezone(LONDON).date() for slot in found}
    else:
        found = search.slots(shown, shown) if shown in days else []
        free = {day for day in days if (bool(found) if day == shown else search.has_slot_on(day))}
    return WeekStrip([StripDay(day, day in free) for day in days], found)


def first_free_day(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
) -> datetime.date | None:
    """The first London date from date_from with a free start, or None up to last_day.

    Searches a week, then windows doubling in length: the answer is usually in the first
    week (one search), and a therapist with nothing free for months costs a handful of
    searches, not one per day. Each search offers a therapist only up to the last day their
    registration check holds, so a check lapsing inside a window hides no day before it."""
    start, length = date_from, 7
    while start <= last_day:
        end = min(start + datetime.timedelta(days=length - 1), last_day)
        free = slot_days(
            therapist_id=therapist_id, session_type=session_type, date_from=start, date_to=end, now=now, rules=rules
        )
        if free:
            return min(free)
        start, length = end + datetime.timedelta(days=1), length * 2
    return None
