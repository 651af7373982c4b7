"""The body chart on a phone, where some regions of the figure are smaller than a fingertip: the
labelled list, the equivalent control (WCAG 2.5.8), comes first and stays open, each of its rows
a target of at least 24 x 24 px, with a row for every region drawn; each region can be chosen
from its checkbox by keyboard alone, and the figure shows what is ticked."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.clinical import body_chart
from bookings.models import BookingRules, HealthScreen, TreatmentConsent

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Per chart: where the list and the figure start, whether the list is open, each row's target
# (its checkbox and label together, which both toggle it), and the regions drawn on the figure.
MEASURED = """() => [...document.querySelectorAll("[data-body-chart]")].map(chart => {
  const list = chart.querySelector(".body-chart-list");
  const svg = chart.querySelector("svg");
  const targets = [...list.querySelectorAll(".form-check")].map(row => {
    const boxes = [row.querySelector("input"), row.querySelector("label")].map(e => e.getBoundingClientRect());
    const left = Math.min(...boxes.map(b => b.left)), right = Math.max(...boxes.map(b => b.right));
    const top = Math.min(...boxes.map(b => b.top)), bottom = Math.max(...boxes.map(b => b.bottom));
    return {code: row.querySelector("input").value, width: right - left, height: bottom - top};
  });
  const drawn = [...svg.querySelectorAll("[data-region]")].map(region => {
    const box = region.getBoundingClientRect();
    return {code: region.dataset.region, width: box.width, height: box.height};
  });
  return {listTop: list.getBoundingClientRect().top, svgTop: svg.getBoundingClientRect().top,
          open: list.open, targets, drawn};
})"""

# The focused checkbox, whether it is ticked, its label, and how the figure draws its region.
FOCUSED = """() => {
  const input = document.activeElement;
  const chart = input.closest("[data-body-chart]");
  const region = chart && chart.querySelector(`svg [data-region="${input.value}"]`);
  return {type: input.type, name: input.name, code: input.value, checked: input.checked,
          label: input.labels && input.labels.length ? input.labels[0].textContent : "",
          marked: region ? region.classList.contains(chart.dataset.marks) : null};
}"""


@pytest.fixture
def notes_form_on_a_phone(page, asha, alice, sports):
    """The notes form for an Achilles client's session that ended an hour ago, consent given."""
    BookingRules.load()
    booking = make_booking(
        therapist=asha, client=alice, session_type=sports, start=timezone.now() - dt.timedelta(hours=1)
    )
    HealthScreen.objects.create(booking=booking, main_problem="achilles", consent_given_at=timezone.now())
    log_in(page, "asha")
    page.goto(f"/bookings/{booking.pk}/complete/")
    page.get_by_label(TreatmentConsent.WORDING).check()
    page.get_by_role("button", name="Confirm consent").click()
    expect(page.locator("[data-body-chart]")).to_have_count(2)
    return page


def test_on_a_phone_the_list_comes_first_with_a_target_a_finger_can_hit_for_every_region(
    notes_form_on_a_phone,
):
    page = notes_form_on_a_phone
    offered = [region.code for region in body_chart.REGIONS]

    for chart in page.evaluate(MEASURED):
        assert chart["open"] and chart["listTop"] < chart["svgTop"]
        assert [target["code"] for target in chart["targets"]] == offered
        too_small = [t for t in chart["targets"] if t["width"] < 24 or t["height"] < 24]
        assert not too_small, f"list targets under 24 x 24 px: {too_small}"
        # Each region drawn, whatever its size, has its labelled row above (WCAG 2.5.8's
        # equivalent): the figure is not the only way to choose it.
        assert sorted(region["code"] for region in chart["drawn"]) == sorted(offered)
        small_on_figure = [r["code"] for r in chart["drawn"] if r["width"] < 24 or r["height"] < 24]
        print(f"figure regions under 24 px: {len(small_on_figure)} of {len(chart['drawn'])}")

    worked_list = page.locator(".body-chart-list").first
    worked_list.get_by_label("Hamstring, left").check()
    expect(page.get_by_text("Marked: Hamstring, left; Calf, left; Calf, right")).to_be_visible()
    expect(page.locator("[data-region='back-hamstring-left']").first).to_have_class("body-region is-worked")
    screenshot(page, "notes-body-chart-phone")
    assert_accessible(page)


def test_on_a_phone_each_region_is_chosen_from_its_labelled_checkbox_by_keyboard(notes_form_on_a_phone):
    page = notes_form_on_a_phone
    labels = {region.code: region.label for region in body_chart.REGIONS}
    # Pre-ticked for an Achilles client: the calves worked, the tendons to avoid.
    pre_ticked = {
        "areas_worked": set(body_chart.both_sides("back", "calf-muscle")),
        "areas_to_avoid": set(body_chart.both_sides("back", "achilles")),
    }

    for field, chart in zip(("areas_worked", "areas_to_avoid"), page.locator(".body-chart-list").all(), strict=True):
        chart.locator("summary").focus()
        for code, label in labels.items():
            page.keyboard.press("Tab")
            before = page.evaluate(FOCUSED)
            assert (before["type"], before["name"], before["code"]) == ("checkbox", field, code)
            assert before["label"] == label
            assert before["checked"] == (code in pre_ticked[field])
            page.keyboard.press("Space")
            after = page.evaluate(FOCUSED)
            assert after["checked"] != before["checked"], f"Space did not toggle {label}"
            assert after["marked"] == after["checked"], f"the figure does not show {label} as ticked"

    # Everything the keyboard ticked is what the form sends: all but the pre-ticked regions.
    summaries = page.locator("[data-body-chart-summary]")
    for n, field in enumerate(("areas_worked", "areas_to_avoid")):
        now_ticked = [labels[code] for code in labels if code not in pre_ticked[field]]
        expect(summaries.nth(n)).to_have_text("Marked: " + "; ".join(now_ticked))
