"""A therapist declines a booking waiting for her review: she picks a reason from the list and
the client's email gives it in the clinic's words; there is nowhere to type words of her own
that would go to the client."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.messaging import email_content
from bookings.models import Booking, OutboundEmail
from clinic.emails import render_email
from clinic.london import wall_clock_to_utc

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_declines_with_a_reason_from_the_list(page, asha, alice, sports):
    in_a_week = timezone.localdate() + dt.timedelta(days=7)
    booking = make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=wall_clock_to_utc(in_a_week, dt.time(10)),
        status=Booking.Status.AWAITING_REVIEW,
    )
    log_in(page, "asha")

    page.goto(f"/bookings/{booking.pk}/")
    form = page.locator("form", has=page.get_by_role("button", name="Decline booking"))
    expect(form.get_by_label("Reason")).to_be_visible()
    expect(form.get_by_role("textbox")).to_have_count(0)
    form.get_by_label("Reason").select_option("talk_first")
    form.get_by_text("What the client reads for each reason").click()
    expect(
        form.get_by_text("This session is not suitable as booked; please call us to talk it through.")
    ).to_be_visible()
    screenshot(page, f"booking-decline-{page.viewport_name}")
    assert_accessible(page)
    form.get_by_role("button", name="Decline booking").click()
    expect(page.get_by_text("Booking cancelled. The client has been emailed.")).to_be_visible()

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    # Rendered, not sent: the outbox holds client emails through the night, and this runs at any hour.
    email = booking.emails.get(kind=OutboundEmail.Kind.BOOKING_CANCELLED)
    subject, text, _ = render_email(email.kind, email_content.email_context(email))
    assert subject.startswith("Not confirmed:")
    assert "This session is not suitable as booked; please call us to talk it through." in text
