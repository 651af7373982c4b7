import datetime

import pytest

from therapists.models import Therapist

from ..factories import make_therapist

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)
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


def test_the_booking_guard_refuses_anyone_not_bookable_whatever_a_form_sends():
    from therapists.selectors import TherapistNotBookable, therapist_get_bookable

    vera = make_therapist("vera", registration_status=Status.VERIFIED, registration_expires_on=TODAY)
    waiting = make_therapist("waiting", registration_status=Status.AWAITING_CHECK)

    assert therapist_get_bookable(therapist_id=vera.pk, on=TODAY) == vera
    for therapist_id, on in [(vera.pk, TODAY + datetime.timedelta(days=1)), (waiting.pk, TODAY), (999_999, TODAY)]:
        with pytest.raises(TherapistNotBookable, match="cannot be booked"):
            therapist_get_bookable(therapist_id=therapist_id, on=on)
