"""What the browser journeys do over and over: log in, open the phone's menu, take a
screenshot, scan a page with axe-core, choose a time and answer the health questions. The rig itself (Chromium, the viewports) is in conftest.py."""

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..factories import PASSWORD, TOTP_SECRET

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page) -> None:
    """Runs axe-core on the page and fails on any serious or critical finding.

    Without axe-core this fails too, wherever the browser tests run: a scan that quietly
    skips is one nobody notices is missing. `make test` installs it (npm ci).
    """
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `make test`, which installs it with npm ci")
    # Evaluated through the browser's devtools channel rather than added as a <script>: the
    # site's Content-Security-Policy refuses inline scripts, as it should.
    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    assert violations == [], "\n".join(violations)


def open_menu_if_collapsed(page) -> None:
    toggler = page.get_by_role("button", name="Show menu")
    if toggler.is_visible():
        toggler.click()
        # Wait for the collapse animation to finish, or a click may land on a moving link.
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))


def log_in(page, username: str) -> None:
    """Logs in as the factories' ``username`` (email ``<username>@example.com``), typing the
    authenticator app's code of the moment when the account is staff."""
    page.goto("/accounts/login/")
    if not page.url.endswith("/accounts/login/"):  # someone is logged in already
        log_out(page)
        page.goto("/accounts/login/")
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    enter_code_if_asked(page)


def enter_code_if_asked(page) -> None:
    """Staff accounts are asked for their authenticator app's code after the password."""
    code_field = page.get_by_label("Code")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if code_field.is_visible():
        code_field.fill(totp_code())
        page.get_by_role("button", name="Continue").click()
    # Where a login lands depends on who it is (clinic.accounts): staff on their diary,
    # clients on the home page. Either way, past the login and its code.
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def totp_code() -> str:
    """The code an authenticator app holding TOTP_SECRET shows now. A code works once; a test
    logging the same person in twice inside its 30 seconds forgets that it was used."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from django.core.cache import cache

    cache.clear()
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def log_out(page) -> None:
    open_menu_if_collapsed(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.locator('a[href="/accounts/login/"]')).to_be_attached()  # hidden in the phone's closed menu


# Booking ---------------------------------------------------------------------------------


def in_three_days() -> dt.date:
    """A day to book on the real clock (a browser test cannot freeze it): three days from today."""
    return timezone.localdate() + dt.timedelta(days=3)


def choose_a_time(page, day: dt.date, time: str) -> None:
    """From the home page to the booking form: a sports massage with Asha at ``time`` on ``day``."""
    page.goto("/")
    page.get_by_role("link", name="Book Sports massage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sports massage")
    page.get_by_label("Therapist").select_option(label="Asha Patel")
    page.get_by_label("Day", exact=True).fill(day.isoformat())
    page.get_by_label("Day", exact=True).dispatch_event("change")
    expect(page.get_by_role("heading", name=f"Free times on {day:%A %-d %B}")).to_be_visible()
    screenshot(page, f"book-slots-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("link", name=f"{time} on {day:%A %-d %B}").click()


def answer_health_questions(page, *, red_flag: str | None = None) -> None:
    """None of the health questions apply (or only ``red_flag``); here for shin splints. On the
    booking page, then Continue to the step that asks who is coming (a waitlist offer asks
    everything on one page) and, unless the answer stopped the booking, 18 or over."""
    for legend in ("Right now, do you have any of these?", "Do any of these apply to you?"):
        page.get_by_role("group", name=legend).get_by_label("None of these").check()
    pain = page.get_by_role("group", name="About the pain or problem you are coming in with: do any of these apply?")
    pain.get_by_label(red_flag or "None of these").check()
    page.get_by_label("What would you like help with?").select_option(label="Shin splints")
    continue_to_details(page)
    if page.get_by_role("heading", name="Please get checked before a massage").count() == 0:
        say_18_or_over(page)


def continue_to_details(page) -> None:
    """From the booking page's health step to the next, where one is shown."""
    button = page.get_by_role("button", name="Continue", exact=True)
    if button.count():
        button.click()
        page.wait_for_load_state("domcontentloaded")


def say_18_or_over(page) -> None:
    """The client is 18 or over (a returning client's answer is kept, folded away with their
    details, and left as it is)."""
    adult = page.get_by_role("group", name=re.compile(r"^(Are you|Is the client) 18 or over\?$"))
    if adult.is_visible():
        adult.get_by_label("Yes").check()
