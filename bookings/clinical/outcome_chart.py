"""The client's outcome scores across sessions as an SVG line chart: pure geometry, no database,
no JavaScript. Each measure (pain, or an activity in the client's words) is a line over the
readings in time order. Each is compared first-to-latest and, from three readings, with the
reading before the latest, and a change is called meaningful at the published figures: pain 2
points and 30% of where it started (9 -> 7 is not), one activity 3 points, the average of
several activities 2 (a patient-specific functional scale). Down is better for pain, up for an
activity; a meaningful change for the worse is listed apart, for the therapist to discuss and
consider referral (worsening pain is a red flag).
"""

import datetime
from dataclasses import dataclass

from clinic.london import LONDON

# Drawn for a phone: 400 units across scale to the 358 px a 390 px phone gives the chart, so a
# FONT_SIZE of 13 is drawn at about 11.6 px (WCAG's readable minimum is taken as 11 here); a
# desk widens it to the stylesheet's max-width and every size grows with it.
WIDTH, HEIGHT = 400, 220
LEFT, RIGHT, TOP, BOTTOM = 30, 12, 14, 34
FONT_SIZE = 13
# The room the widest date label takes at FONT_SIZE ("10 May" is 47.9 units in DejaVu Sans, a
# wide fallback font), so labels are thinned before they touch.
LABEL_WIDTH = 48
LABEL_GAP = 6
# Published minimal important changes (DOMAIN.md's outcome measures).
PAIN_POINTS = 2
PAIN_SHARE = 0.30
ONE_ACTIVITY_POINTS = 3
ACTIVITY_AVERAGE_POINTS = 2
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
    # A meaningful change since the first reading: drawn as a hollow ring, as the legend says.
    ring: bool = False

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
    summary: str  # first to latest, in words
    since_before: str = ""  # the latest against the reading before it, from three readings
    worse: bool = False  # a meaningful change for the worse, either way compared

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str, str]]  # x, the date, its text-anchor
    # The average of several activities, compared as one measure (None with fewer than two).
    average: "Line | None" = None
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    font_size: int = FONT_SIZE
    legend: str = ""  # what the marks mean, for the measures drawn (see chart_legend)

    @property
    def worse(self) -> list["Line"]:
        """The measures meaningfully worse, first-to-latest or since the reading before."""
        return [line for line in (*self.lines, self.average) if line and line.worse]


def y_for(score: int) -> float:
    return TOP + (10 - score) * (HEIGHT - TOP - BOTTOM) / 10


def _when(at: datetime.datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local.day} {local:%b}"


def is_meaningful(change: int, *, first: int, is_pain: bool, threshold: int) -> bool:
    """Whether ``change`` (latest minus first) reaches the published figure. For pain an
    improvement must also be PAIN_SHARE of where it started; a worsening of PAIN_POINTS counts
    from any start, since worsening pain is a red flag."""
    if abs(change) < threshold:
        return False
    if is_pain and change < 0:
        return abs(change) >= PAIN_SHARE * first
    return True


@dataclass(frozen=True)
class Comparison:
    change: int
    meaningful: bool
    better: bool
    words: str  # "down 3 points, a meaningful change for the better"


def _compare(earlier: Reading, later: Reading, *, is_pain: bool, threshold: int) -> Comparison:
    change = later.score - earlier.score
    better = change < 0 if is_pain else change > 0
    meaningful = is_meaningful(change, first=earlier.score, is_pain=is_pain, threshold=threshold)
    trend = "no change" if change == 0 else f"{'down' if change < 0 else 'up'} {_points(abs(change))}"
    verdict = (
        f"a meaningful change for the {'better' if better else 'worse'}" if meaningful else "not a meaningful change"
    )
    return Comparison(change, meaningful, better, f"{trend}, {verdict}")


def _points(n) -> str:
    return f"{n:g} point{'s' if n != 1 else ''}"


def _score(score) -> str:
    return f"{score:g}"


def _line_words(name: str, readings: list, *, is_pain: bool, threshold: int) -> tuple[Comparison, str, str, bool]:
    """The first-to-latest comparison and its words, the latest against the reading before
    (from three readings), and whether either is a meaningful change for the worse."""
    first, before, latest = readings[0], readings[-2], readings[-1]
    overall = _compare(first, latest, is_pain=is_pain, threshold=threshold)
    summary = (
        f"{name}: {_score(first.score)} on {_when(first.at)}, {_score(latest.score)} on {_when(latest.at)} "
        f"({overall.words})."
    )
    recent = _compare(before, latest, is_pain=is_pain, threshold=threshold) if len(readings) >= 3 else None
    since = (
        f"Since the reading before ({_score(before.score)} on {_when(before.at)}): {recent.words}." if recent else ""
    )
    worse = any(c and c.meaningful and not c.better for c in (overall, recent))
    return overall, summary, since, worse


def _activity_average(series: dict[tuple[str, bool], list[Reading]]) -> Line | None:
    """Several activities as one measure: their mean at each moment all of them were rated,
    judged at ACTIVITY_AVERAGE_POINTS. None with fewer than two activities or two such moments."""
    activities = [readings for (_, is_pain), readings in series.items() if not is_pain]
    if len(activities) < 2:
        return None
    by_moment = [{r.at: r for r in readings} for readings in activities]
    shared = sorted(set.intersection(*(set(moments) for moments in by_moment)))
    if len(shared) < 2:
        return None
    averages = [
        Reading(at, round(sum(m[at].score for m in by_moment) / len(by_moment), 1), by_moment[0][at].taken)
        for at in shared
    ]
    name = f"Activities (the average of {len(activities)})"
    overall, summary, since, worse = _line_words(name, averages, is_pain=False, threshold=ACTIVITY_AVERAGE_POINTS)
    return Line(name, False, [], "", "", overall.change, overall.meaningful, summary, since, worse)


def outcome_chart(series: dict[tuple[str, bool], list[Reading]]) -> Chart | None:
    """``series``: (name, is_pain) -> readings. None when no measure has two readings yet: a
    single point shows no trend, and the page says so in words instead."""
    series = {key: sorted(readings, key=lambda r: r.at) for key, readings in series.items() if readings}
    if not any(len(readings) >= 2 for readings in series.values()):
        return None
    moments = sorted({r.at for readings in series.values() for r in readings})
    x_of = _time_axis(moments)
    lines = []
    # Pain first, then the activities in the order named.
    for n, ((name, is_pain), readings) in enumerate(sorted(series.items(), key=lambda item: not item[0][1])):
        colour, dash = STYLES[n % len(STYLES)]
        threshold = PAIN_POINTS if is_pain else ONE_ACTIVITY_POINTS
        first = readings[0].score
        points = [
            Point(
                x_of[r.at],
                y_for(r.score),
                r.score,
                f"{_when(r.at)}, {'when booking' if r.taken == 'booking' else 'two days after'}",
                ring=is_meaningful(r.score - first, first=first, is_pain=is_pain, threshold=threshold),
            )
            for r in readings
        ]
        overall, summary, since, worse = _line_words(name, readings, is_pain=is_pain, threshold=threshold)
        lines.append(
            Line(name, is_pain, points, colour, dash, overall.change, overall.meaningful, summary, since, worse)
        )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        y_ticks=[(y_for(score), score) for score in (0, 5, 10)],
        x_labels=_date_labels(moments, x_of),
        average=_activity_average(series),
        legend=chart_legend(lines),
    )


def chart_legend(lines: list[Line]) -> str:
    """The words under the chart, naming only the measures drawn and the rule their rings follow
    (is_meaningful, from the same figures). The average of several activities is not drawn, so
    its figure belongs to its summary, not here."""
    drawn = {line.is_pain for line in lines}
    rules, better = [], []
    if True in drawn:
        rules.append(
            f"for pain, up {_points(PAIN_POINTS)}, or down {_points(PAIN_POINTS)} "
            f"and {PAIN_SHARE:.0%} of where it started"
        )
        better.append("lower pain is better")
    if False in drawn:
        rules.append(f"for an activity, {_points(ONE_ACTIVITY_POINTS)} either way")
        better.append("a higher activity score is better")
    which_way = "; ".join(better)
    return (
        f"A hollow ring marks each reading that is a meaningful change from the first ({'; '.join(rules)}); "
        f"a filled dot, any other reading. {which_way[0].upper()}{which_way[1:]}."
    )


def _time_axis(moments: list[datetime.datetime]) -> dict[datetime.datetime, float]:
    """Each moment's x, in proportion to the time between readings: a week apart sits seven
    times as far as a day apart."""
    if len(moments) == 1:
        return {moments[0]: (LEFT + WIDTH - RIGHT) / 2}
    first, whole = moments[0], (moments[-1] - moments[0]).total_seconds()
    return {at: LEFT + (at - first).total_seconds() / whole * (WIDTH - LEFT - RIGHT) for at in moments}


def _date_labels(moments: list[datetime.datetime], x_of: dict) -> list[tuple[float, str, str]]:
    """Dates under the axis that never touch: the first and the last (anchored at their outer
    edge, so neither is cut off; only the latest when both do not fit), those between only where
    there is room. Every point keeps its own date in its tooltip and in the table."""
    x_of_day: dict[str, float] = {}
    for at in moments:
        x_of_day.setdefault(_when(at), x_of[at])
    days = list(x_of_day)
    if len(days) == 1:
        return [(x_of_day[days[0]], days[0], "middle")]
    first, last = days[0], days[-1]
    first_ends, last_begins = x_of_day[first] + LABEL_WIDTH, x_of_day[last] - LABEL_WIDTH
    if last_begins < first_ends + LABEL_GAP:
        return [(x_of_day[last], last, "end")]
    chosen = [(x_of_day[first], first, "start")]
    edge = first_ends
    for day in days[1:-1]:
        x = x_of_day[day]
        if x - LABEL_WIDTH / 2 >= edge + LABEL_GAP and x + LABEL_WIDTH / 2 <= last_begins - LABEL_GAP:
            chosen.append((x, day, "middle"))
            edge = x + LABEL_WIDTH / 2
    return [*chosen, (x_of_day[last], last, "end")]
