"""'Doctor's OK first' answers: the booking asks the client to confirm they have their doctor's
agreement (and, when pregnant, which trimester), and the therapist records seeing it before
accepting; the booking page and the record show it; no email mentions it."""

import pytest
from django.core import mail
from django.urls import reverse

from bookings.models import Booking, HealthScreen
from bookings.services.booking import BookingError, HealthAnswers
from bookings.services.booking_changes import booking_review_accept
from clinic.problems import Problem

from ..clock import NOW, at, days_from_now
from ..factories import book, details_url, form_data
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


def post(client, asha, sports, **fields):
    return client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00"), **fields))


@pytest.mark.parametrize("answer", ["diabetes", "heart_circulation", "blood_thinners", "cancer_treatment"])
def test_an_answer_needing_a_doctors_ok_asks_for_it_and_books_nothing_without(client, asha, sports, answer):
    response = post(client, asha, sports, health_history=[answer])

    assert "Some of these answers need your doctor&#x27;s agreement before massage." in response.content.decode()
    assert not Booking.objects.exists()

    post(client, asha, sports, health_history=[answer], doctor_ok="on")

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.AWAITING_REVIEW
    assert booking.health_screen.doctor_ok_confirmed


def test_pregnancy_asks_which_trimester_and_says_many_avoid_the_first(client, asha, sports):
    form_page = client.get(details_url(sports), {"therapist": asha.pk, "start": at(TUESDAY, "10:00").isoformat()})
    assert "Many therapists do not give massage in the first trimester." in form_page.content.decode()

    response = post(client, asha, sports, health_history=["pregnant"], doctor_ok="on")
    assert "Please say which trimester you are in." in response.content.decode()
    assert not Booking.objects.exists()

    post(client, asha, sports, health_history=["pregnant"], doctor_ok="on", pregnancy_trimester="1")
    assert HealthScreen.objects.get().pregnancy_trimester == 1


def test_a_trimester_without_a_pregnancy_answer_is_not_kept(client, asha, sports):
    post(client, asha, sports, pregnancy_trimester="2")

    assert HealthScreen.objects.get().pregnancy_trimester is None


def test_the_service_refuses_it_too(asha, sports):
    answers = HealthAnswers(("blood_thinners",), Problem.KNEE_PAIN, None, "", True)

    with pytest.raises(BookingError, match="doctor's agreement"):
        book(sports, asha, at(TUESDAY, "10:00"), answers=answers)
    assert not Booking.objects.exists()


@pytest.fixture
def awaiting(client, asha, sports):
    post(client, asha, sports, health_history=["pregnant"], doctor_ok="on", pregnancy_trimester="2")
    client.force_login(asha.user)
    return Booking.objects.get()


def test_the_therapist_records_seeing_it_before_accepting(client, asha, awaiting):
    url = reverse("booking_detail", args=[awaiting.pk])
    page = client.get(url).content.decode()
    assert "Confirmed by the client; not yet seen by the therapist" in page
    assert "Second trimester" in page

    refused = client.post(url, {"action": "accept"}, follow=True).content.decode()
    assert "Record that you have seen the client&#x27;s doctor&#x27;s agreement before accepting." in refused
    awaiting.refresh_from_db()
    assert awaiting.status == Booking.Status.AWAITING_REVIEW

    page = client.post(url, {"action": "accept", "doctor_ok_seen": "on"}, follow=True).content.decode()

    awaiting.refresh_from_db()
    screen = awaiting.health_screen
    assert awaiting.status == Booking.Status.CONFIRMED
    assert (screen.doctor_ok_seen_by, screen.doctor_ok_seen_at) == (asha.user, NOW)
    assert "Confirmed by the client; seen by Asha Patel on 16 Jan 2030" in page


def test_a_work_around_answer_needs_no_doctors_ok(client, asha, sports):
    post(client, asha, sports, health_history=["local_issues"])
    booking = Booking.objects.get()

    booking_review_accept(booking_id=booking.pk, therapist=asha, now=NOW)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_no_email_mentions_the_doctor_or_the_pregnancy(client, asha, awaiting):
    client.post(reverse("booking_detail", args=[awaiting.pk]), {"action": "accept", "doctor_ok_seen": "on"})
    mail.outbox.clear()

    sent = send_due_emails(NOW)

    assert sent
    for message in sent:
        text = (message.subject + message.body + message.alternatives[0][0]).lower()
        assert "doctor" not in text and "pregnan" not in text and "trimester" not in text
