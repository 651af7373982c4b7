"""The details asked in two steps: Continue checks the health step alone and says at once when
an answer stops an online booking; the second step carries the first's answers as hidden
inputs; "Change your health answers" goes back with nothing lost; nothing is booked until
Confirm, and a confirmed form is checked whole."""

import re

import pytest

from bookings.clinical import health
from bookings.models import Booking

from ..clock import at, days_from_now
from ..factories import details_url, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


@pytest.fixture
def post(client, asha, sports):
    """Posts the booking form as Gina Guest's browser would from ``step``'s button."""

    def posted(step: str, **overrides):
        return client.post(details_url(sports), {**form_data(asha, at(TUESDAY, "10:00"), **overrides), "step": step})

    return posted


def hidden(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)


def summary_links(page: str) -> list[str]:
    return re.findall(r'href="#(\w+)">', page[page.index('id="error-summary"') :]) if "error-summary" in page else []


def stop_answer() -> tuple[str, str]:
    """A health section and an answer in it that stops an online booking."""
    for section in health.SECTIONS:
        for question in section.questions:
            if question.outcome == health.Outcome.STOP:
                return f"health_{section.key}", question.key
    raise AssertionError("the health screen has no answer that stops a booking")


def test_continue_opens_the_second_step_carrying_the_health_answers_and_books_nothing(post):
    # Who is coming is not known yet: those boxes are empty, and not a mistake on this step.
    response = post("continue", name="", email="", phone="", consent="", adult="")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Step 3 of 3" in page and "error-summary" not in page
    assert hidden(page, "health_urgent") == ["none"] and hidden(page, "main_problem") == ["shin_splints"]
    assert 'name="name"' in page and 'type="hidden" name="name"' not in page
    assert not Booking.objects.exists()


def test_an_answer_that_stops_online_booking_is_said_at_continue(post):
    section, answer = stop_answer()

    response = post("continue", **{section: [answer]})

    assert "Please get checked before a massage" in response.content.decode()
    assert not Booking.objects.exists()


def test_continue_with_health_mistakes_stays_on_the_health_step_naming_only_its_own(post):
    response = post("continue", health_urgent=[], main_problem="", name="")

    page = response.content.decode()
    assert response.status_code == 400
    assert "Step 2 of 3" in page
    assert summary_links(page) == ["id_main_problem", "id_health_urgent_0"]
    assert '<input type="hidden" name="name"' in page  # carried, still empty


def test_a_tampered_health_answer_is_refused_at_continue_and_at_confirm(post):
    for step in ("continue", "confirm"):
        response = post(step, health_pain=["not_a_question"])

        assert response.status_code == 400
        assert "Step 2 of 3" in response.content.decode()
    assert not Booking.objects.exists()


def test_back_shows_the_health_step_with_every_answer_kept_and_no_mistakes(post):
    response = post("back", name="Gina Guest", consent="")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Step 2 of 3" in page and "error-summary" not in page
    assert re.search(r'name="health_urgent" value="none"[^>]* checked', page)
    assert hidden(page, "name") == ["Gina Guest"]
    assert not Booking.objects.exists()


def test_confirm_with_a_mistake_on_the_second_step_shows_that_step(post):
    response = post("confirm", phone="call me")

    page = response.content.decode()
    assert response.status_code == 400
    assert "Step 3 of 3" in page and summary_links(page) == ["id_phone"]
    assert hidden(page, "health_pain") == ["none"]
    assert not Booking.objects.exists()


def test_confirm_books_once_with_both_steps_answers(post):
    response = post("confirm")

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.client_name, booking.health_screen.main_problem) == ("Gina Guest", "shin_splints")
