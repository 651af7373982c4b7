"""The terms said before and after: on the time step, in the confirmation email (with what was
paid, as a receipt), in the calendar file, and a note for every refund and fee, none of which
says anything about the client's health."""

import icalendar
import pytest
from django.urls import reverse

from bookings.messaging import email_content
from bookings.messaging.calendar import booking_ics_for_client
from bookings.models import OutboundEmail, Take
from bookings.payments import checkout
from bookings.services.booking_changes import booking_cancel
from clinic.emails import render_email

from ...clock import NOW, at, days_from_now
from ...factories import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules", "celery_eager")]

TUESDAY = days_from_now(6)


@pytest.fixture
def paid(asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)
    checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    booking.refresh_from_db()
    return booking


def rendered(email: OutboundEmail) -> tuple[str, str, str]:
    return render_email(email.kind, email_content.email_context(email))


def test_the_time_step_says_what_paying_for_the_session_means(client, deposit_policy, sports, asha):
    deposit_policy.first_visit_take = Take.FULL
    deposit_policy.save()
    page = client.get(reverse("book_slots", args=[sports.pk])).content.decode()
    assert "Paying for this session" in page
    assert "deposit of £11.00" in page
    assert "On your first visit: you pay the full price, £55.00, when you book." in page


def test_the_confirmation_is_a_receipt_with_the_terms(paid):
    email = paid.emails.get(kind=OutboundEmail.Kind.BOOKING_CONFIRMATION, to_email=paid.client_email)
    subject, text, html = rendered(email)
    assert "Paid when booking: £11.00 (this email is your receipt)" in text
    assert "Cancel at least 24 hours before the start and we refund it in full." in text
    assert "£27.50" in html


def test_the_calendar_file_carries_the_terms(paid):
    event = icalendar.Calendar.from_ical(booking_ics_for_client(paid)).walk("VEVENT")[0]
    assert "deposit of £11.00" in str(event["description"])


def test_a_refund_sends_a_note_with_the_amount_and_no_health_words(paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking_id=paid.pk, now=NOW)
    note = paid.emails.get(kind=OutboundEmail.Kind.PAYMENT_NOTICE)
    subject, text, html = rendered(note)
    assert subject.startswith("Refund of £11.00")
    assert "We have refunded £11.00 to your card" in text
    assert "(cancelled in time)" in text
    for said in (subject, text):
        assert "shin" not in said.lower() and "&#x27;" not in said and "&amp;" not in said
