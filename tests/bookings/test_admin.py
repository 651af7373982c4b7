"""Bookings change through the booking pages, which check the slot and send the emails."""

import datetime

import pytest

from bookings.models import Booking, OutboundEmail

from ..clock import NOW, days_from_now
from ..factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_admins_correct_a_clients_contact_details_but_cannot_move_a_booking(admin_client, bob, alice):
    booking = make_booking(therapist=bob, client=alice)
    start = booking.start
    assert admin_client.get("/admin/bookings/booking/add/").status_code == 403

    response = admin_client.post(
        f"/admin/bookings/booking/{booking.pk}/change/",
        {
            "client_name": "Alice Smith",
            "client_email": "alice.smith@example.com",
            "client_phone": "07700900999",
            "start_0": f"{days_from_now(10):%d/%m/%Y}",
            "start_1": "09:00:00",
            "status": "cancelled",
            "health_screen-TOTAL_FORMS": "0",
            "health_screen-INITIAL_FORMS": "0",
            "treatment_consent-TOTAL_FORMS": "0",
            "treatment_consent-INITIAL_FORMS": "0",
            "session_note-TOTAL_FORMS": "0",
            "session_note-INITIAL_FORMS": "0",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            # A contact change is logged with who and why (test_links_not_matches).
            "change_reason": "The client rang to correct it.",
            "contact_changes-TOTAL_FORMS": "0",
            "contact_changes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.client_name, booking.client_phone) == ("Alice Smith", "07700900999")
    assert (booking.start, booking.status) == (start, Booking.Status.CONFIRMED)


def test_correcting_the_clients_address_redirects_their_unsent_and_failed_emails(admin_client, bob, alice):
    booking = make_booking(therapist=bob, client=alice, client_email="alcie@example.com")
    Kind, Status = OutboundEmail.Kind, OutboundEmail.Status

    def email(kind, status, to="alcie@example.com"):
        return OutboundEmail.objects.create(booking=booking, kind=kind, to_email=to, status=status, due_at=NOW)

    reminder, failed = email(Kind.BOOKING_REMINDER, Status.QUEUED), email(Kind.BOOKING_CONFIRMATION, Status.FAILED)
    sent = email(Kind.BOOKING_CONFIRMATION, Status.SENT)
    to_therapist = email(Kind.STAFF_BOOKED, Status.QUEUED, to="bob@example.com")

    admin_client.post(
        f"/admin/bookings/booking/{booking.pk}/change/",
        {
            "client_name": booking.client_name,
            "client_email": "alice@example.com",
            "client_phone": booking.client_phone,
            "health_screen-TOTAL_FORMS": "0",
            "health_screen-INITIAL_FORMS": "0",
            "treatment_consent-TOTAL_FORMS": "0",
            "treatment_consent-INITIAL_FORMS": "0",
            "session_note-TOTAL_FORMS": "0",
            "session_note-INITIAL_FORMS": "0",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            # A contact change is logged with who and why (test_links_not_matches).
            "change_reason": "The client rang to correct it.",
            "contact_changes-TOTAL_FORMS": "0",
            "contact_changes-INITIAL_FORMS": "0",
        },
    )

    booking.refresh_from_db()
    assert booking.client_email == "alice@example.com"
    addresses = dict(OutboundEmail.objects.values_list("pk", "to_email"))
    assert addresses == {
        reminder.pk: "alice@example.com",
        failed.pk: "alice@example.com",
        sent.pk: "alcie@example.com",
        to_therapist.pk: "bob@example.com",
    }


def test_admins_send_failed_emails_again_and_nothing_else(admin_client, bob, alice):
    booking = make_booking(therapist=bob, client=alice)
    long_ago = NOW - datetime.timedelta(days=2)
    failed, sent = (
        OutboundEmail.objects.create(
            booking=booking,
            kind=OutboundEmail.Kind.BOOKING_CONFIRMATION,
            to_email="alice@example.com",
            status=status,
            due_at=long_ago,
            attempts=6,
            last_error="421 Try later",
        )
        for status in (OutboundEmail.Status.FAILED, OutboundEmail.Status.SENT)
    )

    response = admin_client.post(
        "/admin/bookings/outboundemail/",
        {
            "action": "send_again",
            "_selected_action": [failed.pk, sent.pk],
        },
        follow=True,
    )

    assert "1 email will be sent again within a minute. 1 not failed, left alone." in response.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboundEmail.Status.QUEUED, 0)
    assert failed.due_at > long_ago
    assert sent.status == OutboundEmail.Status.SENT


def test_a_bad_correction_is_refused_and_changes_nothing(bob, alice):
    from django.core.exceptions import ValidationError

    from bookings.services import booking_changes as services

    booking = make_booking(therapist=bob, client=alice)
    before = (booking.client_name, booking.client_email)

    with pytest.raises(ValidationError) as refused:
        services.booking_contact_update(
            booking_id=booking.pk,
            name=" ",
            email="not an address",
            phone="07700 900123",
            changed_by=alice,
            reason="Typo",
        )

    assert set(refused.value.message_dict) == {"client_name", "client_email"}
    booking.refresh_from_db()
    assert (booking.client_name, booking.client_email) == before
