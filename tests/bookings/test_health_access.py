"""Who may read health data: the booking's therapist and staff holding
bookings.view_health_data, on every path that shows it; every look is recorded; past
sessions are linked by identity, never by a typed email."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from bookings.models import Booking, HealthDataAccess, HealthScreen, OutboundEmail, SessionNote
from bookings.records.selectors import last_session

from ..clock import NOW
from ..factories import EVERYONE, MAY_READ, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

SECRET = "blood thinners, takes warfarin"


@pytest.fixture
def booking(asha, alice, sports):
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW + dt.timedelta(days=2))
    HealthScreen.objects.create(booking=booking, main_problem="knee_pain", notes=SECRET, consent_given_at=NOW)
    return booking


@pytest.mark.parametrize("who", EVERYONE)
def test_the_booking_page_shows_health_answers_only_to_those_allowed(client, booking, people, who):
    if people[who]:
        client.force_login(people[who])

    response = client.get(reverse("booking_detail", args=[booking.pk]))

    shown = SECRET in response.content.decode()
    assert shown == (who in MAY_READ)
    assert response.status_code == (200 if who in MAY_READ else 302 if who == "anonymous" else 404)
    assert HealthDataAccess.objects.count() == (1 if shown else 0)


@pytest.mark.parametrize("who", ["staff without the permission", "staff with the permission", "superuser"])
def test_the_admin_shows_health_answers_only_with_the_permission(client, booking, people, who):
    client.force_login(people[who])

    response = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert response.status_code == 200
    shown = SECRET in response.content.decode()
    assert shown == (who in MAY_READ)
    assert list(HealthDataAccess.objects.values_list("via", flat=True)) == (["admin"] if shown else [])


@pytest.mark.parametrize("who", ["another therapist", "staff with the permission", "the client"])
def test_only_the_therapist_opens_the_notes_form(client, booking, people, who):
    client.force_login(people[who])

    response = client.get(reverse("session_complete", args=[booking.pk]))

    assert response.status_code == 404
    assert not HealthDataAccess.objects.exists()


def test_each_look_is_recorded_with_who_whose_what_and_when(client, booking, asha):
    client.force_login(asha.user)

    client.get(reverse("booking_detail", args=[booking.pk]))
    client.get(reverse("session_complete", args=[booking.pk]))

    rows = list(HealthDataAccess.objects.order_by("pk").values_list("accessed_by", "client_email", "via", "at"))
    assert rows == [
        (asha.user.pk, "alice@example.com", "booking_page", NOW),
        (asha.user.pk, "alice@example.com", "notes_form", NOW),
    ]


def test_admins_see_the_access_log_per_client(admin_client, booking, asha):
    HealthDataAccess.objects.create(
        accessed_by=asha.user, booking=booking, client_email="alice@example.com", via="booking_page"
    )
    HealthDataAccess.objects.create(
        accessed_by=asha.user, booking=booking, client_email="erin@example.com", via="booking_page"
    )

    page = admin_client.get(reverse("admin:bookings_healthdataaccess_changelist"), {"q": "alice@example.com"})

    assert page.status_code == 200
    assert "alice@example.com" in page.content.decode()
    assert "erin@example.com" not in page.content.decode()


def test_the_admin_cannot_delete_a_booking_and_its_health_record(admin_client, booking):
    response = admin_client.post(reverse("admin:bookings_booking_delete", args=[booking.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()


def test_only_staff_who_may_read_health_data_are_told_of_a_new_booking(people, asha, sports):
    from bookings.services import booking as booking_services

    people  # noqa: B018 - makes sam (no permission) and hana (permission)
    booking_services.booking_create(
        session_type_id=sports.pk,
        therapist_id=asha.pk,
        start=NOW.replace(hour=10, minute=0) + dt.timedelta(days=3),
        details=booking_services.ClientDetails(name="Gina", email="gina@example.com", phone="07700 900456"),
        answers=booking_services.HealthAnswers(
            answered_yes=(), main_problem="knee_pain", preferred_pressure=5, notes="", consent=True
        ),
        idempotency_key=uuid.uuid4(),
    )

    told = set(OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STAFF_BOOKED).values_list("to_email", flat=True))
    assert told == {"asha@example.com", "hana@example.com", "admin@example.com"}


def test_a_typed_email_never_brings_another_clients_past_sessions(asha, bob, alice, sports):
    earlier = make_booking(
        therapist=bob, client=alice, session_type=sports, start=NOW - dt.timedelta(days=10), status="attended"
    )
    earlier.feedback = "flared"
    earlier.save()
    SessionNote.objects.create(booking=earlier, areas_worked=["back-calf-left"], pressure_used=8, problem="achilles")
    impostor = make_booking(
        therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=1), client_email="ALICE@example.com"
    )
    own = make_booking(therapist=asha, client=alice, session_type=sports, start=NOW + dt.timedelta(days=2))

    assert last_session(booking=impostor) is None
    assert last_session(booking=own).booking == earlier
