"""The short details step: mistakes listed at the top, each linked to its field in words that say
what to fix; questions that only matter after an answer marked to appear after it (every one
in the page without JavaScript); a returning client saying whether their history has changed,
while today's questions (the red flags) are asked again."""

import re

import pytest

from bookings.models import Booking, HealthScreen

from ..clock import at, days_from_now
from ..factories import details_url, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY, FRIDAY = days_from_now(6), days_from_now(9)


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def alice_answered_before(as_alice, asha, sports):
    """Alice booked once before, answering yes to the history question ``answers`` name."""

    def answered(*answers, trimester=None):
        as_alice.post(
            details_url(sports),
            form_data(
                asha,
                at(TUESDAY, "10:00"),
                email="alice@example.com",
                phone="07700 900123",
                main_problem="achilles",
                preferred_pressure="4",
                health_history=list(answers) or ["none"],
                doctor_ok="on" if answers else "",
                pregnancy_trimester=str(trimester or ""),
            ),
        )
        return HealthScreen.objects.get(booking__client__username="alice")

    return answered


def test_an_empty_form_lists_each_mistake_linked_to_its_field_in_words_that_say_what_to_fix(client, asha, sports):
    # As a browser sends the form untouched: no box ticked, every text left empty.
    untouched = {field: [] if field.startswith("health_") else "" for field in EMPTIED}
    page, mistakes = sent_with_mistakes(client, form_data(asha, at(TUESDAY, "10:00"), **untouched), sports)

    # The health step comes first: its mistakes, in its order; the rest wait for the next step.
    assert "Step 2 of 3" in page
    assert mistakes == [
        ("id_main_problem", "Choose what you would like help with."),
        ("id_health_urgent_0", "Right now: tick the ones that apply, or “None of these”."),
        ("id_health_pain_0", "The pain or problem: tick the ones that apply, or “None of these”."),
        ("id_health_history_0", "Your health history: tick the ones that apply, or “None of these”."),
    ]

    untouched = {field: "" for field in EMPTIED if not field.startswith("health_") and field != "main_problem"}
    page, mistakes = sent_with_mistakes(client, form_data(asha, at(TUESDAY, "10:00"), **untouched), sports)
    assert "Step 3 of 3" in page
    assert mistakes == [
        ("id_name", "Enter your name."),
        ("id_email", "Enter your email address, so we can send the confirmation."),
        ("id_phone", "Enter a mobile number, like 07700 900123."),
        ("id_adult_0", "Say whether you are 18 or over."),
        ("id_consent", "We need your agreement to keep your health answers before we can book you in."),
    ]
    assert not Booking.objects.exists()


def sent_with_mistakes(client, data: dict, session_type) -> tuple[str, list[tuple[str, str]]]:
    """The page a form sent with mistakes comes back as, and its error summary's links (the
    field each points to, and what it says), in order."""
    response = client.post(details_url(session_type), data)
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert "There is a problem" in summary
    assert "This field is required." not in page
    return page, re.findall(r'href="#(\w+)">([^<]+)<', summary)


EMPTIED = (
    "health_urgent",
    "health_pain",
    "health_history",
    "main_problem",
    "name",
    "email",
    "phone",
    "adult",
    "consent",
)


def test_the_trimester_and_the_doctors_agreement_are_in_the_page_marked_to_follow_their_answers(client, asha, sports):
    page = client.get(details_url(sports), {"therapist": asha.pk, "start": at(TUESDAY, "10:00").isoformat()})
    html = page.content.decode()
    assert 'data-shown-after="health_history=pregnant" data-cleared-when-hidden>' in html
    assert (
        'data-shown-after="health_history=blood_thinners health_history=cancer_treatment health_history=diabetes '
        'health_history=heart_circulation health_history=pregnant" data-cleared-when-hidden>'
    ) in html
    # Without JavaScript nothing hides them: both questions are in the page.
    assert 'name="pregnancy_trimester"' in html and 'name="doctor_ok"' in html
    assert "/static/js/booking-form.js" in html
    assert "history_changed" not in html  # a first-time client answers everything


def test_a_returning_client_is_asked_whether_their_history_changed_with_what_they_said(
    as_alice, asha, sports, alice_answered_before
):
    alice_answered_before()
    page = as_alice.get(details_url(sports), {"therapist": asha.pk, "start": at(FRIDAY, "10:00").isoformat()})
    html = page.content.decode()
    assert f"Since your session on {TUESDAY:%-d %B %Y}, has anything changed in your health history" in html
    assert 'value="07700 900123"' in html  # their phone, problem and pressure as last time
    assert '<option value="achilles" selected>' in html  # folded on this step; the pressure on the next
    assert '<input type="hidden" name="preferred_pressure" value="4"' in html
    # Today's questions are asked again, unanswered.
    assert (
        'name="health_urgent"' in html
        and 'name="health_urgent" value="none" class="form-check-input" checked' not in html
    )


def test_nothing_changed_books_with_last_times_history_and_todays_answers(
    as_alice, asha, sports, alice_answered_before
):
    alice_answered_before()
    data = form_data(asha, at(FRIDAY, "10:00"), email="alice@example.com", history_changed="no")
    del data["health_history"]

    as_alice.post(details_url(sports), data)

    latest = HealthScreen.objects.get(booking__start=at(FRIDAY, "10:00"))
    assert latest.answered_yes == []
    assert latest.booking.status == Booking.Status.CONFIRMED


def test_nothing_changed_keeps_a_pregnancy_and_asks_the_trimester_and_the_doctors_agreement_again(
    as_alice, asha, sports, alice_answered_before
):
    alice_answered_before("pregnant", trimester=2)
    data = form_data(asha, at(FRIDAY, "10:00"), email="alice@example.com", history_changed="no")
    del data["health_history"]

    response = as_alice.post(details_url(sports), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Please say which trimester you are in." in page
    assert "need your doctor&#x27;s agreement" in page
    assert 'health_history=pregnant history_changed=no" data-cleared-when-hidden>' in page
    assert Booking.objects.count() == 1

    as_alice.post(details_url(sports), data | {"pregnancy_trimester": "2", "doctor_ok": "on"})
    latest = HealthScreen.objects.get(booking__start=at(FRIDAY, "10:00"))
    assert (latest.answered_yes, latest.pregnancy_trimester) == (["pregnant"], 2)
    assert latest.booking.status == Booking.Status.AWAITING_REVIEW


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"history_changed": ""}, "Say whether anything in your health history has changed."),
        ({"history_changed": "yes", "health_history": []}, "Your health history: tick the ones that apply"),
        ({"history_changed": "no", "health_urgent": []}, "Right now: tick the ones that apply"),
        ({"history_changed": "maybe"}, "Select a valid choice."),
    ],
)
def test_a_returning_client_still_answers_todays_questions_and_says_what_changed(
    as_alice, asha, sports, alice_answered_before, changes, message
):
    alice_answered_before()
    response = as_alice.post(
        details_url(sports), form_data(asha, at(FRIDAY, "10:00"), email="alice@example.com", **changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_red_flag_today_stops_a_returning_client_whose_history_has_not_changed(
    as_alice, asha, sports, alice_answered_before
):
    alice_answered_before()
    response = as_alice.post(
        details_url(sports),
        form_data(
            asha, at(FRIDAY, "10:00"), email="alice@example.com", history_changed="no", health_urgent=["dvt_signs"]
        ),
    )
    assert "get checked" in response.content.decode().lower()
    assert Booking.objects.count() == 1


def test_staff_booking_for_a_client_are_not_asked_about_their_own_history(client, asha, sports, alice_answered_before):
    alice_answered_before()
    client.force_login(asha.user)
    html = client.get(details_url(sports), {"therapist": asha.pk, "start": at(FRIDAY, "10:00").isoformat()})
    assert "history_changed" not in html.content.decode()
