"""The privacy notice and the cookie list, reached from the footer on a phone."""

import pytest
from playwright.sync_api import expect

from .helpers import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_footer_leads_to_the_privacy_notice_and_the_cookie_list(page):
    page.goto("/")
    page.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_role("link", name="ico.org.uk")).to_be_visible()
    # The contents lead to each section; the lawful bases and refusing the health questions have their own.
    contents = page.get_by_role("navigation", name="On this page")
    contents.get_by_role("link", name="Your health answers, and if you would rather not give them").click()
    expect(
        page.get_by_role("region", name="Your health answers, and if you would rather not give them")
    ).to_contain_text("the booking form will not go through")
    expect(page.get_by_role("region", name="What we hold, why, and what allows us to")).to_contain_text(
        "Basis: our contract with you"
    )
    screenshot(page, f"privacy-{page.viewport_name}")
    assert_accessible(page)

    # The notice has a Cookies section of its own; the footer leads to the full list.
    page.get_by_role("contentinfo").get_by_role("link", name="Cookies", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cookies")
    expect(page.get_by_role("row", name="sessionid")).to_be_visible()
    screenshot(page, f"cookies-{page.viewport_name}")
    assert_accessible(page)
