"""Clients racing for one slot, each on its own database connection and transaction."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection

from bookings.models import Booking, BookingRules
from bookings.services.booking import ClientDetails, HealthAnswers, SlotTaken, booking_create
from clinic.problems import Problem
from therapists.models import WorkingHours

from ..factories import make_bookable_therapist, make_session_type
from .test_booking_services import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 8


def test_racing_clients_get_one_booking_and_clear_refusals():
    BookingRules.load()
    asha = make_bookable_therapist("asha")
    WorkingHours.objects.create(therapist=asha, weekday=TUESDAY.weekday(), start_time=dt.time(9), end_time=dt.time(17))
    sports = make_session_type(duration_minutes=60)
    start_line = threading.Barrier(RACERS)
    outcomes: list[object] = []

    def race(n: int) -> None:
        start_line.wait()
        try:
            outcomes.append(
                booking_create(
                    session_type_id=sports.pk,
                    therapist_id=asha.pk,
                    start=at(TUESDAY, "10:00"),
                    details=ClientDetails(f"Client {n}", f"client{n}@example.com", "07700 900123"),
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

    threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    booked = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert (len(booked), len(refused)) == (1, RACERS - 1), outcomes
    assert Booking.objects.count() == 1
    assert all("just been taken" in str(refusal) for refusal in refused)
