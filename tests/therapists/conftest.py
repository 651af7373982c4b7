import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from therapists.models import Therapist
from therapists.services import registration

from ..factories import make_bookable_therapist, make_session_type, make_therapist, make_user


def grant_verify(user, *, staff: bool = True):
    """Gives ``user`` the verify permission, and by default makes them staff (both are needed)."""
    if staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="verify_registration"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


@pytest.fixture
def victor(db):
    """A staff member allowed to decide on registrations (not a superuser)."""
    return grant_verify(make_user("victor", is_staff=True, first_name="Victor"))


@pytest.fixture
def sam(db):
    """Staff, but without the permission to decide on registrations."""
    return make_user("sam", is_staff=True)


def submitted_therapist(username: str, *, number: str | None = None, renews_in_days: int = 200) -> Therapist:
    """A therapist who has sent registration details and is awaiting a check."""
    therapist = make_therapist(username)
    return registration.registration_submit(
        therapist_id=therapist.pk,
        submitted_by=therapist.user,
        cnhc_number=number or f"CN-{username}",
        disciplines=[Therapist.Discipline.SPORTS_MASSAGE],
        cnhc_renews_on=timezone.localdate() + datetime.timedelta(days=renews_in_days),
        other_registers="",
    )


def verified_therapist(username: str, *, by, expires_on: datetime.date | None = None) -> Therapist:
    therapist = submitted_therapist(username)
    registration.registration_approve(
        therapist_id=therapist.pk,
        decided_by=by,
        seen_on_register="Listed: Sports Massage, Leeds, registered.",
        expires_on=expires_on or timezone.localdate() + datetime.timedelta(days=365),
    )
    therapist.refresh_from_db()
    return therapist


@pytest.fixture
def tara(db):
    """A therapist awaiting a check."""
    return submitted_therapist("tara")


@pytest.fixture
def asha(db):
    """A verified therapist who keeps her diary here."""
    return make_bookable_therapist("asha", display_name="Asha Patel")


@pytest.fixture
def bob(db):
    """Another therapist: never allowed into Asha's diary."""
    return make_bookable_therapist("bob", display_name="Bob Okafor")


@pytest.fixture
def sports(db):
    return make_session_type("Sports massage", duration_minutes=60)


@pytest.fixture
def as_asha(client, asha):
    client.force_login(asha.user)
    return client
