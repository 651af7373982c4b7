"""Every page that shows a client's health data, tried by everyone: the anonymous visitor is
sent to log in; the client herself, her therapist and those holding bookings.view_health_data
(staff or not, always with an authenticator) read her answers, each staff look logged; anyone
else gets 404 (the admin sends non-staff to its login, and shows staff without the permission
the booking without its health record), and My data shows each person only their own.

Builds on the matrix of tests/bookings/test_health_access.py (factories.EVERYONE and the
``people`` fixture), adding a holder of the permission who is not staff."""

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse

from bookings.clinical.aftercare import PROBLEM_ADVICE
from bookings.models import Booking, HealthDataAccess, HealthScreen
from bookings.services.outcome import session_complete
from clinic.problems import Problem
from therapists.models import Therapist

from ..clock import NOW
from ..factories import EVERYONE, MAY_READ, consent_given, grant_permissions, make_booking, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

SECRET = "epilepsy, last seizure in March"
TIP = "Calf raises off a step, slowly"
HOLDER = "a holder of the permission who is not staff"
PEOPLE = [*EVERYONE, HOLDER]
READERS = MAY_READ | {HOLDER}


@dataclasses.dataclass(frozen=True)
class Page:
    url: Callable[[Booking], str]
    # Who reads the client's health data here; everyone else signed in is refused.
    readers: frozenset[str]
    # What the page shows of it.
    shows: str = SECRET
    # Whether a look here is logged (a client reading her own data is not a look by staff).
    logged: bool = True


PAGES = {
    "the therapist's booking page": Page(lambda b: reverse("booking_detail", args=[b.pk]), frozenset(READERS)),
    "the notes form": Page(
        lambda b: reverse("session_complete", args=[b.pk]),
        frozenset({"the therapist"}),
        shows=f"Pressure guide for {PROBLEM_ADVICE[Problem.ACHILLES].name}",
    ),
    "the notes amend page": Page(
        lambda b: reverse("session_note_amend", args=[b.pk]), frozenset({"the therapist"}), shows=TIP
    ),
    "the client's record": Page(lambda b: reverse("booking_client_record", args=[b.pk]), frozenset(READERS)),
    "the admin's booking page": Page(
        lambda b: reverse("admin:bookings_booking_change", args=[b.pk]),
        frozenset({"staff with the permission", "superuser"}),
    ),
    "My data": Page(lambda b: reverse("my_data"), frozenset({"the client"}), logged=False),
    "My data's download": Page(lambda b: reverse("my_data_download"), frozenset({"the client"}), logged=False),
}


@pytest.fixture
def everyone(people):
    """The matrix's people, and nina: not staff, holding view_health_data, with an authenticator."""
    nina = grant_permissions(make_user("nina", second_factor=True), "view_health_data")
    return {**people, HOLDER: nina}


@pytest.fixture
def session(asha, alice, sports):
    """Alice's session with asha yesterday: her health answers, and asha's notes."""
    booking = consent_given(
        make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=1))
    )
    HealthScreen.objects.create(booking=booking, main_problem=Problem.ACHILLES, notes=SECRET, consent_given_at=NOW)
    return session_complete(
        therapist=asha,
        booking_id=booking.pk,
        areas_worked=["back-calf-left"],
        pressure_used=6,
        problem=Problem.ACHILLES,
        personal_tip=TIP,
        now=NOW - dt.timedelta(hours=20),
    )


def refusal(page: str, person) -> tuple[int, str | None]:
    """What someone signed in who may not read gets: the status, and where a redirect goes."""
    if page == "the admin's booking page":
        # The admin is staff's alone: others go to its login, staff without the permission
        # see the booking with no health record on it.
        return (200, None) if person.is_staff else (302, "/admin/login/")
    if page.startswith("My data"):
        return 200, None  # their own data, with none of hers
    return 404, None


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("page", PAGES)
def test_health_data_reaches_only_those_who_may_read_it(client, everyone, session, page, who):
    person = everyone[who]
    if person:
        client.force_login(person)
    looks_before = HealthDataAccess.objects.count()

    response = client.get(PAGES[page].url(session))

    shown = PAGES[page].shows in response.content.decode()
    if who in PAGES[page].readers:
        assert (response.status_code, shown) == (200, True)
        if PAGES[page].logged:
            assert HealthDataAccess.objects.filter(accessed_by=person, booking=session).exists()
        return
    assert not shown
    assert HealthDataAccess.objects.count() == looks_before  # a refusal is no look
    if person is None:
        assert response.status_code == 302
        assert "login" in response.url
        return
    status, to = refusal(page, person)
    assert response.status_code == status
    if to:
        assert response.url.startswith(to)


def test_the_matrix_tries_everyone_the_issue_names(everyone):
    assert set(everyone) == set(PEOPLE)
    nina = everyone[HOLDER]
    assert not nina.is_staff
    assert not Therapist.objects.filter(user=nina).exists()
    assert nina.authenticator_set.filter(type="totp").exists()


def test_the_holder_without_an_authenticator_reads_nothing(client, session):
    nina = grant_permissions(make_user("nina"), "view_health_data")
    client.force_login(nina)

    for page in ("the therapist's booking page", "the client's record"):
        response = client.get(PAGES[page].url(session))
        assert response.status_code == 302
        assert SECRET not in response.content.decode()
    assert not HealthDataAccess.objects.exists()
