"""The suite's one clock.

Tests that depend on the time run at NOW, frozen by the ``clock`` fixture (tests/conftest.py),
and write their dates relative to it: ``days_from_now(3)``, ``at(TOMORROW, "10:00")``. A test
names a date outright only when that date is the point of the test (the clocks changing on the
last Sundays of March and October, the end of a month).

Tests that cannot be frozen (browser journeys, real worker processes, which see the real
clock) use ``timezone.now()`` and ``timezone.localdate()`` instead.
"""

import datetime as dt

from clinic.london import LONDON, wall_clock_to_utc


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A London wall-clock time as an aware datetime (for a time the clocks skip, use ``at``)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


# A Wednesday morning in January: GMT for two months either side, so a few days or weeks
# from now never cross a clock change by accident. It is later than every date the suite
# names, so a date fixed in a test or factory shows up as one already past.
NOW = london(2030, 1, 16, 9, 30)
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)
TOMORROW = TODAY + dt.timedelta(days=1)
# The Monday of NOW's week (two days before it), as the diary's week view starts.
THIS_MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())


def days_from_now(days: int) -> dt.date:
    """The London date ``days`` after TODAY (before it, if negative)."""
    return TODAY + dt.timedelta(days=days)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    """The instant a London clock shows ``hhmm`` on ``day``, in UTC, as the app stores it."""
    return wall_clock_to_utc(day, dt.time.fromisoformat(hhmm))
