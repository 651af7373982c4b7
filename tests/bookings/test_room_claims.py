"""A booking locks only what it takes: its therapist and the one room it is put in. Bookings for
other rooms, or for the same room at other times, go ahead while another is still being
written; a room taken first is passed for the next; "any therapist" racing for the last room
ends in one booking and "taken" for the rest, never "busy"."""

import contextlib
import threading
import time

import pytest
from django.db import connection, transaction

from bookings.models import Booking
from bookings.services import booking_claims
from bookings.services.booking import ClinicBusy, SlotTaken
from bookings.slots.selectors import rooms_for_session
from clinic.models import RoomClosure

from ..clock import at, days_from_now
from ..factories import DETAILS, book, make_bookable_therapist, make_booking, make_room, make_working_hours

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)
TEN = at(TUESDAY, "10:00")

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks and exclusion constraints are PostgreSQL's"
)


def therapists(*names):
    made = [make_bookable_therapist(name) for name in names]
    for therapist in made:
        make_working_hours(therapist)
    return made


class Held:
    """A booking written in a transaction that another thread keeps open until ``release``:
    what a slow request still writing looks like to everyone else."""

    def __init__(self, write, *, commit: bool = True):
        self.write, self.commit = write, commit
        self.holding, self.released = threading.Event(), threading.Event()
        self.booking, self.error = None, None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self.booking = self.write()
                self.holding.set()
                self.released.wait(timeout=30)
                if not self.commit:
                    transaction.set_rollback(True)
        except Exception as error:  # shown by the assertions of the test
            self.error = error
        finally:
            self.holding.set()
            connection.close()

    @contextlib.contextmanager
    def open(self):
        self.thread.start()
        try:
            assert self.holding.wait(timeout=30)
            assert self.error is None, self.error
            yield self
        finally:
            self.released.set()
            self.thread.join(timeout=30)


@postgresql_only
def test_a_booking_for_another_room_at_the_same_time_goes_ahead_while_the_first_is_still_written(sports):
    asha, carol = therapists("asha", "carol")
    room_a = make_room("Room A", suits=[sports], display_order=1)
    room_b = make_room("Room B", suits=[sports], display_order=2)

    with Held(lambda: book(sports, asha, TEN)).open() as held:
        by_carol = book(sports, carol, TEN)
        # Carol's booking is written while Asha's transaction is still open: it did not wait.
        assert held.thread.is_alive() and not held.released.is_set()

    assert held.error is None
    assert (held.booking.room, by_carol.room) == (room_a, room_b)
    assert sorted(Booking.objects.values_list("therapist__user__username", "room__name")) == [
        ("asha", "Room A"),
        ("carol", "Room B"),
    ]


@postgresql_only
def test_a_booking_for_the_same_room_at_another_time_goes_ahead_while_the_first_is_still_written(sports):
    asha, carol = therapists("asha", "carol")
    room = make_room("Room A", suits=[sports], turnover_minutes=10)

    with Held(lambda: book(sports, asha, TEN)).open() as held:
        by_carol = book(sports, carol, at(TUESDAY, "14:00"))
        assert held.thread.is_alive() and not held.released.is_set()

    assert held.error is None
    assert held.booking.room == by_carol.room == room
    assert Booking.objects.filter(room=room).count() == 2


@postgresql_only
def test_any_therapist_passes_over_a_therapist_and_a_room_another_booking_is_taking(sports):
    therapists("asha", "carol")
    make_room("Room A", suits=[sports], display_order=1)
    room_b = make_room("Room B", suits=[sports], display_order=2)

    with Held(lambda: book(sports, None, TEN)).open() as held:
        second = book(sports, None, TEN)
        assert held.thread.is_alive() and not held.released.is_set()

    assert held.error is None
    assert second.therapist != held.booking.therapist
    assert second.room == room_b


@postgresql_only
def test_the_last_room_still_being_written_is_waited_for_and_had_when_that_booking_rolls_back(sports):
    asha, carol = therapists("asha", "carol")
    room = make_room("Room A", suits=[sports])
    outcome: list[object] = []

    def book_carol() -> None:
        try:
            outcome.append(book(sports, carol, TEN))
        except Exception as error:  # shown by the assertion below
            outcome.append(error)
        finally:
            connection.close()

    with Held(lambda: book(sports, asha, TEN), commit=False).open():
        waiter = threading.Thread(target=book_carol)
        waiter.start()
        assert _someone_waits_for_a_lock(), outcome
    waiter.join(timeout=30)

    assert [type(o) for o in outcome] == [Booking], outcome
    assert outcome[0].room == room
    assert list(Booking.objects.values_list("therapist__user__username", flat=True)) == ["carol"]


def _someone_waits_for_a_lock() -> bool:
    """True once another connection waits for a lock: the booking queued behind the open one."""
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_a_room_closed_since_the_slot_was_read_is_passed_for_the_next_in_the_clinics_order(sports):
    therapists("asha")
    room_a = make_room("Room A", suits=[sports], display_order=1)
    room_b = make_room("Room B", suits=[sports], display_order=2)
    rooms = rooms_for_session(session_type=sports)
    # Room A was free when the slot was read; the admin closed it before the claim.
    RoomClosure.objects.create(room=room_a, start=at(TUESDAY, "09:30"), end=at(TUESDAY, "10:30"))
    written = []

    with transaction.atomic():
        booking_claims.room_claim(
            rooms=rooms, room_ids=(room_a.pk, room_b.pk), session_type=sports, start=TEN, write=written.append
        )

    assert written == [room_b]


@postgresql_only
def test_a_room_booked_since_the_slot_was_read_is_refused_by_its_constraint_and_the_next_taken(sports):
    asha, carol = therapists("asha", "carol")
    room_a = make_room("Room A", suits=[sports], display_order=1)
    room_b = make_room("Room B", suits=[sports], display_order=2)
    rooms = rooms_for_session(session_type=sports)
    # Room A was free when the slot was read; Carol's booking landed in it before the claim.
    make_booking(therapist=carol, session_type=sports, start=TEN, room=room_a)

    with transaction.atomic():
        booking = booking_claims.room_claim(
            rooms=rooms,
            room_ids=(room_a.pk, room_b.pk),
            session_type=sports,
            start=TEN,
            write=lambda room: make_booking(therapist=asha, session_type=sports, start=TEN, room=room),
        )

    assert booking.room == room_b
    assert sorted(Booking.objects.values_list("therapist__user__username", "room__name")) == [
        ("asha", "Room B"),
        ("carol", "Room A"),
    ]


def test_when_every_room_has_gone_since_the_slot_was_read_the_claim_says_so(sports):
    therapists("asha")
    room_a = make_room("Room A", suits=[sports])
    rooms = rooms_for_session(session_type=sports)
    room_a.active = False
    room_a.save()

    with pytest.raises(booking_claims.RoomsTaken), transaction.atomic():
        booking_claims.room_claim(rooms=rooms, room_ids=(room_a.pk,), session_type=sports, start=TEN, write=print)


@pytest.mark.parametrize("free_therapists", [3, 10])
def test_any_therapist_racing_for_the_last_room_gets_one_booking_and_taken_for_the_rest(sports, free_therapists):
    racers = 8
    *_, early = therapists(*[f"therapist{n}" for n in range(free_therapists)], "early")
    make_room("Room A", suits=[sports], display_order=1)
    last_room = make_room("Room B", suits=[sports], display_order=2)
    book(sports, early, TEN)  # Room A, by a therapist not racing
    start_line = threading.Barrier(racers)
    outcomes: list[object] = []

    def race(n: int) -> None:
        start_line.wait()
        try:
            details = DETAILS.__class__(f"Client {n}", f"client{n}@example.com", DETAILS.phone)
            outcomes.append(book(sports, None, TEN, details=details))
        except Exception as error:  # sorted below: SlotTaken expected, anything else fails
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    booked = [o for o in outcomes if isinstance(o, Booking)]
    taken = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert not [o for o in outcomes if isinstance(o, ClinicBusy)], outcomes
    assert (len(booked), len(taken)) == (1, racers - 1), outcomes
    assert booked[0].room == last_room
    assert all("just been taken" in str(refusal) for refusal in taken)
    assert Booking.objects.filter(room=last_room).count() == 1
