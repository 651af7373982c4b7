"""A small simulated day of the waitlist (bench/waitlist_sim.py, which bench_waitlist.py runs
at full size), on whichever database the suite runs: offers in the list's order, each freed
time with a match offered within the undo delay plus a minute, no time held twice."""

import datetime

import pytest

from bench.waitlist_sim import simulate

from ..clock import NOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clock")]


def test_a_day_of_cancellations_is_offered_in_order_and_in_time():
    report = simulate(day=NOW.date() + datetime.timedelta(days=1), entries=16, cancellations=8, therapists=4)

    assert report.problems == []
    assert report.freed == 8 and report.offers >= 8  # each freed time had someone waiting
    assert report.accepted + report.declined + report.lapsed == report.offers
    assert report.slowest_offer <= datetime.timedelta(minutes=4)
