"""Workers racing for the same emails (a task delivered twice, a lease run out): each email is
claimed by exactly one of them."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail

from ..factories import make_booking

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sending_all_day")]


def test_four_workers_claiming_the_same_emails_at_once_claim_each_exactly_once(bob, alice):
    booking = make_booking(therapist=bob, client=alice)
    now = timezone.now()
    emails = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            booking=booking, kind=OutboundEmail.Kind.BOOKING_REMINDER, to_email=f"c{n}@example.com", due_at=now
        )
        for n in range(200)
    )
    ids = [email.pk for email in emails]
    start = threading.Barrier(4)
    claims: list[list[int]] = []
    errors: list[str] = []

    def claim(order: list[int]):
        try:
            start.wait()
            claims.append(outbox.outbound_emails_claim(email_ids=order, now=now))
        except Exception as error:  # reported by the assertion below rather than lost in the thread
            errors.append(repr(error))
        finally:
            connection.close()

    # Each worker asks for the ids in a different order, as redelivered batches would.
    orders = [ids, ids[::-1], ids[::2] + ids[1::2], ids[100:] + ids[:100]]
    threads = [threading.Thread(target=claim, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    claimed = [pk for batch in claims for pk in batch]
    assert sorted(claimed) == sorted(ids)  # every email once, none twice
    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.INFLIGHT, attempts=1).count() == 200
