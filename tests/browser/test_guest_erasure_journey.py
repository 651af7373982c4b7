"""An admin erases the data of a guest who booked without an account, from the admin."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, ErasureRequest, HealthDataAccess
from bookings.privacy.my_data import guest_data_erase

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_erases_a_guests_data_after_checking_who_asks(page, admin_user, asha, sports):
    make_booking(
        therapist=asha,
        session_type=sports,
        start=timezone.now() - dt.timedelta(days=8),
        status=Booking.Status.CANCELLED,
        client_email="gina@example.com",
        client_name="Gina Guest",
    )
    v = page.viewport_name

    log_in(page, "admin")
    page.goto("/admin/bookings/erasurerequest/")
    page.get_by_role("link", name="Erase a guest's data").click()
    expect(page.get_by_role("heading", name="Erase a guest's data")).to_be_visible()
    page.get_by_label("The guest's email address").fill("gina@example.com")
    page.get_by_role("button", name="Erase this guest's data").click()
    expect(page.get_by_text("Check who is asking first: erasure cannot be undone.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"admin-erase-guest-refused-{v}")

    page.get_by_label("I have checked that the person asking is the person who booked").check()
    page.get_by_role("button", name="Erase this guest's data").click()
    expect(page.get_by_text("Erased: 1 booking(s) now; nothing held.")).to_be_visible()
    screenshot(page, f"admin-erase-guest-done-{v}")
    assert ErasureRequest.objects.get().guest_email.endswith("@erased.invalid")  # done, it names no one
    assert Booking.objects.get().client_name == "Erased client"


def test_a_held_record_opens_only_with_a_reason_that_is_logged(page, admin_user, asha, sports):
    held = make_booking(
        therapist=asha,
        session_type=sports,
        start=timezone.now() - dt.timedelta(days=8),
        status=Booking.Status.ATTENDED,
        client_email="gina@example.com",
        client_name="Gina Guest",
    )
    guest_data_erase(email="gina@example.com", run_by=admin_user)
    v = page.viewport_name

    log_in(page, "admin")
    page.goto(f"/bookings/{held.pk}/")
    expect(page.get_by_role("heading", name="Held record")).to_be_visible()
    expect(page.get_by_text("This record is held after the client asked for erasure, until")).to_be_visible()
    page.get_by_role("button", name="Open the held record").click()
    expect(page.get_by_text("Give a reason to open this held record")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"held-record-reason-refused-{v}")

    page.get_by_label("Why do you need to open it?").fill("The insurer asked about this session.")
    page.get_by_role("button", name="Open the held record").click()
    expect(page.get_by_role("heading", name="Gina Guest")).to_be_visible()
    expect(page.get_by_text("Held after erasure.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"held-record-opened-{v}")
    assert HealthDataAccess.objects.get(via="held_open").reason == "The insurer asked about this session."
