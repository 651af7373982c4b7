"""A therapist accepts a booking whose answers need a doctor's agreement: on a phone they record
the letter they have seen (who it is from, its date, a photo of it) and accept; the booking page
then says what was seen and offers the copy."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingRules, HealthScreen

from ..factories import make_booking
from ..uploads import image_bytes
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_therapist_records_the_letter_and_accepts(page, asha, alice, sports, media_root, tmp_path):
    BookingRules.load()
    booking = make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=timezone.now() + dt.timedelta(days=3),
        status=Booking.Status.AWAITING_REVIEW,
    )
    HealthScreen.objects.create(
        booking=booking,
        answered_yes=["diabetes"],
        main_problem="knee_pain",
        consent_given_at=timezone.now(),
        doctor_ok_confirmed=True,
    )
    photo = tmp_path / "letter.jpg"
    photo.write_bytes(image_bytes("JPEG", (600, 800)))
    letter_date = timezone.localdate() - dt.timedelta(days=10)

    log_in(page, "asha")
    page.goto(f"/bookings/{booking.pk}/")
    agreement = page.get_by_role("group", name="The client's doctor's agreement to massage")
    agreement.get_by_label("I have seen the letter").check()
    agreement.get_by_label("Who the letter is from").fill("Dr A Khan, Park Surgery")
    agreement.get_by_label("Its date").fill(letter_date.isoformat())
    agreement.get_by_label("A copy, if the client gives one (PDF or photo, optional)").set_input_files(str(photo))
    screenshot(page, "doctor-letter-accept-phone")
    assert_accessible(page)
    page.get_by_role("button", name="Accept booking").click()

    expect(page.get_by_text("Booking accepted.")).to_be_visible()
    expect(
        page.get_by_text(f"a letter from Dr A Khan, Park Surgery dated {letter_date.day} {letter_date:%b %Y}")
    ).to_be_visible()
    expect(page.get_by_role("link", name="download the copy")).to_be_visible()
    screenshot(page, "doctor-letter-recorded-phone")
    assert_accessible(page)
    screen = HealthScreen.objects.get()
    assert screen.doctor_letter_copy.name.endswith(".jpg")
