"""The outcome chart on a phone: its words drawn at 11 px or more, none cut off at the edges or
touching another, the readings placed by date and a ring on each meaningful change, as the
legend under it says; on a desk too, on the booking page and the client's record."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingRules, HealthScreen
from bookings.records.outcome_scores import Ratings, outcome_scores_record

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.desktop_too, pytest.mark.django_db(transaction=True)]

# Alice's readings, days ago: pain and "climbing stairs" when booking, and once at the check-in
# two days after a session. The gaps are uneven (2, 1, 14 and 14 days) and the first three
# bunch together, so their dates cannot all fit under the axis.
READINGS = [
    # days ago, taken, pain, stairs
    (33, "booking", 8, 3),
    (31, "check_in", 6, 4),  # pain down 2 of 8 (25%), stairs up 1: neither meaningful
    (30, "booking", 7, 6),  # stairs up 3 from the first: meaningful
    (16, "booking", 5, 6),  # pain down 3 of 8: meaningful, as are the stairs
    (2, "booking", 3, 7),
]
RINGS = 5  # pain on the last two readings, the stairs on the last three

DRAWN = """() => {
  const svg = document.querySelector("svg.outcome-chart");
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll("text")].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            px: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
  const xs = [...svg.querySelectorAll("g.outcome-line")].map(
    g => [...g.querySelectorAll("circle")].map(c => c.getBoundingClientRect().x + c.getBoundingClientRect().width / 2));
  return {svg: {left: box.left, right: box.right, top: box.top, bottom: box.bottom}, texts, xs,
          rings: svg.querySelectorAll("circle[r='7']").length, dots: svg.querySelectorAll("circle[r='4']").length};
}"""


def alices_latest_session(asha, alice, sports):
    now = timezone.now()
    latest = None
    for days_ago, taken, pain, stairs in READINGS:
        at = now - dt.timedelta(days=days_ago)
        if taken == "booking":
            latest = make_booking(therapist=asha, client=alice, session_type=sports, start=at, status="attended")
        outcome_scores_record(
            booking=latest,
            taken=taken,
            ratings=Ratings(pain=pain, activities=(("climbing stairs", stairs),)),
            now=at,
        )
    HealthScreen.objects.create(booking=latest, main_problem="knee_pain", consent_given_at=latest.start)
    return latest


def assert_drawn_for_reading(drawn):
    smallest = min(text["px"] for text in drawn["texts"])
    assert smallest >= 11, f"the smallest text is drawn at {smallest:.1f} px"
    edges = drawn["svg"]
    for text in drawn["texts"]:
        assert edges["left"] - 0.5 <= text["left"] and text["right"] <= edges["right"] + 0.5, text
        assert edges["top"] - 0.5 <= text["top"] and text["bottom"] <= edges["bottom"] + 0.5, text
    dates = sorted((t for t in drawn["texts"] if not t["text"].isdigit()), key=lambda t: t["left"])
    assert all(a["right"] < b["left"] for a, b in zip(dates, dates[1:], strict=False)), dates
    assert 2 <= len(dates) < len(READINGS)  # the first and the last at least; the bunched ones thinned
    days = [first[0] - second[0] for first, second in zip(READINGS, READINGS[1:], strict=False)]
    for xs in drawn["xs"]:
        gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
        assert [gap / sum(gaps) for gap in gaps] == pytest.approx([d / sum(days) for d in days], abs=0.005)
    assert (drawn["rings"], drawn["dots"]) == (RINGS, 2 * len(READINGS) - RINGS)


def test_the_chart_is_legible_on_a_phone_with_dates_in_place(page, asha, alice, sports):
    BookingRules.load()
    latest = alices_latest_session(asha, alice, sports)

    log_in(page, "asha")
    for name, path in (("booking", f"/bookings/{latest.pk}/"), ("record", f"/bookings/{latest.pk}/record/")):
        page.goto(path)
        chart = page.locator("svg.outcome-chart")
        expect(chart).to_be_visible()
        chart.scroll_into_view_if_needed()

        assert_drawn_for_reading(page.evaluate(DRAWN))
        expect(page.get_by_test_id("chart-legend")).to_have_text(
            "A hollow ring marks each reading that is a meaningful change from the first (for pain, up 2 points, "
            "or down 2 points and 30% of where it started; for an activity, 3 points either way); a filled dot, "
            "any other reading. Lower pain is better; a higher activity score is better."
        )
        expect(chart.locator("desc")).to_contain_text("Pain: 8 on")
        expect(page.locator("section:has(#progress-heading) details tbody tr")).to_have_count(2 * len(READINGS))
        screenshot(page, f"outcome-chart-{name}-{page.viewport_name}")
        assert_accessible(page)
