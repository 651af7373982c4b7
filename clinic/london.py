"""London time, the one zone the clinic lives in. Instants are stored in UTC; wall-clock rules
(working hours, quiet hours, "today") are applied here, in the local zone, and then converted."""

import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC

# The days any page accepts. Far wider than any diary or booking needs, and far enough from
# the calendar's own ends (years 1 and 9999) that converting to UTC or adding a week or two
# never overflows: a date outside is a typo or a probe, and gets a message, not an error.
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2099, 12, 31)


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward (01:00-01:59 on the last Sunday of March)."""

    def __init__(self, naive: datetime.datetime):
        self.naive = naive
        super().__init__(
            f"{naive:%H:%M} does not exist on {naive.day} {naive:%B %Y} in London: the clocks go forward an hour at 01:00."
        )


def wall_clock_to_utc(
    day: datetime.date, clock: datetime.time, *, latest: bool = False, tz: ZoneInfo = LONDON
) -> datetime.datetime:
    """The UTC instant a London wall clock shows ``clock`` on ``day``.

    When the clocks go back the hour 01:00-01:59 happens twice: the earlier instant is used
    unless ``latest``. Time off ends at the latest (it covers every instant showing its times,
    so it blocks the most); a working stretch ends at the earliest (the first time the clock
    shows its end, so it never offers an hour past it). Raises NonexistentLocalTime for a time
    the clocks skip.
    """
    naive = datetime.datetime.combine(day, clock)
    utc = naive.replace(tzinfo=tz, fold=1 if latest else 0).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(naive)
    return utc


def local_today(now: datetime.datetime, tz: ZoneInfo = LONDON) -> datetime.date:
    return now.astimezone(tz).date()


def london_midnight(day: datetime.date) -> datetime.datetime:
    # UK clocks change at 01:00/02:00, never at midnight, so local midnight always exists once.
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LONDON)


def is_repeated(instant: datetime.datetime, tz: ZoneInfo = LONDON) -> bool:
    """Whether the wall clock shows this instant's time twice that night (01:00-01:59 on the
    last Sunday of October), so the time alone does not say which one is meant."""
    local = instant.astimezone(tz)
    return local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset()


def clock_label(instant: datetime.datetime, tz: ZoneInfo = LONDON) -> str:
    """The London time as people read it, "14:30"; a repeated time carries its zone,
    "01:30 BST" or "01:30 GMT", since the clock shows it twice."""
    local = instant.astimezone(tz)
    if is_repeated(local, tz):
        return f"{local:%H:%M %Z}"
    return f"{local:%H:%M}"


def day_in_range(day: datetime.date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def instant_in_range(instant: datetime.datetime, tz: ZoneInfo = LONDON) -> bool:
    """Whether an aware instant falls on a London day between EARLIEST_DAY and LATEST_DAY.
    False, not OverflowError, for one near the calendar's ends ("0001-01-01T00:00+05:00")."""
    if instant.tzinfo is None:
        return False
    try:
        return day_in_range(instant.astimezone(tz).date())
    except OverflowError:
        return False
