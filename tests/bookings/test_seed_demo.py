import pytest
from django.core.management import call_command

from clinic.models import Room, SessionType
from therapists.models import RegistrationEvent, Therapist

pytestmark = pytest.mark.django_db


def test_demo_therapists_are_verified_by_the_demo_admin_and_a_second_run_changes_nothing():
    call_command("seed_demo")

    therapists = Therapist.objects.all()
    assert therapists.count() == 3
    assert all(t.registration_status == Therapist.RegistrationStatus.VERIFIED for t in therapists)
    approvals = RegistrationEvent.objects.filter(kind=RegistrationEvent.Kind.APPROVED)
    assert {event.actor.username for event in approvals} == {"admin"}
    events_before = RegistrationEvent.objects.count()

    call_command("seed_demo")

    assert Therapist.objects.count() == 3
    assert RegistrationEvent.objects.count() == events_before


def test_demo_therapists_get_weekday_hours_once():
    call_command("seed_demo")
    call_command("seed_demo")

    for therapist in Therapist.objects.all():
        assert therapist.working_hours.count() == 10  # two stretches on each weekday


def test_the_demo_clinic_has_two_rooms_and_only_one_suits_sports_massage():
    call_command("seed_demo")
    call_command("seed_demo")

    rooms = Room.objects.all()
    assert [room.name for room in rooms] == ["Room 1", "Quiet room"]
    assert [room.name for room in Room.objects.filter(session_types__kind=SessionType.Kind.SPORTS)] == ["Room 1"]
    assert all(room.session_types.exists() for room in rooms)


def test_the_demo_client_logs_in_with_her_email(client):
    from bookings.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo")

    response = client.post("/accounts/login/", {"login": "dana@example.com", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/my-bookings/").status_code == 200
