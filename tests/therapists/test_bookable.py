import datetime

import pytest

from therapists.models import Therapist

from ..clock import TODAY
from ..factories import make_therapist

pytestmark = pytest.mark.django_db

Status = Therapist.RegistrationStatus


def test_only_verified_unexpired_therapists_are_bookable():
    verified = make_therapist("vera", registration_status=Status.VERIFIED, registration_expires_on=TODAY)
    make_therapist(
        "lapsed", registration_status=Status.VERIFIED, registration_expires_on=TODAY - datetime.timedelta(days=1)
    )
    make_therapist(
        "waiting",
        registration_status=Status.AWAITING_CHECK,
        registration_expires_on=TODAY + datetime.timedelta(days=300),
    )
    make_therapist(
        "suspended", registration_status=Status.SUSPENDED, registration_expires_on=TODAY + datetime.timedelta(days=300)
    )
    make_therapist("never_checked", registration_status=Status.VERIFIED, registration_expires_on=None)

    assert list(Therapist.objects.bookable(on=TODAY)) == [verified]


def test_a_check_stops_holding_the_day_after_it_expires():
    vera = make_therapist("vera", registration_status=Status.VERIFIED, registration_expires_on=TODAY)

    assert vera in Therapist.objects.bookable(on=TODAY)
    assert vera not in Therapist.objects.bookable(on=TODAY + datetime.timedelta(days=1))
