"""Consent to treatment: at the start of the session the therapist confirms the areas and the
pressure were explained and the client agreed, with the time and who recorded it. Without it the
session is not marked attended and no notes are written: a clear message, nothing changed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import Booking, OutboundEmail, SessionNote, TreatmentConsent
from bookings.records.consent import ConsentRefused, treatment_consent_record
from bookings.services.outcome import session_complete

from ..clock import NOW
from ..factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NOTES = {"areas_worked": ["back-calf-left"], "pressure_used": "4", "problem": "achilles"}


@pytest.fixture
def todays(asha, alice, sports):
    """Alice's session with asha, which started two hours ago; no consent recorded yet."""
    return make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))


def test_the_therapist_records_it_with_the_time_and_their_name(as_asha, asha, todays):
    response = as_asha.post(reverse("session_complete", args=[todays.pk]), {"action": "consent", "agreed": "on"})

    assert response.status_code == 302
    consent = TreatmentConsent.objects.get(booking=todays)
    assert (consent.confirmed_at, consent.confirmed_by, consent.wording) == (NOW, asha.user, TreatmentConsent.WORDING)
    page = as_asha.get(response.url).content.decode()
    assert "Confirmed by Asha Patel at" in page
    assert 'name="action" value="consent"' not in page


def test_notes_without_consent_are_refused_and_nothing_changes(as_asha, todays):
    response = as_asha.post(reverse("session_complete", args=[todays.pk]), NOTES)

    assert response.status_code == 400
    assert "Confirm the client&#x27;s consent to treatment first" in response.content.decode()
    todays.refresh_from_db()
    assert todays.status == Booking.Status.CONFIRMED
    assert not SessionNote.objects.exists()
    assert not OutboundEmail.objects.filter(booking=todays).exists()


def test_the_service_refuses_too(asha, todays):
    with pytest.raises(ValidationError, match="consent to treatment first"):
        session_complete(
            therapist=asha,
            booking_id=todays.pk,
            areas_worked=["back-calf-left"],
            pressure_used=4,
            problem="achilles",
            now=NOW,
        )

    todays.refresh_from_db()
    assert todays.status == Booking.Status.CONFIRMED
    assert not SessionNote.objects.exists()


def test_after_consent_the_notes_save(as_asha, todays):
    as_asha.post(reverse("session_complete", args=[todays.pk]), {"action": "consent", "agreed": "on"})

    assert as_asha.post(reverse("session_complete", args=[todays.pk]), NOTES).status_code == 302
    todays.refresh_from_db()
    assert todays.status == Booking.Status.ATTENDED


def test_an_unticked_box_records_nothing(as_asha, todays):
    response = as_asha.post(reverse("session_complete", args=[todays.pk]), {"action": "consent"})

    assert response.status_code == 400
    assert "Tick the box to confirm the client agreed to the treatment." in response.content.decode()
    assert not TreatmentConsent.objects.exists()


def test_another_therapist_cannot_record_it(client, bob, todays):
    client.force_login(bob.user)

    response = client.post(reverse("session_complete", args=[todays.pk]), {"action": "consent", "agreed": "on"})

    assert response.status_code == 404
    with pytest.raises(Booking.DoesNotExist):
        treatment_consent_record(therapist=bob, booking_id=todays.pk, agreed=True, now=NOW)
    assert not TreatmentConsent.objects.exists()


def test_it_is_given_at_the_start_not_days_before(asha, alice, sports):
    tomorrow = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW + dt.timedelta(days=1))

    with pytest.raises(ConsentRefused, match="at the start of the session"):
        treatment_consent_record(therapist=asha, booking_id=tomorrow.pk, agreed=True, now=NOW)
    assert treatment_consent_record(
        therapist=asha, booking_id=tomorrow.pk, agreed=True, now=tomorrow.start - dt.timedelta(minutes=10)
    )


def test_a_cancelled_booking_takes_none(asha, alice, sports):
    cancelled = make_booking(
        therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2), status="cancelled"
    )

    with pytest.raises(ConsentRefused, match="cancelled"):
        treatment_consent_record(therapist=asha, booking_id=cancelled.pk, agreed=True, now=NOW)


def test_confirming_twice_keeps_the_first(asha, todays):
    first = treatment_consent_record(therapist=asha, booking_id=todays.pk, agreed=True, now=NOW)

    again = treatment_consent_record(therapist=asha, booking_id=todays.pk, agreed=True, now=NOW + dt.timedelta(hours=1))

    assert again.pk == first.pk and again.confirmed_at == NOW
    assert TreatmentConsent.objects.count() == 1


def test_the_record_and_the_download_show_it(client, as_asha, asha, alice, todays):
    treatment_consent_record(therapist=asha, booking_id=todays.pk, agreed=True, now=NOW)
    session_complete(
        therapist=asha,
        booking_id=todays.pk,
        areas_worked=["back-calf-left"],
        pressure_used=4,
        problem="achilles",
        now=NOW,
    )

    page = as_asha.get(reverse("booking_client_record", args=[todays.pk])).content.decode()
    assert "Consent to treatment:</span> confirmed by Asha Patel, 16 Jan 2030 09:30" in page

    client.force_login(alice)
    [booking] = client.get(reverse("my_data_download")).json()["bookings"]
    assert booking["consent_to_treatment"]["wording"] == TreatmentConsent.WORDING
    assert booking["consent_to_treatment"]["confirmed_at"] == NOW.isoformat()
