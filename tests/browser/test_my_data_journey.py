"""A client on a phone books, downloads her data and asks for erasure."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, ErasureRequest, HealthConsent

from .helpers import (
    answer_health_questions,
    assert_accessible,
    choose_a_time,
    in_three_days,
    log_in,
    open_menu_if_collapsed,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_books_downloads_her_data_and_asks_for_erasure(page, alice, asha, sports):
    log_in(page, "alice")
    day = in_three_days()
    choose_a_time(page, day, "10:00")
    answer_health_questions(page)
    page.get_by_label("Mobile number").fill("07700 900456")
    page.get_by_label("Anything your therapist should know").fill("Left shin, half marathon soon")
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("You're booked in.")).to_be_visible()

    open_menu_if_collapsed(page)
    page.get_by_role("link", name="My bookings").click()
    page.get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    expect(page.get_by_text("Your notes: Left shin, half marathon soon")).to_be_visible()
    screenshot(page, f"my-data-{page.viewport_name}")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="download it as a file (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["bookings"][0]["health_answers"]["notes"] == "Left shin, half marathon soon"

    # Withdrawing the health consent asks first, erases nothing, and can be undone per booking.
    page.get_by_role("link", name="Read what happens and withdraw it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your health consent?")
    assert_accessible(page)
    screenshot(page, f"my-data-withdraw-consent-{page.viewport_name}")
    page.get_by_role("button", name="Withdraw my health consent").click()
    expect(page.get_by_text("Your health consent is withdrawn (1 booking).")).to_be_visible()
    expect(page.get_by_text(re.compile(r"; withdrawn \d{4}-\d\d-\d\d, My data page"))).to_be_visible()
    assert HealthConsent.objects.get().withdrawn_at is not None
    open_menu_if_collapsed(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My bookings").click()
    screenshot(page, f"my-bookings-consent-withdrawn-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("I agree: give consent again")).click()
    expect(page.get_by_text("Thank you: your consent is in place again for that booking.")).to_be_visible()
    assert HealthConsent.objects.filter(withdrawn_at__isnull=True).count() == 1
    page.get_by_role("link", name="My data").click()

    # With a booking still to come, erasure waits until it is cancelled.
    page.get_by_role("link", name="Read what happens and ask for erasure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase my data?")
    screenshot(page, f"my-data-erase-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Erase my data and close my account").click()
    expect(page.get_by_text("Please cancel it from My bookings first, then ask again.")).to_be_visible()
    assert not ErasureRequest.objects.exists()

    Booking.objects.update(status=Booking.Status.CANCELLED)
    page.get_by_role("link", name="Read what happens and ask for erasure").click()
    page.get_by_role("button", name="Erase my data and close my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data is erased")
    screenshot(page, f"my-data-erased-{page.viewport_name}")
    assert Booking.objects.get().client_name == "Erased client"
