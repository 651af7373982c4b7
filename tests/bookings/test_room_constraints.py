"""PostgreSQL itself refuses two bookings holding one room at once, whichever therapists and
whatever code path writes them."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking

from ..clock import TOMORROW, at
from ..factories import make_booking, make_room, make_therapist

pytestmark = pytest.mark.django_db

NINE = at(TOMORROW, "09:00")


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist only on PostgreSQL; SQLite serialises writes instead")


@pytest.fixture
def room(sports):
    return make_room("Room A", suits=[sports], turnover_minutes=15)


def raw_insert(*, therapist, session_type, room, start, minutes=60, turnover=15, status="confirmed"):
    """A booking written with plain SQL, as a script or a careless migration might."""
    end = start + datetime.timedelta(minutes=minutes)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bookings_booking (client_name, client_email, client_phone, therapist_id, session_type_id,"
            ' start, "end", blocks_until, room_id, room_until, status, cancellation_reason, late_cancellation,'
            " calendar_sequence, feedback, idempotency_details, created_at)"
            " VALUES ('Raw', 'raw@example.com', '0', %s, %s, %s, %s, %s, %s, %s, %s, '', false, 0, '', '', now())",
            [
                therapist.pk,
                session_type.pk,
                start,
                end,
                end,
                room.pk if room else None,
                end + datetime.timedelta(minutes=turnover) if room else None,
                status,
            ],
        )


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            raw_insert(**fields)
    except IntegrityError as error:
        assert "booking_no_overlap_per_room" in str(error)
        return True
    return False


def test_a_raw_insert_overlapping_another_therapists_session_in_the_room_is_refused(bob, sports, room):
    make_booking(therapist=make_therapist("carol"), session_type=sports, start=NINE, room=room)

    assert refused(therapist=bob, session_type=sports, room=room, start=NINE + datetime.timedelta(minutes=30))
    assert Booking.objects.count() == 1


def test_the_rooms_turnover_is_held_too(bob, sports, room):
    make_booking(therapist=make_therapist("carol"), session_type=sports, start=NINE, room=room)

    assert refused(therapist=bob, session_type=sports, room=room, start=NINE + datetime.timedelta(minutes=70))
    assert not refused(therapist=bob, session_type=sports, room=room, start=NINE + datetime.timedelta(minutes=75))


def test_other_rooms_no_room_and_cancelled_bookings_do_not_clash(bob, sports, room):
    make_booking(therapist=make_therapist("carol"), session_type=sports, start=NINE, room=room)
    other = make_room("Room B", suits=[sports])

    assert not refused(therapist=bob, session_type=sports, room=other, start=NINE)
    assert not refused(therapist=make_therapist("dave"), session_type=sports, room=room, start=NINE, status="cancelled")
    assert not refused(therapist=make_therapist("erin"), session_type=sports, room=None, start=NINE)


def test_a_room_without_an_end_of_hold_is_refused_by_the_check_constraint(bob, sports, room):
    with pytest.raises(IntegrityError, match="booking_room_held_at_least_until_end"), transaction.atomic():
        make_booking(therapist=bob, session_type=sports, start=NINE, room=room, room_until=None)
