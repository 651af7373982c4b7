"""Where the notes form's pressure starts: after a flare-up inside the domain's band for a flared
area (2-4) and never firmer than the session that flared, so never on a value the form would
refuse without a reason; without a stated preference, light on a tendon, heel or shin problem."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.clinical.aftercare import flare_advice
from bookings.clinical.pressure import pressure_warnings, start_pressure
from bookings.models import HealthScreen, SessionNote
from clinic.problems import Problem

from ..clock import NOW
from ..factories import make_booking


@pytest.mark.parametrize("flared_at", range(11))
def test_after_a_flare_the_start_is_in_the_flared_band_and_needs_no_reason(flared_at):
    start = flare_advice(problem=Problem.ACHILLES, pressure_used=flared_at).suggested_pressure

    assert start <= flared_at
    assert 2 <= start <= 4 or start == flared_at < 2
    assert pressure_warnings(problem=Problem.ACHILLES, pressure=start, last_pressure=flared_at, flared=True) == []


@pytest.mark.parametrize(("flared_at", "start"), [(10, 4), (8, 4), (6, 4), (5, 3), (4, 2), (3, 2), (1, 1)])
def test_two_lighter_within_the_band(flared_at, start):
    assert flare_advice(problem=Problem.SHIN_SPLINTS, pressure_used=flared_at).suggested_pressure == start


@pytest.mark.parametrize("problem", [Problem.ACHILLES, Problem.SHIN_SPLINTS, Problem.PLANTAR_FASCIITIS])
def test_without_a_preference_a_tendon_heel_or_shin_starts_light(problem):
    assert start_pressure(problem=problem, preferred=None, flared_start=None) == 4


def test_without_a_preference_a_general_problem_starts_moderate():
    assert start_pressure(problem=Problem.GENERAL_TIGHTNESS, preferred=None, flared_start=None) == 5


def test_a_stated_preference_comes_first_and_the_flare_rule_before_it():
    assert start_pressure(problem=Problem.ACHILLES, preferred=6, flared_start=None) == 6
    assert start_pressure(problem=Problem.ACHILLES, preferred=6, flared_start=3) == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_the_form_starts_light_for_an_achilles_without_a_preference(as_asha, asha, alice, sports):
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    HealthScreen.objects.create(booking=booking, main_problem="achilles", consent_given_at=NOW)

    page = as_asha.get(reverse("session_complete", args=[booking.pk])).content.decode()

    assert 'value="4" selected' in page


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_after_a_flare_at_10_the_form_starts_at_4_not_8(as_asha, asha, alice, sports):
    earlier = make_booking(
        therapist=asha,
        client=alice,
        session_type=sports,
        start=NOW - dt.timedelta(days=14),
        status="attended",
        feedback="flared",
    )
    SessionNote.objects.create(
        booking=earlier, areas_worked=["back-calf-left"], pressure_used=10, problem="achilles", pressure_reason="asked"
    )
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    HealthScreen.objects.create(booking=booking, main_problem="achilles", preferred_pressure=9, consent_given_at=NOW)

    page = as_asha.get(reverse("session_complete", args=[booking.pk])).content.decode()

    assert 'value="4" selected' in page
    assert "starts in the light band for a flared area (4/10)" in page
