"""The client's outcome scores across sessions as an SVG line chart: pure geometry, no database,
no JavaScript. Each measure (pain, or an activity in the client's words) is a line over the
readings in time order; a change of MEANINGFUL points or more between the first and the latest
reading is marked and said in words (down is better for pain, up for an activity)."""

import datetime
from dataclasses import dataclass

from clinic.london import LONDON

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 40
MEANINGFUL = 2
# Colour and dash both tell the lines apart, for readers who do not see the colours.
STYLES = [("#b02a37", ""), ("#0b5d57", "6 4"), ("#6a4a00", "2 3")]


@dataclass(frozen=True)
class Reading:
    at: datetime.datetime
    score: int
    taken: str  # "booking" or "check_in"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    score: int
    when: str  # "5 Jan, when booking"

    @property
    def label(self) -> str:
        return f"{self.when}: {self.score}"


@dataclass(frozen=True)
class Line:
    name: str
    is_pain: bool
    points: list[Point]
    colour: str
    dash: str
    change: int  # latest minus first
    meaningful: bool
    summary: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def y_for(score: int) -> float:
    return TOP + (10 - score) * (HEIGHT - TOP - BOTTOM) / 10


def _when(at: datetime.datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local.day} {local:%b}"


def _summary(name: str, is_pain: bool, first: Reading, latest: Reading) -> tuple[int, bool, str]:
    change = latest.score - first.score
    better = change < 0 if is_pain else change > 0
    meaningful = abs(change) >= MEANINGFUL
    if change == 0:
        trend = "no change"
    else:
        trend = f"{'down' if change < 0 else 'up'} {abs(change)} point{'s' if abs(change) != 1 else ''}"
    verdict = (
        f"a meaningful change for the {'better' if better else 'worse'}"
        if meaningful
        else "not a meaningful change yet"
    )
    words = f"{name}: {first.score} on {_when(first.at)}, {latest.score} on {_when(latest.at)} ({trend}, {verdict})."
    return change, meaningful, words


def outcome_chart(series: dict[tuple[str, bool], list[Reading]]) -> Chart | None:
    """``series``: (name, is_pain) -> readings. None when no measure has two readings yet: a
    single point shows no trend, and the page says so in words instead."""
    series = {key: sorted(readings, key=lambda r: r.at) for key, readings in series.items() if readings}
    if not any(len(readings) >= 2 for readings in series.values()):
        return None
    moments = sorted({r.at for readings in series.values() for r in readings})
    span = (WIDTH - LEFT - RIGHT) / max(1, len(moments) - 1)
    x_of = {at: LEFT + n * span if len(moments) > 1 else (LEFT + WIDTH - RIGHT) / 2 for n, at in enumerate(moments)}
    lines = []
    # Pain first, then the activities in the order named.
    for n, ((name, is_pain), readings) in enumerate(sorted(series.items(), key=lambda item: not item[0][1])):
        colour, dash = STYLES[n % len(STYLES)]
        points = [
            Point(
                x_of[r.at],
                y_for(r.score),
                r.score,
                f"{_when(r.at)}, {'when booking' if r.taken == 'booking' else 'two days after'}",
            )
            for r in readings
        ]
        change, meaningful, words = _summary(name, is_pain, readings[0], readings[-1])
        lines.append(Line(name, is_pain, points, colour, dash, change, meaningful, words))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        y_ticks=[(y_for(score), score) for score in (0, 5, 10)],
        # At most eight dates under the axis, so they never overlap; every point has its own label.
        x_labels=[(x_of[at], _when(at)) for at in moments[:: -(-len(moments) // 8)]],
    )
