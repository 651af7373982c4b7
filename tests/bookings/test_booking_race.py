"""Clients racing for one slot, and writers queueing on a therapist's lock, each on its own
database connection and transaction."""

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from bookings import locks
from bookings.diary.services import time_off_add, working_hours_set
from bookings.models import Booking, BookingRules
from bookings.services.booking import (
    ClientDetails,
    ClinicBusy,
    HealthAnswers,
    SlotTaken,
    booking_create,
    booking_reschedule,
)
from bookings.slots.availability import WeeklyHours
from clinic.problems import Problem

from ..clock import NOW, at, days_from_now
from ..factories import make_booking

# Frozen at NOW: asha's check runs a year from the day she is made, and the racers book a week on.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clock")]

RACERS = 8
TUESDAY = days_from_now(6)  # next Tuesday


def test_racing_clients_get_one_booking_and_clear_refusals(asha, sports):
    BookingRules.load()
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


def test_a_writer_kept_waiting_for_the_therapists_lock_is_told_to_try_again(monkeypatch, asha, sports):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and lock_timeout are PostgreSQL's; SQLite serialises whole transactions")
    monkeypatch.setattr(locks, "LOCK_TIMEOUT", "200ms")
    BookingRules.load()
    hours_before = list(asha.working_hours.values())
    booked = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "14:00"))
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                locks.therapist_lock(therapist_id=asha.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(ClinicBusy, match="try again"):
            booking_create(
                session_type_id=sports.pk,
                therapist_id=asha.pk,
                start=at(TUESDAY, "10:00"),
                details=ClientDetails("Alice Walker", "alice@example.com", "07700 900123"),
                answers=HealthAnswers((), Problem.GENERAL_TIGHTNESS, None, "", True),
                idempotency_key=uuid.uuid4(),
                now=NOW,
            )
        with pytest.raises(ClinicBusy, match="try again"):
            booking_reschedule(booking_id=booked.pk, start=at(TUESDAY, "11:00"), now=NOW)
        with pytest.raises(ValidationError, match="try again"):
            time_off_add(therapist=asha, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:00"), reason="other")
        with pytest.raises(ValidationError, match="try again"):
            working_hours_set(therapist=asha, stretches=[WeeklyHours(0, dt.time(9), dt.time(12))])
    finally:
        release.set()
        holder.join(timeout=30)

    booked.refresh_from_db()
    assert booked.start == at(TUESDAY, "14:00")
    assert Booking.objects.count() == 1
    assert not asha.time_off.exists()
    assert list(asha.working_hours.values()) == hours_before
