"""Sessions week by week as a server-drawn SVG bar chart: attended below, no-shows stacked on
top, each bar placed by its week's first day, so the time axis is proportional to time (a
week missing from the data is a gap, not a squeezed axis). Pure geometry, no database, no
script, no style attribute (the CSP forbids both). Text is drawn at 20 units in a 640-unit
view, 11 px or more when the chart is 358 px wide on a 390 px phone."""

import dataclasses
import datetime

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 44
FONT = 20
ATTENDED, NO_SHOW = "#0b5d57", "#b02a37"


@dataclasses.dataclass(frozen=True)
class Week:
    first_day: datetime.date
    attended: int
    no_shows: int


@dataclasses.dataclass(frozen=True)
class Bar:
    week: Week
    x: float
    width: float
    attended_y: float
    attended_height: float
    no_show_y: float
    no_show_height: float

    @property
    def label(self) -> str:
        return f"Week of {self.week.first_day:%-d %b %Y}: {self.week.attended} attended, {self.week.no_shows} no-shows"


@dataclasses.dataclass(frozen=True)
class WeeklyChart:
    bars: list[Bar]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    font: int = FONT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM


def weekly_chart(first: datetime.date, last: datetime.date, weeks: list[Week]) -> WeeklyChart | None:
    """None when there is nothing to draw."""
    if not any(w.attended or w.no_shows for w in weeks):
        return None
    days = (last - first).days + 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max(w.attended + w.no_shows for w in weeks)
    per_day = plot_width / days

    def x_of(day: datetime.date) -> float:
        return LEFT + max(0, (day - first).days) * per_day

    def height_of(count: int) -> float:
        return count / top * plot_height

    bars = []
    for week in weeks:
        start = max(week.first_day, first)
        end = min(week.first_day + datetime.timedelta(days=7), last + datetime.timedelta(days=1))
        width = max(2.0, (end - start).days * per_day * 0.8)
        attended_height, no_show_height = height_of(week.attended), height_of(week.no_shows)
        base = HEIGHT - BOTTOM
        bars.append(
            Bar(
                week,
                x_of(start),
                width,
                base - attended_height,
                attended_height,
                base - attended_height - no_show_height,
                no_show_height,
            )
        )
    step = max(1, round(top / 4))
    ticks = [(HEIGHT - BOTTOM - height_of(n), n) for n in range(0, top + 1, step)]
    busiest = max(weeks, key=lambda w: w.attended + w.no_shows)
    no_shows = sum(w.no_shows for w in weeks)
    summary = (
        f"{sum(w.attended for w in weeks)} attended and {no_shows} no-show{'s' if no_shows != 1 else ''} over "
        f"{len(weeks)} week{'s' if len(weeks) != 1 else ''}; the busiest week began {busiest.first_day:%-d %B} "
        f"({busiest.attended + busiest.no_shows} sessions)."
    )
    return WeeklyChart(bars=bars, y_ticks=ticks, x_labels=_month_labels(first, last, x_of, days), summary=summary)


def _month_labels(first, last, x_of, days) -> list[tuple[float, str]]:
    """The first of each month in the period (every third month over half a year or more,
    so the labels never overlap); a short period is labelled by its first day."""
    if days <= 31:
        return [(x_of(first), f"{first:%-d %b}")]
    every = 3 if days > 183 else 1
    labels, month = [], first.replace(day=1)
    while month <= last:
        if month >= first and (month.month - 1) % every == 0:
            labels.append((x_of(month), f"{month:%b}"))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return labels


@dataclasses.dataclass(frozen=True)
class ShareBar:
    name: str
    share: float  # 0 to 1 (more is drawn at the edge)
    y: float
    width: float

    full_name: str = ""

    @property
    def label(self) -> str:
        return f"{self.full_name or self.name}: {self.share:.0%}"


@dataclasses.dataclass(frozen=True)
class ShareChart:
    bars: list[ShareBar]
    height: int
    ticks: list[tuple[float, str]]
    width: int = WIDTH
    font: int = FONT
    plot_left: int = 200
    plot_right: int = WIDTH - 40
    row: int = 36


def share_chart(rows: list[tuple[str, float | None]]) -> ShareChart | None:
    """Horizontal bars, one per name, 0-100%: utilisation by therapist or room. Names without a
    share (no hours) are left out; None when none has one."""
    rows = [(name, share) for name, share in rows if share is not None]
    if not rows:
        return None
    left, right, row = 200, WIDTH - 40, 36
    span = right - left
    bars = [
        ShareBar(_short(name), share, TOP + n * row, min(share, 1.0) * span, full_name=name)
        for n, (name, share) in enumerate(rows)
    ]
    height = TOP + len(rows) * row + BOTTOM
    ticks = [(left + span * part / 4, f"{part * 25}%") for part in range(5)]
    return ShareChart(bars=bars, height=height, ticks=ticks)


def _short(name: str) -> str:
    """A name that fits the 200-unit label column at the chart's font (the full name is in the
    bar's title, the chart's description and the table)."""
    return name if len(name) <= 14 else name[:13] + "…"
