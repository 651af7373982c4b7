"""PostgreSQL itself refuses two bookings holding one therapist's time at once."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking

from ..clock import TOMORROW, at
from ..factories import make_booking, make_therapist

pytestmark = pytest.mark.django_db

NINE = at(TOMORROW, "09:00")


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist only on PostgreSQL; SQLite serialises writes instead")


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            make_booking(**fields)
    except IntegrityError as error:
        assert "booking_no_overlap_per_therapist" in str(error)
        return True
    return False


def test_an_overlapping_booking_for_the_same_therapist_is_refused(bob, sports):
    make_booking(therapist=bob, session_type=sports, start=NINE)

    assert refused(therapist=bob, session_type=sports, start=NINE + datetime.timedelta(minutes=30))
    assert Booking.objects.count() == 1


def test_the_buffer_after_a_session_is_held_too(bob, sports):
    make_booking(therapist=bob, session_type=sports, start=NINE, buffer_minutes=15)

    assert refused(therapist=bob, session_type=sports, start=NINE + datetime.timedelta(minutes=70))
    assert not refused(therapist=bob, session_type=sports, start=NINE + datetime.timedelta(minutes=75))


def test_back_to_back_bookings_and_other_therapists_are_fine(bob, sports):
    make_booking(therapist=bob, session_type=sports, start=NINE)

    assert not refused(therapist=bob, session_type=sports, start=NINE + datetime.timedelta(hours=1))
    assert not refused(therapist=make_therapist("carol"), session_type=sports, start=NINE)


def test_a_cancelled_booking_frees_its_time(bob, sports):
    make_booking(therapist=bob, session_type=sports, start=NINE, status=Booking.Status.CANCELLED)

    assert not refused(therapist=bob, session_type=sports, start=NINE)
