"""Bookings with different therapists racing for the last free room, each on its own
database connection and transaction: the therapists' own locks do not serialise them, the
rooms' locks (and on PostgreSQL the room's exclusion constraint) do."""

import threading
import uuid

import pytest
from django.db import connection

from bookings.models import Booking, BookingRules
from bookings.services.booking import ClientDetails, HealthAnswers, SlotTaken, booking_create
from clinic.problems import Problem

from ..clock import NOW, at, days_from_now
from ..factories import make_bookable_therapist, make_room, make_working_hours

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


@pytest.mark.parametrize("racers", [2, 6])
def test_therapists_racing_for_the_last_room_get_one_booking_and_clear_refusals(sports, racers):
    BookingRules.load()
    busy_room = make_room("Room A", suits=[sports], display_order=1)
    last_room = make_room("Room B", suits=[sports], display_order=2)
    therapists = [make_bookable_therapist(f"therapist{n}") for n in range(racers + 1)]
    for therapist in therapists:
        make_working_hours(therapist)
    # Room A is already taken at 10:00, by a therapist who is not racing.
    booking_create(
        session_type_id=sports.pk,
        therapist_id=therapists[-1].pk,
        start=at(TUESDAY, "10:00"),
        details=ClientDetails("Early Bird", "early@example.com", "07700 900123"),
        answers=HealthAnswers((), Problem.GENERAL_TIGHTNESS, None, "", True),
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    start_line = threading.Barrier(racers)
    outcomes: list[object] = []

    def race(therapist) -> None:
        start_line.wait()
        try:
            outcomes.append(
                booking_create(
                    session_type_id=sports.pk,
                    therapist_id=therapist.pk,
                    start=at(TUESDAY, "10:00"),
                    details=ClientDetails(
                        f"Client {therapist.pk}", f"client{therapist.pk}@example.com", "07700 900123"
                    ),
                    answers=HealthAnswers((), Problem.GENERAL_TIGHTNESS, None, "", True),
                    idempotency_key=uuid.uuid4(),
                    now=NOW,
                )
            )
        except SlotTaken as refusal:
            outcomes.append(refusal)
        except Exception as error:  # anything else is a failure the assertions below show
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(therapist,)) for therapist in therapists[:racers]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    booked = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert (len(booked), len(refused)) == (1, racers - 1), outcomes
    assert booked[0].room == last_room
    assert all("just been taken" in str(refusal) for refusal in refused)
    assert sorted(Booking.objects.values_list("room_id", flat=True)) == sorted([busy_room.pk, last_room.pk])
