"""'Doctor's OK first' answers: the booking asks the client to confirm they have their doctor's
agreement (and, when pregnant, which trimester), and the therapist records seeing it before
accepting; the booking page and the record show it; no email mentions it."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from bookings.models import Booking, HealthDataAccess, HealthScreen, TreatmentConsent
from bookings.privacy.my_data import booking_personal_data_erase
from bookings.records.consent import ConsentRefused, treatment_consent_record
from bookings.services.booking import BookingError, HealthAnswers
from bookings.services.booking_changes import booking_review_accept
from clinic.problems import Problem

from ..clock import NOW, at, days_from_now
from ..factories import book, details_url, form_data
from ..outbox import send_due_emails
from ..uploads import PDF, upload

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


LETTER_SEEN = {
    "action": "accept",
    "letter": "seen",
    "letter_from": "Dr A Khan, Park Surgery",
    "letter_dated": "2030-01-02",
}


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
    assert "Record the doctor&#x27;s letter you have seen (its date and who it is from)" in refused
    awaiting.refresh_from_db()
    assert awaiting.status == Booking.Status.AWAITING_REVIEW

    page = client.post(url, LETTER_SEEN, follow=True).content.decode()

    awaiting.refresh_from_db()
    screen = awaiting.health_screen
    assert awaiting.status == Booking.Status.CONFIRMED
    assert (screen.doctor_ok_seen_by, screen.doctor_ok_seen_at) == (asha.user, NOW)
    assert (screen.doctor_letter_from, screen.doctor_letter_dated) == ("Dr A Khan, Park Surgery", dt.date(2030, 1, 2))
    assert "seen by Asha Patel on 16 Jan 2030: a letter from Dr A Khan, Park Surgery dated 2 Jan 2030" in page


def test_a_work_around_answer_needs_no_doctors_ok(client, asha, sports):
    post(client, asha, sports, health_history=["local_issues"])
    booking = Booking.objects.get()

    booking_review_accept(booking_id=booking.pk, therapist=asha, now=NOW)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_no_email_mentions_the_doctor_or_the_pregnancy(client, asha, awaiting):
    client.post(reverse("booking_detail", args=[awaiting.pk]), LETTER_SEEN)
    mail.outbox.clear()

    sent = send_due_emails(NOW)

    assert sent
    for message in sent:
        text = (message.subject + message.body + message.alternatives[0][0]).lower()
        assert "doctor" not in text and "pregnan" not in text and "trimester" not in text


# The letter: evidence behind the doctor's OK ---------------------------------------------------


def test_accepted_to_see_the_letter_at_the_session_which_cannot_start_without_it(client, asha, awaiting, clock):
    url = reverse("booking_detail", args=[awaiting.pk])
    client.post(url, {"action": "accept", "letter": "at_session"})
    awaiting.refresh_from_db()
    assert awaiting.status == Booking.Status.CONFIRMED
    assert awaiting.health_screen.doctor_ok_seen_at is None
    assert "letter to be seen at the session" in client.get(url).content.decode()

    clock.move_to(awaiting.start)
    with pytest.raises(ConsentRefused, match="Record the client's doctor's letter first"):
        treatment_consent_record(therapist=asha, booking_id=awaiting.pk, agreed=True)
    assert not TreatmentConsent.objects.exists()

    client.force_login(asha.user)  # the clock moved on past the idle timeout
    page = client.post(
        url,
        {"action": "doctor_letter", "letter": "seen", "letter_from": "Park Surgery", "letter_dated": "2030-01-10"},
        follow=True,
    ).content.decode()
    assert "The doctor&#x27;s letter is recorded." in page
    assert treatment_consent_record(therapist=asha, booking_id=awaiting.pk, agreed=True)


def test_a_copy_is_kept_and_served_only_to_those_who_may_read_health_data(client, asha, awaiting, people, media_root):
    url = reverse("booking_detail", args=[awaiting.pk])
    client.post(url, LETTER_SEEN | {"letter_copy": upload("letter.pdf", PDF)})
    copy = reverse("doctor_letter_copy", args=[awaiting.pk])

    response = client.get(copy)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="doctors-letter.pdf"')
    assert b"".join(response.streaming_content) == PDF
    # Each look at the copy is logged as itself, not as a visit to the booking page.
    assert awaiting.health_accesses.filter(via=HealthDataAccess.Via.DOCTORS_LETTER).count() == 1
    assert "download the copy" in client.get(url).content.decode()

    for who, user in people.items():
        if who in ("the therapist",):
            continue
        client.logout()
        if user is not None:
            client.force_login(user)
        status = client.get(copy).status_code
        allowed = who in ("staff with the permission", "superuser")
        assert (status == 200) == allowed, who


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"letter_copy": "not a file"}, None),
        ({"letter_copy": upload("letter.pdf", b"MZ\x90\x00 not a pdf")}, "must be a PDF or a JPEG, PNG or WebP image"),
        ({"letter_from": ""}, "Say who the letter is from"),
        ({"letter_dated": "2031-01-01"}, "The letter&#x27;s date cannot be in the future."),
        ({"letter_dated": "someday"}, "Enter the date on the letter."),
    ],
)
def test_a_letter_that_cannot_be_right_is_refused_and_nothing_changes(client, awaiting, media_root, fields, message):
    page = client.post(
        reverse("booking_detail", args=[awaiting.pk]), LETTER_SEEN | fields, follow=True
    ).content.decode()
    awaiting.refresh_from_db()
    if message is None:  # a text field where a file should be: no copy, the letter itself is fine
        assert awaiting.status == Booking.Status.CONFIRMED and not awaiting.health_screen.doctor_letter_copy
        return
    assert message in page
    assert awaiting.status == Booking.Status.AWAITING_REVIEW
    assert awaiting.health_screen.doctor_ok_seen_at is None


def test_a_pixel_bomb_copy_is_refused_from_its_header(client, awaiting, media_root):
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG", optimize=True)
    page = client.post(
        reverse("booking_detail", args=[awaiting.pk]),
        LETTER_SEEN | {"letter_copy": upload("x.png", buffer.getvalue())},
        follow=True,
    ).content.decode()
    assert "too many pixels" in page
    awaiting.refresh_from_db()
    assert awaiting.status == Booking.Status.AWAITING_REVIEW


def test_the_copy_goes_with_the_record_when_it_is_erased(client, awaiting, media_root):
    client.post(reverse("booking_detail", args=[awaiting.pk]), LETTER_SEEN | {"letter_copy": upload("letter.pdf", PDF)})
    stored = HealthScreen.objects.get().doctor_letter_copy.path
    assert Path(stored).exists()

    booking_personal_data_erase(awaiting)

    assert not Path(stored).exists()
