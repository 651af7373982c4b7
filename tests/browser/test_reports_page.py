"""The reports page on a phone and a desk: the filters, the figures with their definitions,
the utilisation table and the CSV link, axe clean."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking

from ..factories import grant_permissions, make_booking, make_user
from .helpers import assert_accessible, log_in, open_menu_if_collapsed, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.desktop_too
def test_reception_reads_last_months_figures(page, asha, sports):
    grant_permissions(make_user("rita", is_staff=True, first_name="Rita"), "view_reports")
    first_of_month = timezone.localdate().replace(day=1)
    last_month = timezone.localtime().replace(day=1) - timezone.timedelta(days=10)
    for status in (Booking.Status.ATTENDED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW):
        make_booking(therapist=asha, session_type=sports, start=last_month.replace(hour=10), status=status)
        last_month -= timezone.timedelta(days=1)
    assert last_month.date() < first_of_month

    log_in(page, "rita")
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("No-show rate 33%"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Asha Patel"))).to_be_visible()
    chart = page.get_by_role("img", name="Attended sessions and no-shows, week by week")
    expect(chart).to_be_visible()
    drawn_px = page.evaluate(
        "() => { const svg = document.querySelector('svg.report-chart');"
        " return svg.getBoundingClientRect().width / svg.viewBox.baseVal.width"
        " * parseFloat(svg.querySelector('text').getAttribute('font-size')); }"
    )
    assert drawn_px >= 11, drawn_px  # the chart's text as drawn, on a phone too
    screenshot(page, f"reports-{page.viewport_name}")
    assert_accessible(page)
    expect(page.get_by_role("link", name="Download these figures (CSV)")).to_be_visible()
