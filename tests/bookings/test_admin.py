"""Bookings change through the booking pages, which check the slot and send the emails."""

import pytest

from bookings.models import Booking

from ..factories import make_booking, make_therapist, make_user

pytestmark = pytest.mark.django_db


def test_admins_correct_a_clients_contact_details_but_cannot_move_a_booking(admin_client):
    booking = make_booking(therapist=make_therapist("bob"), client=make_user("alice"))
    start = booking.start
    assert admin_client.get("/admin/bookings/booking/add/").status_code == 403

    response = admin_client.post(f"/admin/bookings/booking/{booking.pk}/change/", {
        "client_name": "Alice Smith", "client_email": "alice.smith@example.com", "client_phone": "07700900999",
        "start_0": "01/01/2027", "start_1": "09:00:00", "status": "cancelled",
        "health_screen-TOTAL_FORMS": "0", "health_screen-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "0", "emails-INITIAL_FORMS": "0",
    })

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.client_name, booking.client_phone) == ("Alice Smith", "07700900999")
    assert (booking.start, booking.status) == (start, Booking.Status.CONFIRMED)
