"""One flare rule everywhere: it follows the client's last session before this one (attended,
with notes) and applies only when the client said that session made things worse. The booking
page, the notes form and the pressure check all give the same answer; an older flare that the
session since answered without trouble is history, on the client's record, not a rule."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import Booking, HealthScreen, SessionNote
from bookings.records.selectors import last_session
from bookings.services.outcome import session_complete
from clinic.problems import Problem

from ..clock import NOW
from ..factories import consent_given, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def todays(asha, alice, sports):
    """Alice's Achilles session with asha this morning, not yet written up; she prefers 6/10."""
    booking = consent_given(
        make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    )
    HealthScreen.objects.create(booking=booking, main_problem="achilles", preferred_pressure=6, consent_given_at=NOW)
    return booking


def earlier_session(asha, alice, sports, *, days_ago: int, pressure: int, feedback: str) -> Booking:
    booking = make_booking(
        therapist=asha,
        client=alice,
        session_type=sports,
        start=NOW - dt.timedelta(days=days_ago),
        status="attended",
        feedback=feedback,
    )
    SessionNote.objects.create(
        booking=booking, areas_worked=["back-calf-left"], pressure_used=pressure, problem="achilles"
    )
    return booking


@pytest.fixture
def flared_then_fine(asha, alice, sports, todays):
    """Four weeks ago at 6/10 it flared up; two weeks ago, at 6/10 again, she felt better."""
    first = earlier_session(asha, alice, sports, days_ago=28, pressure=6, feedback="flared")
    earlier_session(asha, alice, sports, days_ago=14, pressure=6, feedback="better")
    return first


@pytest.fixture
def flared_just_before(asha, alice, sports, todays):
    """Two weeks ago at 6/10, and she said it flared up."""
    return earlier_session(asha, alice, sports, days_ago=14, pressure=6, feedback="flared")


def booking_page(client, booking) -> str:
    return client.get(reverse("booking_detail", args=[booking.pk])).content.decode()


def notes_form(client, booking) -> str:
    return client.get(reverse("session_complete", args=[booking.pk])).content.decode()


def complete(asha, booking, *, pressure: int, reason: str = "") -> Booking:
    return session_complete(
        therapist=asha,
        booking_id=booking.pk,
        areas_worked=["back-calf-left"],
        pressure_used=pressure,
        problem=Problem.ACHILLES,
        pressure_reason=reason,
        now=NOW,
    )


def test_a_flare_the_session_since_answered_sets_no_rule_on_the_booking_page(as_asha, todays, flared_then_fine):
    page = booking_page(as_asha, todays)

    assert "Flare rule" not in page
    assert "points lighter" not in page


def test_a_flare_the_session_since_answered_sets_no_rule_on_the_notes_form(as_asha, todays, flared_then_fine):
    page = notes_form(as_asha, todays)

    assert "points lighter" not in page
    assert 'value="6" selected' in page  # her preferred pressure, not 2 lighter than the flare


def test_a_flare_the_session_since_answered_asks_no_reason_for_firmer_pressure(asha, todays, flared_then_fine):
    complete(asha, todays, pressure=7)

    assert SessionNote.objects.get(booking=todays).pressure_reason == ""


def test_the_older_flare_stays_on_the_clients_record(as_asha, todays, flared_then_fine):
    page = as_asha.get(reverse("booking_client_record", args=[todays.pk])).content.decode()

    assert "It flared up for more than a day" in page
    assert last_session(booking=todays).flare is None


def test_a_flare_just_before_gives_the_same_advice_on_both_pages(as_asha, todays, flared_just_before):
    booking, notes = booking_page(as_asha, todays), notes_form(as_asha, todays)

    assert "start in the light band for a flared area (around <strong>4</strong>)" in booking
    assert "The pressure below starts in the light band for a flared area (4/10)" in notes
    assert 'value="4" selected' in notes
    assert "work more on the calf and soleus" in booking and "work more on the calf and soleus" in notes


def test_a_flare_just_before_makes_firmer_pressure_need_a_reason(asha, todays, flared_just_before):
    with pytest.raises(ValidationError, match=r"7/10 is more than last time \(6/10\)"):
        complete(asha, todays, pressure=7)
    assert not SessionNote.objects.filter(booking=todays).exists()

    complete(asha, todays, pressure=7, reason="Client asked for a little more on the calf; no pain since.")

    assert SessionNote.objects.get(booking=todays).pressure_reason.startswith("Client asked")
