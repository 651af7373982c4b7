"""The outcome chart on a phone: its words drawn at 11 px or more, none cut off at the edges or
touching another, the readings placed by date and a ring on each meaningful change; on a desk
too."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingRules, HealthScreen
from bookings.records.outcome_scores import Ratings, outcome_scores_record

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.desktop_too, pytest.mark.django_db(transaction=True)]

DRAWN = """() => {
  const svg = document.querySelector("svg.outcome-chart").getBoundingClientRect();
  const texts = [...document.querySelectorAll("svg.outcome-chart text")].map(t => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent, left: box.left, right: box.right, top: box.top, bottom: box.bottom,
            px: parseFloat(getComputedStyle(t).fontSize) * svg.width / t.ownerSVGElement.viewBox.baseVal.width};
  });
  const rings = document.querySelectorAll("svg.outcome-chart circle[r='7']").length;
  const xs = [...document.querySelectorAll("svg.outcome-chart g.outcome-line")[0].querySelectorAll("circle")]
    .map(c => parseFloat(c.getAttribute("cx")));
  return {svg: {left: svg.left, right: svg.right}, texts, rings, xs};
}"""


def test_the_chart_is_legible_on_a_phone_with_dates_in_place(page, asha, alice, sports):
    BookingRules.load()
    now = timezone.now()
    # Pain 8 -> 7 -> 5 -> 4 over uneven gaps: a day, then a week, then three weeks.
    sessions = []
    for days_ago, pain in ((31, 8), (30, 7), (23, 5), (2, 4)):
        booking = make_booking(
            therapist=asha,
            client=alice,
            session_type=sports,
            start=now - dt.timedelta(days=days_ago),
            status="attended",
        )
        outcome_scores_record(
            booking=booking, taken="booking", ratings=Ratings(pain=pain, activities=()), now=booking.start
        )
        sessions.append(booking)
    latest = sessions[-1]
    HealthScreen.objects.create(booking=latest, main_problem="knee_pain", consent_given_at=latest.start)

    log_in(page, "asha")
    page.goto(f"/bookings/{latest.pk}/")
    chart = page.locator("svg.outcome-chart")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    drawn = page.evaluate(DRAWN)

    smallest = min(text["px"] for text in drawn["texts"])
    assert smallest >= 11, f"the smallest text is drawn at {smallest:.1f} px"
    for text in drawn["texts"]:
        assert drawn["svg"]["left"] - 0.5 <= text["left"] and text["right"] <= drawn["svg"]["right"] + 0.5, text
    dates = sorted((t for t in drawn["texts"] if not t["text"].isdigit()), key=lambda t: t["left"])
    assert all(a["right"] < b["left"] for a, b in zip(dates, dates[1:], strict=False)), dates
    gaps = [b - a for a, b in zip(drawn["xs"], drawn["xs"][1:], strict=False)]
    assert gaps[2] == pytest.approx(3 * gaps[1], rel=0.05) and gaps[1] == pytest.approx(7 * gaps[0], rel=0.05)
    assert drawn["rings"] == 2  # 8 -> 5 and 8 -> 4; 8 -> 7 is not a meaningful change
    screenshot(page, f"outcome-chart-{page.viewport_name}")
    assert_accessible(page)
