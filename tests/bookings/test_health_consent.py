"""Consent to keep health answers, as records: the exact words and their version, when and how
given; withdrawn from My data (which erases nothing); given again for an upcoming booking or
with a new one; the therapist told when it is missing."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from bookings.models import Booking, HealthConsent
from bookings.privacy import health_consent
from bookings.privacy.my_data import client_data_erase

from ..clock import NOW, at, days_from_now
from ..factories import details_url, form_data, make_booking, make_user, second_details_step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def alices_booking(as_alice, asha, sports):
    """Alice books next Tuesday at 10:00 through the form, consent ticked."""
    as_alice.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00"), email="alice@example.com"))
    return Booking.objects.get(client__username="alice")


def withdraw(client):
    return client.post(reverse("my_data_withdraw_consent"), follow=True).content.decode()


def test_booking_records_the_words_shown_their_version_and_how(alices_booking, alice):
    [consent] = HealthConsent.objects.all()

    assert consent.booking == alices_booking
    assert consent.client == alice
    assert consent.wording == health_consent.WORDING
    assert consent.wording_version == health_consent.WORDING_VERSION
    assert (consent.given_at, consent.given_how, consent.withdrawn_at) == (NOW, "booking form", None)


def test_staff_booking_for_a_client_records_the_words_they_read_out(client, asha, sports):
    client.force_login(asha.user)

    client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00")))

    [consent] = HealthConsent.objects.all()
    assert consent.wording == health_consent.WORDING_ON_BEHALF
    assert consent.given_how == "booking form, filled in by staff for the client"


def test_withdrawing_asks_first_and_a_get_changes_nothing(as_alice, alices_booking):
    page = as_alice.get(reverse("my_data_withdraw_consent")).content.decode()

    assert "Nothing is erased." in page
    assert HealthConsent.objects.get().withdrawn_at is None


def test_withdrawing_records_when_and_how_and_erases_nothing(as_alice, alices_booking):
    page = withdraw(as_alice)

    assert "Your health consent is withdrawn (1 booking)." in page
    consent = HealthConsent.objects.get()
    assert (consent.withdrawn_at, consent.withdrawn_how) == (NOW, "My data page")
    alices_booking.refresh_from_db()
    assert alices_booking.health_screen.notes == "Left shin, half marathon in March"


def test_withdrawing_twice_says_so_and_changes_nothing(as_alice, alices_booking, clock):
    withdraw(as_alice)
    clock.shift(dt.timedelta(hours=1))

    page = withdraw(as_alice)

    assert "already withdrawn" in page
    assert HealthConsent.objects.get().withdrawn_at == NOW


def test_the_therapist_is_told_to_ask_again_before_the_session(as_alice, alices_booking, client, asha):
    withdraw(as_alice)
    client.force_login(asha.user)

    page = client.get(reverse("booking_detail", args=[alices_booking.pk])).content.decode()

    assert "The client withdrew their health consent on 16 January 2030. Ask them to give it again" in page


def test_the_client_gives_it_again_for_an_upcoming_booking(as_alice, alices_booking, clock):
    withdraw(as_alice)
    assert "I agree: give consent again" in as_alice.get(reverse("my_bookings")).content.decode()
    clock.shift(dt.timedelta(hours=2))

    response = as_alice.post(reverse("my_booking_consent_again", args=[alices_booking.pk]), follow=True)

    assert "your consent is in place again" in response.content.decode()
    assert "I agree: give consent again" not in response.content.decode()
    withdrawn, given = HealthConsent.objects.order_by("given_at")
    assert withdrawn.withdrawn_at == NOW
    assert (given.given_at, given.given_how, given.withdrawn_at) == (
        NOW + dt.timedelta(hours=2),
        "My bookings page, after withdrawing",
        None,
    )


@pytest.mark.parametrize("whose", ["someone else's", "a past one", "one with its consent in place"])
def test_giving_it_again_for_any_other_booking_is_refused_and_changes_nothing(as_alice, alice, asha, sports, whose):
    if whose == "someone else's":
        booking = make_booking(therapist=asha, client=make_user("erin"), session_type=sports)
        health_consent.health_consent_record(booking=booking, on_behalf=False, now=NOW)
        HealthConsent.objects.update(withdrawn_at=NOW)
    elif whose == "a past one":
        booking = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=2))
        health_consent.health_consent_record(booking=booking, on_behalf=False, now=NOW)
        HealthConsent.objects.update(withdrawn_at=NOW)
    else:
        booking = make_booking(therapist=asha, client=alice, session_type=sports)
        health_consent.health_consent_record(booking=booking, on_behalf=False, now=NOW)
    before = list(HealthConsent.objects.values_list("pk", "withdrawn_at"))

    response = as_alice.post(reverse("my_booking_consent_again", args=[booking.pk]), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "That is not one of your upcoming bookings." in page or "already in place" in page
    assert list(HealthConsent.objects.values_list("pk", "withdrawn_at")) == before


def test_a_link_cannot_give_consent(as_alice, alices_booking):
    withdraw(as_alice)

    assert as_alice.get(reverse("my_booking_consent_again", args=[alices_booking.pk])).status_code == 405
    assert not HealthConsent.objects.filter(withdrawn_at__isnull=True).exists()


def test_the_booking_form_says_ticking_gives_it_again_and_a_new_booking_does(as_alice, alices_booking, asha, sports):
    withdraw(as_alice)
    form_page = second_details_step(as_alice, sports, form_data(asha, at(TUESDAY, "14:00"), email="alice@example.com"))
    assert "You withdrew your consent on 16 January 2030. Ticking this box gives it again" in form_page

    as_alice.post(details_url(sports), form_data(asha, at(TUESDAY, "14:00"), email="alice@example.com"))

    assert HealthConsent.objects.filter(withdrawn_at__isnull=True).count() == 1
    assert health_consent.consent_withdrawn_on(user=alices_booking.client) is None


def test_my_data_shows_and_exports_each_consent_and_its_withdrawal(as_alice, alices_booking):
    withdraw(as_alice)

    page = as_alice.get(reverse("my_data")).content.decode()
    data = json.loads(as_alice.get(reverse("my_data_download")).content)

    assert f"(version {health_consent.WORDING_VERSION}): given 2030-01-16, booking form; withdrawn 2030-01-16" in page
    [consent] = data["bookings"][0]["health_consents"]
    assert consent["wording"] == health_consent.WORDING
    assert (consent["given_how"], consent["withdrawn_how"]) == ("booking form", "My data page")


def test_erasure_keeps_the_consent_record_but_unlinks_the_client(alice, asha, sports):
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=3))
    health_consent.health_consent_record(booking=booking, on_behalf=False, now=NOW)

    client_data_erase(user=alice)

    consent = HealthConsent.objects.get()
    assert consent.client is None
    assert "alice" not in consent.wording.lower()


def test_admins_read_consents_and_cannot_add_change_or_delete_them(client, admin_user, alices_booking):
    client.force_login(admin_user)
    consent = HealthConsent.objects.get()

    assert client.get(reverse("admin:bookings_healthconsent_changelist")).status_code == 200
    assert client.get(reverse("admin:bookings_healthconsent_add")).status_code == 403
    assert (
        client.post(reverse("admin:bookings_healthconsent_delete", args=[consent.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert HealthConsent.objects.count() == 1


def test_bookings_made_before_consent_records_get_one_with_the_words_then_shown(asha, alice, sports):
    from importlib import import_module

    from django.apps import apps

    from bookings.models import HealthScreen

    made_by_client = make_booking(therapist=asha, client=alice, session_type=sports)
    made_by_staff = make_booking(
        therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=4), booked_by=asha.user
    )
    for booking in (made_by_client, made_by_staff):
        HealthScreen.objects.create(
            booking=booking, main_problem="knee_pain", consent_given_at=NOW - dt.timedelta(days=9)
        )

    import_module("bookings.migrations.0009_health_consent").consents_from_screens(apps, None)

    by_client, by_staff = HealthConsent.objects.order_by("booking__start")
    assert (by_client.client, by_client.wording, by_client.given_how) == (alice, health_consent.WORDING, "booking form")
    assert by_staff.wording == health_consent.WORDING_ON_BEHALF
    assert by_client.given_at == by_staff.given_at == NOW - dt.timedelta(days=9)


def test_withdrawn_consent_hides_the_answers_from_everyone_but_the_sessions_therapist(
    client, as_alice, alices_booking, asha, people
):
    withdraw(as_alice)
    hana = people["staff with the permission"]

    client.force_login(hana)
    for path in (
        reverse("booking_detail", args=[alices_booking.pk]),
        reverse("booking_client_record", args=[alices_booking.pk]),
    ):
        page = client.get(path).content.decode()
        assert 'data-testid="health-hidden"' in page, path
        assert "Left shin, half marathon in March" not in page, path  # her notes to the therapist
        assert "Shin splints" not in page, path

    client.force_login(asha.user)
    page = client.get(reverse("booking_detail", args=[alices_booking.pk])).content.decode()
    assert "Left shin, half marathon in March" in page
    assert "Ask them to give it again" in page
    assert 'data-testid="health-hidden"' not in page


def test_consent_given_again_shows_the_answers_to_staff_again(client, as_alice, alices_booking, people):
    withdraw(as_alice)
    as_alice.post(reverse("my_booking_consent_again", args=[alices_booking.pk]))
    client.force_login(people["staff with the permission"])
    page = client.get(reverse("booking_detail", args=[alices_booking.pk])).content.decode()
    assert "Left shin, half marathon in March" in page
    assert 'data-testid="health-hidden"' not in page


def test_withdrawn_consent_keeps_that_sessions_scores_out_of_the_chart_but_for_its_therapist(
    client, as_alice, asha, sports, people
):
    """The client record's outcome chart is health data like the answers: a session whose
    consent was withdrawn adds no reading for staff, and still does for its own therapist."""
    as_alice.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00"), email="alice@example.com", pain_now="7"))
    booking = Booking.objects.get(client__username="alice")
    withdraw(as_alice)
    record = reverse("booking_client_record", args=[booking.pk])

    client.force_login(people["staff with the permission"])
    assert "No scores yet." in client.get(record).content.decode()

    client.force_login(asha.user)  # the pain score given when booking: one reading
    assert "Not enough readings for a trend yet" in client.get(record).content.decode()
