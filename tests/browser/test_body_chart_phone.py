"""The body chart on a phone, where some regions are smaller than a fingertip: the labelled list,
the equivalent control (WCAG 2.5.8), comes first and stays open, each of its rows a target of at
least 24 px; the figure below still marks what is ticked."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingRules, HealthScreen, TreatmentConsent

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURED = """() => {
  const chart = document.querySelector("[data-body-chart]");
  const list = chart.querySelector(".body-chart-list");
  const svg = chart.querySelector("svg");
  const rows = [...list.querySelectorAll(".form-check")].map(row => {
    const box = row.getBoundingClientRect();
    return {width: box.width, height: box.height};
  });
  const regions = [...svg.querySelectorAll("[data-region]")].map(r => r.getBoundingClientRect())
    .filter(box => box.width < 24 || box.height < 24).length;
  return {listTop: list.getBoundingClientRect().top, svgTop: svg.getBoundingClientRect().top,
          open: list.open, rows, smallRegions: regions};
}"""


def test_on_a_phone_the_list_comes_first_with_rows_a_finger_can_hit(page, asha, alice, sports):
    BookingRules.load()
    booking = make_booking(
        therapist=asha, client=alice, session_type=sports, start=timezone.now() - dt.timedelta(hours=1)
    )
    HealthScreen.objects.create(booking=booking, main_problem="achilles", consent_given_at=timezone.now())

    log_in(page, "asha")
    page.goto(f"/bookings/{booking.pk}/complete/")
    page.get_by_label(TreatmentConsent.WORDING).check()
    page.get_by_role("button", name="Confirm consent").click()

    measured = page.evaluate(MEASURED)
    assert measured["open"] and measured["listTop"] < measured["svgTop"]
    assert min(row["height"] for row in measured["rows"]) >= 24
    assert min(row["width"] for row in measured["rows"]) >= 24
    print(f"regions under 24 px on the figure: {measured['smallRegions']} (the list above is the way in)")

    worked_list = page.locator(".body-chart-list").first
    worked_list.get_by_label("Hamstring, left").check()
    expect(page.get_by_text("Marked: Hamstring, left; Calf, left; Calf, right")).to_be_visible()
    expect(page.locator("[data-region='back-hamstring-left']").first).to_have_class("body-region is-worked")
    screenshot(page, "notes-body-chart-phone")
    assert_accessible(page)
