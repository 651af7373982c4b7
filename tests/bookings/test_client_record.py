"""The client's record: every session of one client (known by their account, never by a typed
email) with health answers, check-ins and notes with amendments, for their therapist (the
sessions they gave) and staff allowed to read health data (all of them); each look logged."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import Booking, HealthDataAccess, HealthScreen
from bookings.records.notes import session_note_amend
from bookings.services.outcome import session_complete

from ..clock import NOW
from ..factories import EVERYONE, MAY_READ, consent_given, make_booking, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NOTES = {"areas_worked": ["back-calf-left"], "pressure_used": 6, "problem": "achilles", "personal_tip": ""}


def attended(therapist, client, days_ago: int, **fields) -> Booking:
    booking = consent_given(
        make_booking(therapist=therapist, client=client, start=NOW - dt.timedelta(days=days_ago), **fields)
    )
    HealthScreen.objects.create(
        booking=booking, main_problem="achilles", notes=f"Day -{days_ago}", consent_given_at=NOW
    )
    session_complete(
        therapist=therapist, booking_id=booking.pk, now=NOW - dt.timedelta(days=days_ago, hours=-2), **NOTES
    )
    return booking


@pytest.fixture
def history(asha, bob, alice, sports):
    """Alice: two sessions with asha (the latest amended, with a check-in), one with bob; and
    Erin's session with asha, typed with Alice's email address."""
    first = attended(asha, alice, 20, session_type=sports)
    latest = attended(asha, alice, 6, session_type=sports)
    Booking.objects.filter(pk=latest.pk).update(feedback="better", feedback_at=NOW - dt.timedelta(days=4))
    session_note_amend(
        therapist=asha, booking_id=latest.pk, values={"pressure_used": 4}, reason="Lighter, as agreed", now=NOW
    )
    with_bob = attended(bob, alice, 10, session_type=sports)
    fays = attended(asha, make_user("fay"), 3, session_type=sports, client_email="alice@example.com")
    return first, latest, with_bob, fays


def record_page(client, booking):
    return client.get(reverse("booking_client_record", args=[booking.pk]))


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_therapist_and_permitted_staff_open_a_record(client, people, history, who):
    _, latest, _, _ = history
    if people[who]:
        client.force_login(people[who])

    response = record_page(client, latest)

    if who == "anonymous":
        assert response.status_code == 302
    elif who in MAY_READ:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert not HealthDataAccess.objects.filter(via="client_record").exists()


def test_the_therapist_sees_the_sessions_they_gave_with_the_trail(as_asha, history, asha):
    first, latest, with_bob, fays = history

    page = record_page(as_asha, latest).content.decode()

    assert page.index(f"session-{latest.pk}") < page.index(f"session-{first.pk}")  # newest first
    assert f"session-{with_bob.pk}" not in page  # bob's session is not hers to read
    assert f"session-{fays.pk}" not in page  # another client, though she typed Alice's email
    assert "Check-in after the session:</span> Better" in page
    assert "Written by Asha Patel, 10 Jan 2030" in page
    assert "Amended by Asha Patel, 16 Jan 2030 09:30. Why: Lighter, as agreed" in page
    assert "6/10 → 4/10" in page
    assert "Day -20" in page and "Day -6" in page


def test_staff_with_the_permission_see_every_session_and_each_look_is_logged(client, history, people):
    first, latest, with_bob, _ = history
    hana = people["staff with the permission"]
    client.force_login(hana)

    page = record_page(client, latest).content.decode()

    assert f"session-{with_bob.pk}" in page and f"session-{first.pk}" in page
    logged = HealthDataAccess.objects.filter(via="client_record", accessed_by=hana)
    assert sorted(logged.values_list("booking_id", flat=True)) == sorted([first.pk, latest.pk, with_bob.pk])
    assert set(logged.values_list("client_email", flat=True)) == {"alice@example.com"}


def test_a_guests_record_is_that_booking_alone(as_asha, asha, sports):
    guest = attended(asha, None, 2, session_type=sports, client_email="gina@example.com")
    attended(asha, None, 9, session_type=sports, client_email="gina@example.com")

    page = record_page(as_asha, guest).content.decode()

    assert "Booked as a guest, without an account" in page
    assert page.count('class="card mb-3"') == 1


def test_the_record_takes_the_same_queries_however_long_the_history(
    as_asha, asha, alice, sports, django_assert_max_num_queries
):
    latest = attended(asha, alice, 1, session_type=sports)
    session_note_amend(therapist=asha, booking_id=latest.pk, values={"pressure_used": 3}, reason="Lighter", now=NOW)
    with django_assert_max_num_queries(20) as few:
        record_page(as_asha, latest)

    for days_ago in range(2, 12):
        booking = attended(asha, alice, days_ago, session_type=sports)
        session_note_amend(
            therapist=asha, booking_id=booking.pk, values={"pressure_used": 3}, reason="Lighter", now=NOW
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = record_page(as_asha, latest).content.decode()
    assert page.count("Amended by Asha Patel") == 11
