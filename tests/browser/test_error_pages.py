"""The refusal pages a person can meet in a browser, on a phone: a page their account may not
open (403), and a form sent with more than the site takes (413). Each says what happened,
that nothing changed, offers a way on, and passes the accessibility scan."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from .conftest import VIEWPORTS, _page
from .helpers import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone_page(request, browser, live_server):
    yield from _page(request, browser, live_server, "phone", VIEWPORTS["phone"])


def test_a_client_opening_a_staff_page_is_told_it_is_not_open_to_her(phone_page, live_server, alice):
    page = phone_page
    log_in(page, "alice")

    response = page.goto("/therapists/checks/")

    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This is not open to you")
    expect(page.get_by_role("alert")).to_contain_text("nothing was changed")
    screenshot(page, "error-403-phone")
    assert_accessible(page)
    page.get_by_role("link", name="Back to the home page").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_form_sent_with_too_much_gets_the_limit_and_changes_nothing(phone_page, alice, settings):
    page = phone_page
    settings.REQUEST_BODY_MAX_BYTES = 50_000
    page.goto("/accounts/login/")
    # A tampered form: a hidden field far past the cap, as a script or a proxy might send.
    page.evaluate(
        """() => {
            const form = document.querySelector('form[method="post"]');
            const padding = document.createElement('input');
            padding.type = 'hidden'; padding.name = 'padding'; padding.value = 'x'.repeat(60000);
            form.appendChild(padding);
        }"""
    )
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("wrong password")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Log in").click()

    assert posted.value.status == 413
    expect(page.get_by_role("heading", level=1)).to_have_text("That was too much to send")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    screenshot(page, "error-413-phone")
    assert_accessible(page)
    assert get_user_model().objects.get(username="alice").last_login is None
