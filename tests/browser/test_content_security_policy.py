"""The Content-Security-Policy breaks nothing a person uses: Chromium reports no violation on
the public pages, the booking page's live slot list (htmx), the diary and the admin."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..factories import make_booking
from .helpers import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_page_breaks_the_policy(page, asha, alice, sports, admin_user):
    make_booking(therapist=asha, client=alice, session_type=sports)
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto("/")
    day = timezone.localdate() + datetime.timedelta(days=3)
    page.goto(f"/book/{sports.pk}/")
    page.get_by_label("Therapist").select_option(label="Asha Patel")
    page.get_by_label("Day", exact=True).fill(day.isoformat())
    page.get_by_label("Day", exact=True).dispatch_event("change")  # htmx swaps the slot list in
    expect(page.get_by_role("heading", name=f"Free times on {day:%A %-d %B}")).to_be_visible()
    log_in(page, "asha")
    page.goto("/diary/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, f"csp-diary-{page.viewport_name}")
    page.goto("/admin/login/")
    page.goto("/admin/")

    assert violations == []
