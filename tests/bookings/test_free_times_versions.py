"""Cached slot lists are versioned as narrowly as what they show: a booking, cancellation or
time off with one therapist leaves another therapist's cached list served from the cache (no
query), unless it takes or frees a room that therapist's session needs; the "any therapist"
lists follow every therapist, and the clinic's rules every list."""

import re

import pytest
from django.urls import reverse

from bookings.diary.services import time_off_add
from bookings.services.booking_changes import booking_cancel
from bookings.services.rooms import booking_room_change

from ..clock import NOW, at, days_from_now
from ..factories import book, make_room, make_session_type, make_working_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

DAY = days_from_now(6)


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Runs what waits for a commit (the free-times bumps) as the real transaction would."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


@pytest.fixture
def bob_works(bob):
    make_working_hours(bob)
    return bob


def slot_list(client, session_type, therapist="any") -> str:
    response = client.get(
        reverse("book_slots", args=[session_type.pk]) + f"?therapist={therapist}&date={DAY.isoformat()}",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    return response.content.decode()


def times(html: str) -> list[str]:
    return re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time>', html)


def test_a_booking_with_one_therapist_leaves_anothers_list_cached(
    client, asha, bob_works, sports, commits, django_assert_num_queries
):
    bobs = slot_list(client, sports, therapist=bob_works.pk)
    assert "10:00" in times(slot_list(client, sports, therapist=asha.pk))

    commits(book, sports, asha, at(DAY, "10:00"))

    with django_assert_num_queries(0):
        assert slot_list(client, sports, therapist=bob_works.pk) == bobs
    assert "10:00" not in times(slot_list(client, sports, therapist=asha.pk))


def test_the_any_therapist_list_follows_every_therapists_booking(client, asha, bob_works, sports, commits):
    assert "10:00" in times(slot_list(client, sports))

    commits(book, sports, asha, at(DAY, "10:00"))
    assert "10:00" in times(slot_list(client, sports))  # Bob is still free then
    commits(book, sports, bob_works, at(DAY, "10:00"))

    assert "10:00" not in times(slot_list(client, sports))


def test_time_off_and_a_cancellation_with_one_therapist_leave_anothers_list_cached(
    client, asha, bob_works, sports, commits, django_assert_num_queries
):
    booking = commits(book, sports, asha, at(DAY, "10:00"))
    bobs = slot_list(client, sports, therapist=bob_works.pk)

    commits(time_off_add, therapist=asha, start=at(DAY, "13:00"), end=at(DAY, "15:00"), reason="admin")
    commits(booking_cancel, booking_id=booking.pk, reason="", now=NOW)

    with django_assert_num_queries(0):
        assert slot_list(client, sports, therapist=bob_works.pk) == bobs


def test_a_booking_taking_the_only_room_changes_another_therapists_list(client, asha, bob_works, sports, commits):
    make_room("Room 1", suits=[sports])
    assert "10:00" in times(slot_list(client, sports, therapist=bob_works.pk))

    booking = commits(book, sports, asha, at(DAY, "10:00"))

    assert "10:00" not in times(slot_list(client, sports, therapist=bob_works.pk))
    commits(booking_cancel, booking_id=booking.pk, reason="", now=NOW)
    assert "10:00" in times(slot_list(client, sports, therapist=bob_works.pk))


def test_a_room_taken_by_another_session_type_it_suits_changes_the_list(client, asha, bob_works, sports, commits):
    relaxation = make_session_type("Relaxation massage")
    make_room("Room 1", suits=[sports, relaxation])
    assert "10:00" in times(slot_list(client, sports, therapist=bob_works.pk))

    commits(book, relaxation, asha, at(DAY, "10:00"))

    assert "10:00" not in times(slot_list(client, sports, therapist=bob_works.pk))


def test_a_booking_in_a_room_that_does_not_suit_the_session_leaves_its_lists_cached(
    client, asha, bob_works, sports, commits, django_assert_num_queries
):
    relaxation = make_session_type("Relaxation massage")
    make_room("Sports room", suits=[sports])
    make_room("Quiet room", suits=[relaxation])
    bobs = slot_list(client, sports, therapist=bob_works.pk)

    commits(book, relaxation, asha, at(DAY, "10:00"))

    with django_assert_num_queries(0):
        assert slot_list(client, sports, therapist=bob_works.pk) == bobs


def test_moving_a_booking_to_another_room_frees_the_first_for_others(client, asha, bob_works, sports, commits):
    relaxation = make_session_type("Relaxation massage")
    make_room("Room 1", suits=[sports, relaxation], display_order=1)
    quiet = make_room("Quiet room", suits=[relaxation], display_order=2)
    booking = commits(book, relaxation, asha, at(DAY, "10:00"))
    assert booking.room.name == "Room 1"
    assert "10:00" not in times(slot_list(client, sports, therapist=bob_works.pk))

    commits(booking_room_change, booking_id=booking.pk, room_id=quiet.pk, now=NOW)

    assert "10:00" in times(slot_list(client, sports, therapist=bob_works.pk))
