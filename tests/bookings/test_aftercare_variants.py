"""Aftercare that fits the session: a relaxation session gets rest, sleep and water, never
running or strength work; sports and deep tissue keep the problem's advice, and a runner's
problem adds getting back to running (with the 7-10 day rule) and a runner's work at home."""

import re

import pytest
from django.utils.html import escape

from bookings.clinical import aftercare
from clinic.problems import Problem

from ..clock import at, days_from_now
from ..factories import aftercare_path
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

# Words of training advice a relaxation client must not get.
TRAINING_WORDS = re.compile(r"\b(run|runs|running|runner|strength|training|hills?|squats?|heel raises|speed)\b", re.I)


def advice_text(advice: aftercare.PageAdvice) -> str:
    parts = [advice.expect, advice.session_today, *advice.rest_of_day, *advice.runner_at_home, *advice.back_to_running]
    problem = advice.problem
    return " ".join(parts + [problem.name, problem.next_steps, problem.at_home, problem.come_back])


@pytest.mark.parametrize("problem", Problem.values)
@pytest.mark.parametrize("pressure", [3, 6, 9])
def test_a_relaxation_session_gets_rest_sleep_and_water_and_no_training(problem, pressure):
    advice = aftercare.page_advice(session_kind="relaxation", problem=problem, pressure_used=pressure)
    words = advice_text(advice)

    assert not TRAINING_WORDS.findall(words), TRAINING_WORDS.findall(words)
    assert "sleep" in words and "water" in words and "Rest" in words
    assert not advice.for_runners and advice.back_to_running == () and advice.runner_at_home == ()


@pytest.mark.parametrize("kind", ["sports", "deep_tissue"])
@pytest.mark.parametrize("problem", sorted(aftercare.RUNNING_PROBLEMS))
def test_sports_and_deep_tissue_keep_the_problems_advice_and_the_runners_rules(kind, problem):
    advice = aftercare.page_advice(session_kind=kind, problem=problem, pressure_used=5)

    assert advice.problem == aftercare.PROBLEM_ADVICE[problem]
    assert "it hasn't been getting steadily worse over the last 7 to 10 days" in advice.back_to_running
    at_home = " ".join(advice.runner_at_home)
    assert "lacrosse or golf ball" in at_home
    assert "Toe stretches" in at_home
    assert "blisters or calluses" in at_home


@pytest.mark.parametrize("kind", ["sports", "deep_tissue"])
@pytest.mark.parametrize("problem", [Problem.GENERAL_TIGHTNESS, Problem.RELAXATION])
def test_the_general_cases_get_no_running_rules(kind, problem):
    advice = aftercare.page_advice(session_kind=kind, problem=problem, pressure_used=5)

    assert not advice.for_runners and not advice.back_to_running


def test_casual_athletes_are_told_how_often_to_come_back():
    assert "every 6 to 8 weeks" in aftercare.PROBLEM_ADVICE[Problem.POST_TRAINING].come_back
    assert "every 6 to 8 weeks" in aftercare.PROBLEM_ADVICE[Problem.GENERAL_TIGHTNESS].come_back


def test_the_page_a_relaxation_client_opens_has_no_running_advice(attended, client):
    attended(kind="relaxation", problem=Problem.ACHILLES, pressure=3, tip="")
    messages = send_due_emails(at(days_from_now(3), "12:00"))

    page = client.get(aftercare_path(messages[0])).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    visible = re.sub(r"<[^>]+>", " ", main)

    assert "Getting back to running" not in visible
    assert escape(aftercare.RELAXATION_SESSION.next_steps) in main
    # Red flags name the shin (a bone stress sign), which is not training advice.
    assert not TRAINING_WORDS.findall(visible), TRAINING_WORDS.findall(visible)


def test_the_page_a_runner_opens_has_the_7_to_10_day_rule(attended, client):
    attended(kind="sports", problem=Problem.ACHILLES, pressure=5)
    messages = send_due_emails(at(days_from_now(3), "12:00"))

    page = client.get(aftercare_path(messages[0])).content.decode()

    assert "It hasn&#x27;t been getting steadily worse over the last 7 to 10 days." in page
    assert "Toe stretches" in page and "lacrosse or golf ball" in page


def test_recovery_after_training_gets_training_advice_not_a_runners():
    advice = aftercare.page_advice(session_kind="sports", problem=Problem.POST_TRAINING, pressure_used=6)
    assert not advice.for_runners and advice.back_to_running == () and advice.runner_at_home == ()
    assert "Ease back into training" in advice.problem.next_steps
    shins = aftercare.page_advice(session_kind="sports", problem=Problem.SHIN_SPLINTS, pressure_used=6)
    assert shins.for_runners and shins.back_to_running


RUNNING_WORDS = re.compile(r"\b(run|runs|running|runner|runners)\b", re.I)


@pytest.mark.parametrize("kind", ["sports", "deep_tissue"])
@pytest.mark.parametrize("problem", sorted(set(Problem) - aftercare.RUNNING_PROBLEMS))
def test_a_problem_that_is_not_a_runners_gets_no_running_advice_anywhere(kind, problem):
    """A lifter with aching muscles after training may never run: nothing on the page is about it."""
    advice = aftercare.page_advice(session_kind=kind, problem=problem, pressure_used=6)

    assert not RUNNING_WORDS.findall(advice_text(advice)), RUNNING_WORDS.findall(advice_text(advice))


def test_after_a_sports_session_sensitive_areas_mean_easy_running_for_a_runner_and_easy_training_for_a_lifter():
    runner = aftercare.page_advice(session_kind="sports", problem=Problem.SHIN_SPLINTS, pressure_used=6)
    lifter = aftercare.page_advice(session_kind="sports", problem=Problem.POST_TRAINING, pressure_used=6)

    assert "If you had sore or sensitive areas, keep any running easy for the next day or two." in runner.rest_of_day
    assert (
        "If you had sore or sensitive areas, keep any hard training easy for the next day or two." in lifter.rest_of_day
    )
