"""The booking page and the notes form show the client's session before this one (another
therapist's notes, often): that look is logged against the earlier booking too, with the
same "via", so the earlier booking's own access log says who saw its notes."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import HealthDataAccess, HealthScreen, SessionNote

from ..clock import NOW
from ..factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def bobs_session(bob, alice, sports):
    """Alice's session with Bob a fortnight ago, written up."""
    booking = make_booking(
        therapist=bob, client=alice, session_type=sports, start=NOW - dt.timedelta(days=14), status="attended"
    )
    SessionNote.objects.create(booking=booking, areas_worked=["back-calf-left"], pressure_used=6, problem="achilles")
    return booking


@pytest.fixture
def todays(asha, alice, sports):
    """Alice's session with Asha this morning, not yet written up."""
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    HealthScreen.objects.create(booking=booking, main_problem="achilles", consent_given_at=NOW)
    return booking


def looks(booking) -> list[tuple[str, str]]:
    return list(HealthDataAccess.objects.filter(booking=booking).values_list("accessed_by__username", "via"))


@pytest.mark.parametrize(
    ("page", "via"),
    [("booking_detail", HealthDataAccess.Via.BOOKING_PAGE), ("session_complete", HealthDataAccess.Via.NOTES_FORM)],
)
def test_asha_opening_todays_session_is_logged_against_bobs_earlier_one_too(as_asha, todays, bobs_session, page, via):
    response = as_asha.get(reverse(page, args=[todays.pk]))

    assert response.status_code == 200
    assert looks(todays) == [("asha", via)]
    assert looks(bobs_session) == [("asha", via)]


def test_a_first_visit_logs_only_the_booking_itself(as_asha, todays):
    as_asha.get(reverse("booking_detail", args=[todays.pk]))

    assert looks(todays) == [("asha", HealthDataAccess.Via.BOOKING_PAGE)]
    assert HealthDataAccess.objects.count() == 1


def test_staff_without_the_health_permission_leave_no_look_at_either(client, sam, todays, bobs_session):
    client.force_login(sam)

    assert client.get(reverse("booking_detail", args=[todays.pk])).status_code == 404
    assert HealthDataAccess.objects.count() == 0


def test_the_page_costs_one_more_write_with_a_session_before_and_no_more(
    as_asha, todays, bobs_session, django_assert_max_num_queries
):
    # tests/bookings/test_booking_pages.py pins the page at 16 queries without a session
    # before; the earlier session adds its own look (one INSERT) and what the page reads of it.
    with django_assert_max_num_queries(19):
        assert as_asha.get(reverse("booking_detail", args=[todays.pk])).status_code == 200
