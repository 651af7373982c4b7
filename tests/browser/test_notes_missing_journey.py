"""A therapist is reminded of sessions still without notes a day after they ended, and goes from
the reminder on their week to the list and on to a session's notes form, on a phone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingRules

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_reminder_leads_to_the_list_and_the_notes_form(page, asha, alice, sports):
    BookingRules.load()
    ended = make_booking(
        client=alice, therapist=asha, session_type=sports, start=timezone.now() - dt.timedelta(days=2, hours=1)
    )

    log_in(page, "asha")
    page.goto("/diary/")
    reminder = page.get_by_role("status").filter(has_text="without notes")
    expect(reminder).to_contain_text("1 session ended more than a day ago without notes.")
    reminder.get_by_role("link", name="Write the notes").click()

    expect(page.get_by_role("heading", level=2)).to_have_text("Notes to write")
    expect(page.get_by_role("link", name="Notes to write")).to_have_attribute("aria-current", "page")
    screenshot(page, "notes-to-write-phone")
    assert_accessible(page)
    page.get_by_role("link", name=f"Write notes for Alice, {timezone.localtime(ended.start):%-d %b}").click()
    expect(page).to_have_url(f"/bookings/{ended.pk}/complete/")
