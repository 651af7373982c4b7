"""Safer pressure on the notes form: the bands and the problem's "work on / avoid" in view,
firm pressure on a sensitive problem or more than last time after a flare-up only with a
reason, and after a flare-up the notes start two points lighter, saying why."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.clinical.pressure import pressure_warnings
from bookings.models import Booking, HealthScreen, SessionNote
from clinic.problems import Problem

from ..clock import NOW
from ..factories import consent_given, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.mark.parametrize(
    "problem, pressure, last, flared, expected",
    [
        (Problem.ACHILLES, 7, None, False, []),
        (Problem.ACHILLES, 8, None, False, ["8/10 is firm for Achilles pain"]),
        (Problem.SHIN_SPLINTS, 10, None, False, ["10/10 is firm for shin pain"]),
        (Problem.GENERAL_TIGHTNESS, 9, None, False, []),  # firm, but not a sensitive problem
        (Problem.POST_TRAINING, 6, 5, True, ["6/10 is more than last time (5/10)"]),
        (Problem.POST_TRAINING, 6, 5, False, []),  # firmer than last time, but no flare-up
        (Problem.POST_TRAINING, 3, 5, True, []),  # lighter after a flare-up: the rule followed
        (Problem.KNEE_PAIN, 9, 6, True, ["9/10 is firm for knee pain", "9/10 is more than last time (6/10)"]),
    ],
)
def test_when_a_pressure_needs_a_reason(problem, pressure, last, flared, expected):
    warnings = pressure_warnings(problem=problem, pressure=pressure, last_pressure=last, flared=flared)

    assert len(warnings) == len(expected)
    for warning, start in zip(warnings, expected, strict=True):
        assert warning.startswith(start)


@pytest.fixture
def todays(asha, alice, sports):
    """Alice's Achilles session with asha this morning, not yet written up."""
    booking = consent_given(
        make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    )
    HealthScreen.objects.create(booking=booking, main_problem="achilles", preferred_pressure=6, consent_given_at=NOW)
    return booking


@pytest.fixture
def flared_last_time(asha, alice, sports, todays):
    """Alice's session two weeks ago at 6/10, which she said flared up."""
    earlier = make_booking(
        therapist=asha,
        client=alice,
        session_type=sports,
        start=NOW - dt.timedelta(days=14),
        status="attended",
        feedback="flared",
    )
    SessionNote.objects.create(booking=earlier, areas_worked=["back-calf-left"], pressure_used=6, problem="achilles")
    return earlier


def notes(client, booking, **fields):
    data = {
        "areas_worked": ["back-calf-left"],
        "pressure_used": "4",
        "problem": "achilles",
        "personal_tip": "",
        **fields,
    }
    return client.post(reverse("session_complete", args=[booking.pk]), data)


def test_the_form_shows_the_bands_and_where_to_work_for_the_problem(as_asha, todays):
    page = as_asha.get(reverse("session_complete", args=[todays.pk])).content.decode()

    assert "Pressure guide for Achilles pain" in page
    assert "Light (2-4)</span>: acute or flared pain, irritable tendons, sensitive shins." in page
    assert "calf and soleus, not the tendon" in page and "deep friction on an irritable tendon" in page
    assert 'value="6" selected' in page  # the client's preferred pressure, with no flare-up before


def test_firm_pressure_on_a_tendon_needs_a_reason_and_without_one_nothing_is_saved(as_asha, todays):
    response = notes(as_asha, todays, pressure_used="9")

    assert response.status_code == 400
    assert "9/10 is firm for Achilles pain" in response.content.decode()
    todays.refresh_from_db()
    assert todays.status == Booking.Status.CONFIRMED and not SessionNote.objects.exists()

    notes(as_asha, todays, pressure_used="9", pressure_reason="Calf only, well away from the tendon; client asked.")

    assert SessionNote.objects.get().pressure_reason == "Calf only, well away from the tendon; client asked."


def test_after_a_flare_up_the_notes_start_in_the_flared_band_and_say_why(as_asha, todays, flared_last_time):
    page = as_asha.get(reverse("session_complete", args=[todays.pk])).content.decode()

    assert 'value="4" selected' in page
    assert "The pressure below starts in the light band for a flared area (4/10)" in page
    assert "work more on the calf and soleus" in page


def test_after_a_flare_up_firmer_than_last_time_needs_a_reason(as_asha, todays, flared_last_time):
    response = notes(as_asha, todays, pressure_used="7")

    assert "7/10 is more than last time (6/10), and the client said that session made things worse." in (
        response.content.decode()
    )
    assert not SessionNote.objects.filter(booking=todays).exists()
    assert notes(as_asha, todays, pressure_used="4").status_code == 302


@pytest.mark.parametrize("pressure", ["-1", "11", "x"])
def test_a_pressure_out_of_range_is_refused_and_nothing_is_saved(as_asha, todays, pressure):
    response = notes(as_asha, todays, pressure_used=pressure)

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not SessionNote.objects.exists()
