"""The waitlist's hold under pressure, on PostgreSQL with real threads: two accepts of one
offer give one booking; a booking written past every check still meets the hold in the
exclusion constraint; an offer lapsing while it is being accepted has exactly one outcome."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking, WaitlistOffer
from bookings.services.booking import SlotNotFree, booking_reschedule
from bookings.services.booking_changes import booking_cancel
from bookings.waitlist import offers
from bookings.waitlist.answers import OfferError, offer_accept, offers_lapse
from bookings.waitlist.entries import entry_join_earlier
from clinic.london import LONDON

from ..clock import NOW, at, days_from_now
from ..factories import (
    at_once,
    book,
    make_bookable_therapist,
    make_booking,
    make_user,
    make_waitlist_entry,
    make_working_hours,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clock", "rules"),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks and exclusion constraints"),
]

TEN = at(days_from_now(6), "10:00")
LATER = NOW + datetime.timedelta(minutes=3)


@pytest.fixture
def offer(alice, sports):
    """Alice's open offer of Gill's 10:00 on Tuesday, freed by a cancellation."""
    gill = make_bookable_therapist("gill")
    make_working_hours(gill)
    cancelled = book(sports, gill, TEN)
    booking_cancel(booking_id=cancelled.pk, now=NOW)
    make_waitlist_entry(alice, sports)
    assert offers.waitlist_run(now=LATER) == 1
    return WaitlistOffer.objects.select_related("hold").get()


def accept(offer, alice, sports, *, while_booking=lambda: None):
    def booking():
        while_booking()
        return book(sports, offer.hold.therapist, TEN, client=alice, now=LATER)

    return offer_accept(offer_id=offer.pk, client=alice, book=booking, now=LATER)


def test_two_accepts_of_one_offer_at_once_give_one_booking(offer, alice, sports):
    outcomes = at_once(lambda: accept(offer, alice, sports), lambda: accept(offer, alice, sports))

    booked = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, OfferError)]
    assert (len(booked), len(refused)) == (1, 1), outcomes
    assert "already been answered" in str(refused[0])
    assert Booking.objects.filter(start=TEN, status=Booking.Status.CONFIRMED).count() == 1


def test_a_booking_written_past_every_check_meets_the_hold_in_the_constraint(offer, sports):
    with pytest.raises(IntegrityError, match="booking_no_overlap_per_therapist"), transaction.atomic():
        make_booking(therapist=offer.hold.therapist, session_type=sports, start=TEN)


def test_an_offer_lapsing_while_it_is_accepted_has_one_outcome(offer, alice, sports):
    inside, go_on = threading.Event(), threading.Event()
    result: list[object] = []

    def accepting() -> None:
        try:
            result.append(accept(offer, alice, sports, while_booking=lambda: (inside.set(), go_on.wait(10))))
        except Exception as error:  # shown by the assertions
            result.append(error)
        finally:
            inside.set()
            connection.close()

    thread = threading.Thread(target=accepting)
    thread.start()
    assert inside.wait(10)
    lapsed = offers_lapse(now=offer.respond_by)  # the accept holds the offer: passed over
    go_on.set()
    thread.join(timeout=30)

    assert lapsed == 0
    assert isinstance(result[0], Booking), result
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.ACCEPTED
    # And once the time to answer has passed, the lapse finds nothing open to end.
    assert offers_lapse(now=offer.respond_by + datetime.timedelta(minutes=1)) == 0
    assert Booking.objects.filter(start=TEN).exclude(status=Booking.Status.CANCELLED).count() == 1


def test_two_clients_taking_one_time_offered_to_both_give_one_booking(alice, sports):
    gill = make_bookable_therapist("gill")
    make_working_hours(gill)
    noon = datetime.datetime(2030, 1, 16, 12, 0, tzinfo=LONDON)  # inside 3 hours: offered to both
    booking_cancel(booking_id=book(sports, gill, noon).pk, now=NOW)
    bea = make_user("bea", email="bea@example.com")
    make_waitlist_entry(alice, sports, joined_at=NOW - datetime.timedelta(days=2))
    make_waitlist_entry(bea, sports, joined_at=NOW - datetime.timedelta(days=1))
    assert offers.waitlist_run(now=LATER) == 2

    def take(offer: WaitlistOffer):
        client = offer.entry.client
        return lambda: offer_accept(
            offer_id=offer.pk,
            client=client,
            book=lambda: book(sports, gill, noon, client=client, now=LATER),
            now=LATER,
        )

    outcomes = at_once(*(take(o) for o in WaitlistOffer.objects.select_related("entry__client").order_by("pk")))

    booked = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, OfferError)]
    assert (len(booked), len(refused)) == (1, 1), outcomes
    assert "took it first" in str(refused[0])
    assert Booking.objects.filter(start=noon, status=Booking.Status.CONFIRMED).count() == 1


def test_an_earlier_move_and_a_new_booking_racing_for_the_held_time_give_one_winner(alice, sports):
    gill = make_bookable_therapist("gill")
    make_working_hours(gill)
    friday = book(sports, gill, at(days_from_now(9), "15:00"), client=alice)
    entry_join_earlier(client=alice, booking_id=friday.pk, windows=["morning"], notice_hours=2, now=NOW)
    booking_cancel(booking_id=book(sports, gill, TEN).pk, now=NOW)
    assert offers.waitlist_run(now=LATER) == 1
    offer = WaitlistOffer.objects.get()
    moved, newcomer = at_once(
        lambda: offer_accept(
            offer_id=offer.pk,
            client=alice,
            book=lambda: booking_reschedule(booking_id=friday.pk, start=TEN, changed_by=alice, now=LATER),
            now=LATER,
        ),
        lambda: book(sports, gill, TEN, now=LATER),
    )

    assert isinstance(moved, Booking), moved
    assert isinstance(newcomer, SlotNotFree), newcomer
    assert list(Booking.objects.filter(start=TEN).exclude(status=Booking.Status.CANCELLED)) == [friday]
