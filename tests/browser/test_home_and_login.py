import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD, make_session_type
from .helpers import enter_code_if_asked, open_menu_if_collapsed, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# A desktop's menu is never collapsed: this journey also reaches Log in and Admin from the open one.
@pytest.mark.desktop_too
def test_a_visitor_sees_the_sessions_and_an_admin_logs_in(page, admin_user, sports):
    make_session_type("Relaxation massage", kind="relaxation", duration_minutes=45)

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a massage")
    expect(page.get_by_role("heading", level=3)).to_have_text(["Relaxation massage", "Sports massage"])
    screenshot(page, f"home-{page.viewport_name}")

    # The skip link is the first thing a keyboard reaches, and it moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Log in").click()
    expect(page).to_have_title("Log in · Clinic")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, f"login-{page.viewport_name}")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    screenshot(page, f"login-code-{page.viewport_name}")
    enter_code_if_asked(page)

    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    screenshot(page, f"admin-{page.viewport_name}")


def test_a_wrong_password_is_refused_with_a_message(page, admin_user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("The email address and/or password you specified are not correct.")).to_be_visible()
