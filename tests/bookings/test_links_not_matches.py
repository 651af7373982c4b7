"""A booking belongs to an account only through its link (Booking.client), made when the
address it was booked with is verified or when a signed-in client books. An address typed
into a booking, or written into it later by staff, never makes it anyone's: changing it is
logged with who and why, and needs the health permission when the booking holds health data."""

import logging

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.urls import reverse

from bookings.models import Booking, BookingContactChange, OutboundEmail, SessionNote
from bookings.privacy.claims import bookings_for_account
from bookings.services import booking_changes
from bookings.services.booking_changes import ContactChangeRefused

from ..clock import NOW, at, days_from_now
from ..factories import book, details_url, form_data, grant_permissions, make_booking, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

SECRET = "epilepsy"


@pytest.fixture
def gina_guest_booking(asha, sports):
    """Gina booked as a guest, with her health answers, and her reminder is queued."""
    booking = book(sports, asha, at(days_from_now(3), "10:00"))
    booking.health_screen.notes = SECRET
    booking.health_screen.save()
    Booking.objects.filter(pk=booking.pk).update(client_name="Gina Guest", client_email="gina@example.com")
    OutboundEmail.objects.filter(booking=booking).exclude(kind__in=OutboundEmail.TO_STAFF).update(
        to_email="gina@example.com"
    )
    OutboundEmail.objects.create(booking=booking, kind="booking_reminder", to_email="gina@example.com", due_at=NOW)
    return Booking.objects.get(pk=booking.pk)


@pytest.fixture
def mallory(db):
    """Staff who may change bookings in the admin, but not read health data; his own address
    is verified."""
    return grant_permissions(make_user("mallory", is_staff=True), "view_booking", "change_booking")


@pytest.fixture
def hana(db):
    """Staff who may change bookings and read health data."""
    return grant_permissions(make_user("hana", is_staff=True), "view_booking", "change_booking", "view_health_data")


def admin_change(client, booking, *, email, reason="The client rang to correct it."):
    return client.post(
        reverse("admin:bookings_booking_change", args=[booking.pk]),
        {
            "client_name": booking.client_name,
            "client_email": email,
            "client_phone": booking.client_phone,
            "change_reason": reason,
            "health_screen-TOTAL_FORMS": "0",
            "health_screen-INITIAL_FORMS": "0",
            "treatment_consent-TOTAL_FORMS": "0",
            "treatment_consent-INITIAL_FORMS": "0",
            "session_note-TOTAL_FORMS": "0",
            "session_note-INITIAL_FORMS": "0",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            "contact_changes-TOTAL_FORMS": "0",
            "contact_changes-INITIAL_FORMS": "0",
        },
    )


def my_data_shows(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("my_data")).content.decode() + client.get(reverse("my_data_download")).content.decode()


def client_addresses(booking) -> set[str]:
    return set(booking.emails.exclude(kind__in=OutboundEmail.TO_STAFF).values_list("to_email", flat=True))


def test_staff_without_the_health_permission_cannot_readdress_a_guest_booking_to_himself(
    client, gina_guest_booking, mallory, caplog
):
    client.force_login(mallory)

    with caplog.at_level(logging.DEBUG):
        response = admin_change(client, gina_guest_booking, email="mallory@example.com")

    assert response.status_code == 200
    assert "only staff allowed to read health data can change its email address" in response.content.decode()
    gina_guest_booking.refresh_from_db()
    assert (gina_guest_booking.client_email, gina_guest_booking.client_id) == ("gina@example.com", None)
    assert client_addresses(gina_guest_booking) == {"gina@example.com"}
    assert not BookingContactChange.objects.exists()
    assert SECRET not in my_data_shows(client, mallory)
    assert SECRET not in caplog.text
    assert not any(SECRET in message.body for message in mail.outbox)


def test_even_when_the_address_is_changed_to_his_own_my_data_does_not_list_the_booking(
    client, gina_guest_booking, hana
):
    client.force_login(hana)

    response = admin_change(client, gina_guest_booking, email="hana@example.com", reason="Testing")

    assert response.status_code == 302
    gina_guest_booking.refresh_from_db()
    assert (gina_guest_booking.client_email, gina_guest_booking.client_id) == ("hana@example.com", None)
    assert not bookings_for_account(user=hana).exists()
    shown = my_data_shows(client, hana)
    assert SECRET not in shown
    assert "Gina" not in shown


def test_the_change_is_logged_with_who_when_why_and_both_addresses(client, gina_guest_booking, hana):
    client.force_login(hana)

    admin_change(client, gina_guest_booking, email="gina.g@example.com", reason="  Gina   rang: typo ")

    change = BookingContactChange.objects.get()
    assert (change.booking, change.changed_by, change.at) == (gina_guest_booking, hana, NOW)
    assert (change.old_email, change.new_email, change.reason) == (
        "gina@example.com",
        "gina.g@example.com",
        "Gina rang: typo",
    )
    assert client_addresses(gina_guest_booking) == {"gina.g@example.com"}


def test_verifying_an_address_written_in_by_staff_does_not_claim_the_booking(gina_guest_booking, hana):
    booking_changes.booking_contact_update(
        booking_id=gina_guest_booking.pk,
        name="Gina Guest",
        email="hana.home@example.com",
        phone="07700 900456",
        changed_by=hana,
        reason="Gina asked",
    )
    address = EmailAddress.objects.create(user=hana, email="hana.home@example.com", verified=True)

    email_confirmed.send(sender=None, request=None, email_address=address)

    gina_guest_booking.refresh_from_db()
    assert gina_guest_booking.client_id is None


def test_verifying_an_address_links_the_guest_bookings_made_with_it(gina_guest_booking):
    gina = make_user("gina")

    email_confirmed.send(sender=None, request=None, email_address=EmailAddress.objects.get(user=gina))

    gina_guest_booking.refresh_from_db()
    assert gina_guest_booking.client == gina
    assert list(bookings_for_account(user=gina)) == [gina_guest_booking]


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_the_service_refuses_a_change_without_a_reason(gina_guest_booking, hana, reason):
    with pytest.raises(ContactChangeRefused) as refused:
        booking_changes.booking_contact_update(
            booking_id=gina_guest_booking.pk,
            name="Gina Guest",
            email="gina.g@example.com",
            phone="07700 900456",
            changed_by=hana,
            reason=reason,
        )

    assert "Say why" in refused.value.message
    gina_guest_booking.refresh_from_db()
    assert gina_guest_booking.client_email == "gina@example.com"
    assert client_addresses(gina_guest_booking) == {"gina@example.com"}
    assert not BookingContactChange.objects.exists()


def test_the_service_refuses_a_new_address_on_a_booking_with_notes_without_the_permission(asha, mallory):
    booking = make_booking(therapist=asha, client_email="gina@example.com", status="attended")
    SessionNote.objects.create(booking=booking, pressure_used=6, problem="knee_pain")

    with pytest.raises(ContactChangeRefused):
        booking_changes.booking_contact_update(
            booking_id=booking.pk,
            name="Gina Guest",
            email="mallory@example.com",
            phone="07700 900456",
            changed_by=mallory,
            reason="Gina asked",
        )

    booking.refresh_from_db()
    assert booking.client_email == "gina@example.com"
    assert not BookingContactChange.objects.exists()


def test_without_health_data_staff_may_correct_the_address_but_it_joins_no_account(asha, mallory):
    booking = make_booking(therapist=asha, client_email="gina@exmaple.com")

    booking_changes.booking_contact_update(
        booking_id=booking.pk,
        name="Gina Guest",
        email="mallory@example.com",
        phone="07700 900456",
        changed_by=mallory,
        reason="Misspelt domain",
    )

    booking.refresh_from_db()
    assert (booking.client_email, booking.client_id) == ("mallory@example.com", None)
    assert BookingContactChange.objects.get().changed_by == mallory
    assert not bookings_for_account(user=mallory).exists()


def test_a_correction_keeps_the_booking_with_the_account_it_was_linked_to(asha, alice, hana):
    booking = make_booking(therapist=asha, client=alice)

    booking_changes.booking_contact_update(
        booking_id=booking.pk,
        name="Alice",
        email="hana@example.com",
        phone="07700 900456",
        changed_by=hana,
        reason="Testing",
    )

    booking.refresh_from_db()
    assert booking.client == alice
    assert not bookings_for_account(user=hana).exists()


def test_a_guest_booking_with_an_address_an_account_verified_stays_a_guest_booking(client, alice, asha, sports):
    # Anyone can type Alice's address; only the link says whose a booking is.
    booking = book(sports, asha, at(days_from_now(3), "10:00"))

    assert (booking.client_email, booking.client_id) == ("alice@example.com", None)
    assert not bookings_for_account(user=alice).exists()
    client.force_login(alice)
    assert "Alice Walker" not in client.get(reverse("my_bookings")).content.decode()


def test_a_signed_in_client_who_books_is_linked_at_booking_time(client, alice, asha, sports):
    client.force_login(alice)
    start = at(days_from_now(3), "11:00")

    response = client.post(details_url(sports), form_data(asha, start, email="alice.other@example.com"))

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.client == alice
    assert list(bookings_for_account(user=alice)) == [booking]
