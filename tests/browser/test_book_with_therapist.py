""" "Book with <therapist>" on a phone (issue #32): from the therapist's profile, which session
first (none preselected), then that session's times for them alone with the week strip."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import make_session_type
from .helpers import assert_accessible, in_three_days, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_books_with_a_therapist_choosing_the_session_first(page, asha, sports):
    make_session_type("Relaxation massage", duration_minutes=90)  # Asha offers both
    day = in_three_days()

    page.goto(f"/therapists/{asha.pk}/")
    page.get_by_role("link", name="Book with Asha Patel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book with Asha Patel")
    choice = page.get_by_role("list", name="Which session would you like?")
    expect(choice.get_by_role("link")).to_have_count(2)
    expect(page.get_by_role("navigation", name="Days")).to_have_count(0)  # no times yet
    screenshot(page, f"book-with-choice-{page.viewport_name}")
    assert_accessible(page)

    choice.get_by_role("link", name=re.compile(r"^Relaxation massage")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Relaxation massage")
    expect(page.get_by_label("Therapist")).to_have_value(str(asha.pk))
    strip = page.get_by_role("navigation", name="Days")
    expect(strip).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Next available: "))).to_be_visible()
    strip.get_by_role("link", name=f"{day:%a %-d %B}, free times").click()
    expect(page.get_by_role("heading", name=f"Free times on {day:%A %-d %B}")).to_be_visible()
    screenshot(page, f"book-with-times-{page.viewport_name}")
    assert_accessible(page)

    page.get_by_role("link", name=f"10:00 on {day:%A %-d %B}").click()
    expect(page).to_have_url(re.compile(rf"/details/\?therapist={asha.pk}&start="))
    expect(page.get_by_text("Relaxation massage").first).to_be_visible()
    expect(page.get_by_text("Asha Patel").first).to_be_visible()
    screenshot(page, f"book-with-details-{page.viewport_name}")


def test_with_one_session_the_times_show_at_once(page, asha, sports):
    page.goto(f"/therapists/{asha.pk}/")
    page.get_by_role("link", name="Book with Asha Patel").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Free times with Asha Patel")
    expect(page.get_by_role("navigation", name="Days")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Free times on "))).to_be_visible()
    screenshot(page, f"book-with-one-session-{page.viewport_name}")
    assert_accessible(page)
