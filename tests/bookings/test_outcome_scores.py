"""Outcome scores: the client rates pain and one or two activities that matter to them when
booking and again at the 48-hour check-in; the therapist sees them drawn across sessions."""

import datetime as dt
import itertools
import re

import pytest
from django.core import mail
from django.urls import reverse

from bookings.clinical import outcome_chart
from bookings.clinical.outcome_chart import LABEL_WIDTH, ONE_ACTIVITY_POINTS, PAIN_POINTS, Reading, y_for
from bookings.models import Booking, OutcomeScore
from bookings.records.outcome_scores import Ratings, outcome_scores_record

from ..clock import NOW, at, days_from_now
from ..factories import check_in_path, details_url, form_data, make_booking
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


def scores(**filters) -> list[tuple]:
    return list(OutcomeScore.objects.filter(**filters).order_by("pk").values_list("taken", "measure", "score"))


def test_booking_records_pain_and_the_activities_named(client, asha, sports):
    data = form_data(asha, at(TUESDAY, "10:00"), pain_now="6", activity_1="running 5k", activity_1_score="3")

    client.post(details_url(sports), data)

    assert scores() == [("booking", "pain", 6), ("booking", "running 5k", 3)]


@pytest.mark.parametrize(
    "fields, field_error",
    [
        ({"pain_now": "11"}, "Select a valid choice. 11 is not one of the available choices."),
        ({"pain_now": "-1"}, "Select a valid choice. -1 is not one of the available choices."),
        ({"activity_1": "running 5k", "activity_1_score": "x"}, "Select a valid choice. x is not one of"),
        ({"activity_1": "running 5k"}, "Rate this activity from 0 to 10, or leave its name empty."),
        ({"activity_1_score": "4"}, "Name the activity you rated."),
        ({"activity_1": "r" * 61, "activity_1_score": "4"}, "Ensure this value has at most 60 characters"),
    ],
)
def test_bad_scores_get_a_clear_message_and_book_nothing(client, asha, sports, fields, field_error):
    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00"), **fields))

    assert field_error in response.content.decode()
    assert not Booking.objects.exists() and not OutcomeScore.objects.exists()


def test_a_returning_client_rates_the_same_activities(client, asha, sports, alice):
    client.force_login(alice)
    client.post(
        details_url(sports),
        form_data(asha, at(TUESDAY, "10:00"), email="alice@example.com", activity_1="stairs", activity_1_score="5"),
    )

    page = client.get(details_url(sports), {"therapist": asha.pk, "start": at(TUESDAY, "14:00").isoformat()})

    assert 'name="activity_1" value="stairs"' in page.content.decode()


def test_the_check_in_asks_again_and_keeps_the_first_answers_only(attended, client):
    booking = attended()
    outcome_scores_record(
        booking=booking, taken="booking", ratings=Ratings(pain=6, activities=(("running 5k", 2),)), now=NOW
    )
    url = check_in_path(booking)
    assert "How well can you do this now: running 5k?" in client.get(url).content.decode()

    client.post(url, {"answer": "better", "pain_now": "3", "activity_1_score": "6"})
    client.post(url, {"answer": "worse", "pain_now": "9", "activity_1_score": "1"})

    assert scores(taken="check_in") == [("check_in", "pain", 3), ("check_in", "running 5k", 6)]


@pytest.mark.parametrize("score", ["11", "-1", "x"])
def test_a_check_in_score_out_of_range_records_nothing(attended, client, score):
    booking = attended()
    url = check_in_path(booking)

    response = client.post(url, {"answer": "better", "pain_now": score}, follow=True)

    assert "Scores run from 0 to 10" in response.content.decode()
    booking.refresh_from_db()
    assert booking.feedback == "" and not OutcomeScore.objects.exists()


def test_no_score_or_activity_goes_into_any_email(attended, client):
    booking = attended()
    outcome_scores_record(
        booking=booking, taken="booking", ratings=Ratings(pain=6, activities=(("kneeling to garden", 2),)), now=NOW
    )
    client.post(check_in_path(booking), {"answer": "worse", "pain_now": "8"})
    mail.outbox.clear()

    sent = send_due_emails(at(days_from_now(3), "12:00"))

    assert sent
    for message in sent:
        text = message.subject + message.body + message.alternatives[0][0]
        assert "kneeling" not in text and "8/10" not in text


# The chart ------------------------------------------------------------------------------


def test_the_chart_puts_each_reading_at_its_score_in_time_order():
    day = dt.datetime(2030, 1, 7, 10, tzinfo=dt.UTC)
    chart = outcome_chart.outcome_chart(
        {
            ("Pain", True): [Reading(day + dt.timedelta(days=14), 3, "booking"), Reading(day, 7, "booking")],
            ("running 5k", False): [Reading(day, 2, "booking"), Reading(day + dt.timedelta(days=2), 3, "check_in")],
        }
    )

    pain, running = chart.lines
    assert [p.y for p in pain.points] == [y_for(7), y_for(3)]
    assert [p.x for p in pain.points] == [chart.plot_left, chart.plot_right]  # first and last moments
    # Placed by date: two days into a fortnight is a seventh of the way along.
    assert running.points[1].x == pytest.approx(chart.plot_left + (chart.plot_right - chart.plot_left) * 2 / 14)
    assert (pain.change, pain.meaningful) == (-4, True)
    assert "a meaningful change for the better" in pain.summary
    assert (running.change, running.meaningful) == (1, False)
    assert (PAIN_POINTS, ONE_ACTIVITY_POINTS) == (2, 3)


def test_the_time_axis_is_in_proportion_to_the_days_between_readings():
    day = dt.datetime(2030, 1, 7, 10, tzinfo=dt.UTC)
    chart = outcome_chart.outcome_chart(
        {("Pain", True): [Reading(day + dt.timedelta(days=n), 5, "booking") for n in (0, 1, 10)]}
    )

    first, second, third = (p.x for p in chart.lines[0].points)
    assert (third - second) == pytest.approx(9 * (second - first))


def test_a_measure_with_fewer_than_two_readings_draws_no_chart():
    assert outcome_chart.outcome_chart({}) is None
    assert outcome_chart.outcome_chart({("Pain", True): [Reading(NOW, 5, "booking")]}) is None


def test_worse_pain_is_called_worse():
    chart = outcome_chart.outcome_chart(
        {("Pain", True): [Reading(NOW, 3, "booking"), Reading(NOW + dt.timedelta(days=2), 6, "check_in")]}
    )

    assert "up 3 points, a meaningful change for the worse" in chart.lines[0].summary


def test_the_record_draws_the_clients_scores_and_the_svg_points_match_them(as_asha, asha, alice, sports):
    first = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=20))
    latest = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=6))
    for booking, pain in ((first, 7), (latest, 4)):
        outcome_scores_record(
            booking=booking, taken="booking", ratings=Ratings(pain=pain), now=booking.start - dt.timedelta(days=2)
        )

    page = as_asha.get(reverse("booking_client_record", args=[latest.pk])).content.decode()

    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="(\d+)"[^>]*data-score="(\d+)"', page)
    assert [(float(cy), int(score)) for _, cy, _, score in circles] == [(y_for(7), 7), (y_for(4), 4)]
    assert circles[-1][2] == "7"  # the ring marking a meaningful change
    assert (
        "A hollow ring marks each reading that is a meaningful change from the first (for pain, up 2 points, "
        "or down 2 points and 30% of where it started); a filled dot, any other reading. Lower pain is better."
    ) in page
    assert "Pain: 7 on 25 Dec, 4 on 8 Jan (down 3 points, a meaningful change for the better)." in page
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in page


def test_one_reading_says_so_in_words(as_asha, asha, alice, sports):
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=2))
    outcome_scores_record(booking=booking, taken="booking", ratings=Ratings(pain=5), now=NOW - dt.timedelta(days=3))

    page = as_asha.get(reverse("booking_detail", args=[booking.pk])).content.decode()

    assert "Not enough readings for a trend yet" in page and "<svg" not in page


def test_another_therapist_sees_no_scores_of_sessions_they_did_not_give(client, asha, bob, alice, sports):
    theirs = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=9))
    outcome_scores_record(booking=theirs, taken="booking", ratings=Ratings(pain=8), now=NOW - dt.timedelta(days=10))
    outcome_scores_record(booking=theirs, taken="check_in", ratings=Ratings(pain=2), now=NOW - dt.timedelta(days=7))
    bobs = make_booking(therapist=bob, client=alice, session_type=sports, start=NOW + dt.timedelta(days=2))
    client.force_login(bob.user)

    page = client.get(reverse("booking_detail", args=[bobs.pk])).content.decode()

    assert "No scores yet." in page and "<svg" not in page


def test_every_reading_a_meaningful_change_from_the_first_gets_the_ring_the_legend_promises():
    day = dt.datetime(2030, 1, 7, 10, tzinfo=dt.UTC)
    chart = outcome_chart.outcome_chart(
        {
            ("Pain", True): [
                Reading(day + dt.timedelta(days=n), score, "booking") for n, score in enumerate([8, 5, 7, 4])
            ]
        }
    )
    (pain,) = chart.lines
    # 8 -> 5 and 8 -> 4 are meaningful (3 and 4 points, over 30%); 8 -> 7 is not; the first is the start.
    assert [p.ring for p in pain.points] == [False, True, False, True]


def test_date_labels_keep_both_ends_inside_the_chart_and_never_touch():
    day = dt.datetime(2030, 1, 7, 10, tzinfo=dt.UTC)
    close = [Reading(day + dt.timedelta(days=n), 5, "booking") for n in (0, 1, 2, 3, 30)]
    chart = outcome_chart.outcome_chart({("Pain", True): close})

    labels = chart.x_labels
    assert labels[0][1:] == ("7 Jan", "start") and labels[-1][1:] == ("6 Feb", "end")
    spans = [
        (x, x + LABEL_WIDTH)
        if anchor == "start"
        else (x - LABEL_WIDTH, x)
        if anchor == "end"
        else (x - LABEL_WIDTH / 2, x + LABEL_WIDTH / 2)
        for x, _, anchor in labels
    ]
    assert all(left >= 0 and right <= chart.width for left, right in spans)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    assert len(labels) < len(close)  # the days bunched at the start are thinned


def test_the_legend_names_only_the_measures_drawn_and_their_ring_rule():
    day = dt.datetime(2030, 1, 7, 10, tzinfo=dt.UTC)
    twice = [Reading(day, 4, "booking"), Reading(day + dt.timedelta(days=7), 6, "booking")]
    pain_only = outcome_chart.outcome_chart({("Pain", True): twice})
    activities_only = outcome_chart.outcome_chart({("running 5k", False): twice, ("stairs", False): twice})
    both = outcome_chart.outcome_chart({("Pain", True): twice, ("stairs", False): twice})

    assert "activit" not in pain_only.legend
    assert "pain" not in activities_only.legend.lower()
    assert activities_only.legend.endswith(
        "(for an activity, 3 points either way); a filled dot, any other reading. A higher activity score is better."
    )
    assert both.legend == (
        "A hollow ring marks each reading that is a meaningful change from the first (for pain, up 2 points, or "
        "down 2 points and 30% of where it started; for an activity, 3 points either way); a filled dot, any other "
        "reading. Lower pain is better; a higher activity score is better."
    )
    # The average of several activities is a summary in words, never drawn, so never ringed.
    assert activities_only.average is not None and "average" not in activities_only.legend
