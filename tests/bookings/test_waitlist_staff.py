"""The staff's waitlist for a day: who is waiting and the offers open, in queries that do not
grow with the list; a free time offered to a place by hand; the day's fill rate; and nobody
without the clinic diary's permission sees any of it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import OutboundEmail, WaitlistOffer
from bookings.services.booking_changes import booking_cancel
from bookings.waitlist import offers
from bookings.waitlist.selectors import waitlist_day

from ..clock import NOW, at, days_from_now
from ..factories import book, make_user, make_waitlist_entry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)


def page(day=TUESDAY) -> str:
    return reverse("waitlist_day", args=[day.isoformat()])


def waiting(count: int, sports, *, first: int = 0, **fields) -> list:
    """``count`` clients waiting for ``sports``, Waiting<first> onwards."""
    return [
        make_waitlist_entry(make_user(f"w{n}", email=f"w{n}@example.com", first_name=f"Waiting{n}"), sports, **fields)
        for n in range(first, first + count)
    ]


def test_clients_and_therapists_without_the_permission_see_nothing(client, alice, asha):
    for user in (alice, asha.user):
        client.force_login(user)
        assert client.get(page()).status_code == 403


def test_the_day_lists_who_is_waiting_in_the_same_queries_however_many(admin_client, asha, sports):
    waiting(2, sports)
    admin_client.get(page())  # sessions, permissions and the like, read once
    with CaptureQueriesContext(connection) as two:
        first = admin_client.get(page())
    waiting(8, sports, first=2, therapist=asha)
    with CaptureQueriesContext(connection) as ten:
        second = admin_client.get(page())
    assert "Waiting1" in first.content.decode() and "Waiting9" in second.content.decode()
    assert len(ten.captured_queries) == len(two.captured_queries)


def test_staff_offer_a_free_time_by_hand_to_a_place_out_of_order(admin_client, asha, sports):
    first, second = waiting(2, sports)
    ten = at(TUESDAY, "10:00")
    answer = admin_client.post(page(), {"entry": second.pk, "time": f"{asha.pk}|{ten.isoformat()}"}, follow=True)

    assert "Offered to Waiting1" in answer.content.decode()
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.hold.therapist, offer.hold.start) == (second, asha, ten)
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.WAITLIST_OFFER, to_email="w1@example.com").exists()

    again = admin_client.post(page(), {"entry": second.pk, "time": f"{asha.pk}|{ten.isoformat()}"}, follow=True)
    assert "already have an offer open" in again.content.decode()
    taken = admin_client.post(page(), {"entry": first.pk, "time": f"{asha.pk}|{ten.isoformat()}"}, follow=True)
    assert "no longer free" in taken.content.decode()
    forged = admin_client.post(page(), {"entry": first.pk, "time": "nonsense"}, follow=True)
    assert "Please choose a time to offer." in forged.content.decode()
    assert WaitlistOffer.objects.count() == 1


def test_the_days_fill_rate_counts_times_given_up_and_taken_from_the_list(asha, sports, alice):
    for hour in ("10:00", "12:00"):
        booking_cancel(booking_id=book(sports, asha, at(TUESDAY, hour)).pk, now=NOW)
    make_waitlist_entry(alice, sports)
    offers.waitlist_run(now=NOW + datetime.timedelta(minutes=3))
    WaitlistOffer.objects.update(status=WaitlistOffer.Status.ACCEPTED)  # as if she took it

    day = waitlist_day(day=TUESDAY, now=NOW)
    assert (day.freed, day.filled, day.fill_rate) == (2, 1, 0.5)


def test_the_therapist_sees_who_is_waiting_for_them_that_day(client, asha, sports, alice):
    make_waitlist_entry(alice, sports, therapist=asha)
    waiting(2, sports)  # any therapist
    client.force_login(asha.user)
    day = client.get(reverse("diary:day", args=[TUESDAY.isoformat()])).content.decode()
    assert "Waiting for a time" in day and "Alice" in day
    assert "2 waiting for any therapist" in day
