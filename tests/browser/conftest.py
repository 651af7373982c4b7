"""Browser-test rig: Debian's Chromium driven by Playwright against live_server.

Every test using ``page`` runs on a phone: the product is mobile-first, and a journey's steps
prove the same things at any size. A test whose layout differs meaningfully on a desk (a grid
that scrolls sideways on a phone, columns side by side, the menu not collapsed) is marked
``desktop_too`` and runs on a desktop viewport as well. ``tablet_page`` is a tablet, for the
treatment room. A failing test leaves a screenshot in test-artifacts/. The steps journeys
share (log in, screenshot, the axe-core scan) are in helpers.py.
"""

import os
from pathlib import Path

import pytest

from .helpers import screenshot

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
# Therapists write notes on a tablet in the treatment room: journeys about notes add this one.
TABLET = {"viewport": {"width": 820, "height": 1180}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _page(request, browser, live_server, name: str, settings: dict):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London", **settings)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_name = name
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()


def pytest_generate_tests(metafunc):
    if "page" in metafunc.fixturenames:
        wanted = metafunc.definition.get_closest_marker("desktop_too")
        metafunc.parametrize("page", list(VIEWPORTS) if wanted else ["phone"], indirect=True)


@pytest.fixture
def page(request, browser, live_server):
    yield from _page(request, browser, live_server, request.param, VIEWPORTS[request.param])


@pytest.fixture
def tablet_page(request, browser, live_server):
    yield from _page(request, browser, live_server, "tablet", TABLET)


@pytest.fixture
def phone_page_without_javascript(request, browser, live_server):
    """For pages that must work as plain HTML forms (their scripts only add to them)."""
    yield from _page(request, browser, live_server, "phone-no-js", {**VIEWPORTS["phone"], "java_script_enabled": False})
