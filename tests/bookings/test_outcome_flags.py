"""Outcome flags at the published figures: pain 2 points and 30% of where it started, one activity
3 points, the average of several activities 2; compared first-to-latest and with the reading
before, both shown; a meaningful worsening prompts the therapist to discuss it and consider
referral, on the client's record and the booking page."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.clinical.outcome_chart import Reading, is_meaningful, outcome_chart
from bookings.records.outcome_scores import Ratings, outcome_scores_record

from ..clock import NOW
from ..factories import make_booking

DAY = dt.datetime(2030, 1, 7, 10, tzinfo=dt.UTC)


def readings(*scores: int) -> list[Reading]:
    return [Reading(DAY + dt.timedelta(days=7 * n), score, "booking") for n, score in enumerate(scores)]


def pain(*scores: int):
    [line] = outcome_chart({("Pain", True): readings(*scores)}).lines
    return line


@pytest.mark.parametrize(
    ("first", "latest", "meaningful"),
    [(9, 7, False), (9, 6, True), (7, 5, False), (7, 4, True), (4, 2, True), (3, 2, False), (2, 0, True)],
)
def test_less_pain_counts_at_2_points_and_30_percent(first, latest, meaningful):
    assert pain(first, latest).meaningful is meaningful


@pytest.mark.parametrize(("first", "latest"), [(9, 7), (9, 6), (7, 5), (7, 4), (3, 2), (2, 0), (8, 10), (0, 2), (5, 6)])
def test_the_latest_pain_reading_is_ringed_exactly_when_the_flags_call_it_meaningful(first, latest):
    line = pain(first, latest)

    assert [p.ring for p in line.points] == [False, line.meaningful]


def test_an_activity_reading_is_ringed_at_3_points_either_way():
    [running] = outcome_chart({("running 5k", False): readings(5, 7, 8, 2, 3)}).lines

    assert [p.ring for p in running.points] == [False, False, True, True, False]


def test_9_to_7_is_not_called_meaningful():
    assert pain(9, 7).summary.endswith("(down 2 points, not a meaningful change).")


@pytest.mark.parametrize(("first", "latest"), [(8, 10), (0, 2), (5, 7)])
def test_pain_2_points_worse_counts_from_any_start(first, latest):
    line = pain(first, latest)

    assert line.meaningful and line.worse
    assert "a meaningful change for the worse" in line.summary


def test_one_activity_needs_3_points():
    assert not is_meaningful(2, first=4, is_pain=False, threshold=3)
    chart = outcome_chart({("running 5k", False): readings(4, 6), ("stairs", False): readings(2, 5)})
    running, stairs = chart.lines

    assert (running.meaningful, stairs.meaningful) == (False, True)


def test_the_average_of_several_activities_needs_2_points():
    chart = outcome_chart({("running 5k", False): readings(4, 6), ("stairs", False): readings(3, 5)})

    assert not any(line.meaningful for line in chart.lines)
    assert chart.average.meaningful
    assert chart.average.summary == (
        "Activities (the average of 2): 3.5 on 7 Jan, 5.5 on 14 Jan (up 2 points, a meaningful change for the better)."
    )


def test_one_activity_has_no_average():
    assert outcome_chart({("running 5k", False): readings(4, 6)}).average is None


def test_both_comparisons_are_given_from_three_readings():
    line = pain(8, 3, 6)

    assert line.summary == "Pain: 8 on 7 Jan, 6 on 21 Jan (down 2 points, not a meaningful change)."
    assert (
        line.since_before == "Since the reading before (3 on 14 Jan): up 3 points, a meaningful change for the worse."
    )
    assert line.worse


def test_two_readings_give_one_comparison():
    assert pain(3, 6).since_before == ""


def test_getting_better_is_not_worse():
    chart = outcome_chart({("Pain", True): readings(7, 4), ("stairs", False): readings(3, 6)})

    assert chart.worse == []


@pytest.fixture
def worse_pain(asha, alice, sports):
    """Alice's pain 3 when booking two weeks ago, 6 when booking this week."""
    first = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=14))
    latest = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW + dt.timedelta(hours=3))
    for booking, score in ((first, 3), (latest, 6)):
        outcome_scores_record(
            booking=booking, taken="booking", ratings=Ratings(pain=score), now=booking.start - dt.timedelta(days=2)
        )
    return latest


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("page", ["booking_client_record", "booking_detail"])
def test_worse_pain_prompts_a_talk_and_referral(as_asha, worse_pain, page):
    html = as_asha.get(reverse(page, args=[worse_pain.pk])).content.decode()

    assert 'data-testid="worse-prompt"' in html
    assert "Meaningfully worse: Pain." in html
    assert "consider referral" in html


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_no_prompt_when_getting_better(as_asha, asha, alice, sports):
    first = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=14))
    latest = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW + dt.timedelta(hours=3))
    for booking, score in ((first, 7), (latest, 3)):
        outcome_scores_record(
            booking=booking, taken="booking", ratings=Ratings(pain=score), now=booking.start - dt.timedelta(days=2)
        )

    html = as_asha.get(reverse("booking_client_record", args=[latest.pk])).content.decode()

    assert "a meaningful change for the better" in html
    assert 'data-testid="worse-prompt"' not in html
