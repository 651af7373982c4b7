"""The privacy notice and the cookie list, reached from the footer on a phone and a desktop."""

import pytest
from playwright.sync_api import expect

from .helpers import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_footer_leads_to_the_privacy_notice_and_the_cookie_list(page):
    page.goto("/")
    page.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_role("link", name="ico.org.uk")).to_be_visible()
    screenshot(page, f"privacy-{page.viewport_name}")
    assert_accessible(page)

    page.get_by_role("link", name="Cookies", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cookies")
    expect(page.get_by_role("row", name="sessionid")).to_be_visible()
    screenshot(page, f"cookies-{page.viewport_name}")
    assert_accessible(page)
