"""Whether the client came: "no-show" from the diary; "attended" only with session notes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bookings.models import Booking
from bookings.services.outcome import booking_mark_no_show, session_complete
from clinic.london import LONDON
from clinic.problems import Problem

from ..clock import NOW
from ..factories import consent_given, make_booking

# The diary's buttons read the time themselves: frozen at NOW, before anyone logs in.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def booking(asha, alice, sports):
    """Alice's session with asha, which started two hours ago."""
    return consent_given(
        make_booking(client=alice, therapist=asha, session_type=sports, start=NOW - dt.timedelta(hours=2))
    )


def complete(therapist, booking, now=NOW):
    return session_complete(
        therapist=therapist,
        booking_id=booking.pk,
        areas_worked=["back-calf-left"],
        pressure_used=5,
        problem=Problem.ACHILLES,
        now=now,
    )


def test_a_therapist_records_a_no_show(asha, booking):
    booking_mark_no_show(therapist=asha, booking_id=booking.pk, now=NOW)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_a_booking_that_has_not_started_cannot_be_marked(asha, booking):
    with pytest.raises(ValidationError, match="only once it has started"):
        booking_mark_no_show(therapist=asha, booking_id=booking.pk, now=NOW - dt.timedelta(hours=3))
    with pytest.raises(ValidationError, match="only once it has started"):
        complete(asha, booking, now=NOW - dt.timedelta(hours=3))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


@pytest.mark.parametrize("status", [Booking.Status.CANCELLED, Booking.Status.NO_SHOW, Booking.Status.ATTENDED])
def test_only_a_confirmed_booking_can_be_marked(asha, booking, status):
    Booking.objects.filter(pk=booking.pk).update(status=status)

    with pytest.raises(ValidationError, match="already marked"):
        booking_mark_no_show(therapist=asha, booking_id=booking.pk, now=NOW)
    with pytest.raises(ValidationError, match="already marked"):
        complete(asha, booking)
    booking.refresh_from_db()
    assert booking.status == status


@pytest.mark.parametrize("status", Booking.Status.values)
@pytest.mark.parametrize("now", [NOW - dt.timedelta(hours=3), NOW], ids=["before the start", "after the start"])
def test_the_diary_offers_an_outcome_exactly_when_the_service_accepts_one(asha, booking, status, now):
    Booking.objects.filter(pk=booking.pk).update(status=status)
    booking.refresh_from_db()
    offered = booking.awaits_outcome(now)

    try:
        booking_mark_no_show(therapist=asha, booking_id=booking.pk, now=now)
    except ValidationError:
        accepted = False
    else:
        accepted = True

    assert offered == accepted == (status == Booking.Status.CONFIRMED and now == NOW)


def test_another_therapists_booking_does_not_exist_for_them(booking, bob):
    with pytest.raises(Booking.DoesNotExist):
        booking_mark_no_show(therapist=bob, booking_id=booking.pk, now=NOW)
    with pytest.raises(Booking.DoesNotExist):
        complete(bob, booking)


def test_the_day_views_no_show_asks_first_and_only_the_confirm_button_marks_it(client, asha, booking):
    client.force_login(asha.user)

    day = client.get(f"/diary/day/{booking.start.astimezone(LONDON).date().isoformat()}/").content.decode()
    assert f'href="/diary/bookings/{booking.pk}/no-show/"' in day
    confirm = client.get(f"/diary/bookings/{booking.pk}/no-show/").content.decode()
    assert "Mark a no-show?" in confirm
    assert "Yes, mark Alice a no-show" in confirm
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    response = client.post(f"/diary/bookings/{booking.pk}/no-show/", follow=True)

    assert "Alice: marked no-show." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_a_no_show_after_the_notes_says_it_is_already_marked(client, asha, booking):
    client.force_login(asha.user)
    complete(asha, booking)

    response = client.post(f"/diary/bookings/{booking.pk}/no-show/", follow=True)

    assert "This booking is already marked attended." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED


def test_a_future_booking_cannot_be_marked_from_the_diary(client, asha, booking, clock):
    clock.move_to(NOW - dt.timedelta(hours=3))
    client.force_login(asha.user)

    response = client.post(f"/diary/bookings/{booking.pk}/no-show/", follow=True)

    assert "You can mark a booking only once it has started." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_confirm_page_of_a_booking_not_started_says_it_cannot_be_marked(client, asha, booking, clock):
    clock.move_to(NOW - dt.timedelta(hours=3))
    client.force_login(asha.user)

    confirm = client.get(f"/diary/bookings/{booking.pk}/no-show/").content.decode()

    assert "has not started yet, so it cannot be marked a no-show" in confirm
    assert "Yes, mark" not in confirm


def test_another_therapist_marking_gets_not_found(client, booking, bob):
    client.force_login(bob.user)

    assert client.get(f"/diary/bookings/{booking.pk}/no-show/").status_code == 404
    assert client.post(f"/diary/bookings/{booking.pk}/no-show/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_client_marking_their_own_booking_gets_not_found(client, alice, booking):
    client.force_login(alice)

    assert client.post(f"/diary/bookings/{booking.pk}/no-show/").status_code == 404
