"""The clinic diary's time grid: pure arithmetic, no database.

The grid runs in real time from a London wall-clock hour, one row per 15 minutes, so on the
last Sunday of March it is an hour shorter and on the last Sunday of October an hour longer,
and a session always spans as many rows as it lasts. Rows are numbered from 2 (row 1 holds
the column headings) because the page places blocks with CSS classes (r-N, s-N in
static/css/clinic.css): the Content-Security-Policy refuses style attributes.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clinic.london import LONDON, wall_clock_to_utc

ROW = datetime.timedelta(minutes=15)
FIRST_ROW = 2
# static/css/clinic.css defines the classes for a whole day, the 25-hour October Sunday
# included (a heading row and 100 quarter hours), and for 40 columns (the time and 39
# therapists or rooms); a test holds the two together.
CSS_ROWS = FIRST_ROW + 100 - 1
CSS_COLUMNS = 40

Span = tuple[datetime.datetime, datetime.datetime]


@dataclass(frozen=True)
class Window:
    start: datetime.datetime
    end: datetime.datetime

    @property
    def rows(self) -> int:
        return -(-(self.end - self.start) // ROW)

    def place(self, start: datetime.datetime, end: datetime.datetime) -> tuple[int, int] | None:
        """(first row, rows spanned) for a span clipped to the window; None if it falls outside."""
        start, end = max(start, self.start), min(end, self.end)
        if end <= start:
            return None
        first = (start - self.start) // ROW
        last = -(-(end - self.start) // ROW)
        return FIRST_ROW + first, max(1, last - first)

    def hour_marks(self) -> list[tuple[int, datetime.datetime]]:
        """The rows where a London hour begins, with that hour (twice 01:00 in late October)."""
        marks = []
        instant = self.start
        while instant < self.end:
            local = instant.astimezone(LONDON)
            if local.minute == 0:
                marks.append((FIRST_ROW + (instant - self.start) // ROW, local))
            instant += ROW
        return marks


def window_for(day: datetime.date, spans: Iterable[Span], *, earliest: int = 8, latest: int = 20) -> Window:
    """From ``earliest`` o'clock (or the hour of the first span, if sooner) to ``latest`` (or
    the hour after the last span ends), London time, within the day."""
    day_start = wall_clock_to_utc(day, datetime.time())
    day_end = wall_clock_to_utc(day + datetime.timedelta(days=1), datetime.time())
    start = wall_clock_to_utc(day, datetime.time(earliest))
    end = wall_clock_to_utc(day, datetime.time(latest))
    for span_start, span_end in spans:
        start = min(start, max(span_start, day_start))
        end = max(end, min(span_end, day_end))
    start = start.astimezone(LONDON).replace(minute=0, second=0, microsecond=0).astimezone(datetime.UTC)
    end_local = end.astimezone(LONDON)
    if end_local.minute or end_local.second:
        end = min(day_end, end + datetime.timedelta(minutes=60 - end_local.minute, seconds=-end_local.second))
    return Window(start, end)


def free_gaps(open_spans: Sequence[Span], busy: Iterable[Span], *, shortest: datetime.timedelta = ROW) -> list[Span]:
    """The parts of the open spans that no busy span covers, at least ``shortest`` long."""
    taken = sorted(busy)
    gaps = []
    for open_start, open_end in sorted(open_spans):
        cursor = open_start
        for busy_start, busy_end in taken:
            if busy_end <= cursor or busy_start >= open_end:
                continue
            if busy_start > cursor:
                gaps.append((cursor, busy_start))
            cursor = max(cursor, busy_end)
        if cursor < open_end:
            gaps.append((cursor, open_end))
    return [(start, end) for start, end in gaps if end - start >= shortest]
