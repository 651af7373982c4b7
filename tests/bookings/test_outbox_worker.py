"""The outbox on a real Celery worker process, over the configured broker."""

import datetime

import pytest
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail
from bookings.tasks import send_outbound_emails

from ..factories import make_booking
from ..workers import start_worker, stop_worker, wait_for, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sending_all_day")]


def test_due_emails_reach_the_outbox_once_through_a_real_worker(tmp_path, bob, alice):
    # The worker runs in its own process on the real clock, so this test does too.
    booking = make_booking(therapist=bob, client=alice)
    now = timezone.now()
    emails = [
        outbox.outbound_email_schedule(
            booking=booking, kind=OutboundEmail.Kind.BOOKING_REMINDER, to_email=f"alice{n}@example.com", due_at=now
        )
        for n in range(3)
    ]
    later = outbox.outbound_email_schedule(
        booking=booking,
        kind=OutboundEmail.Kind.BOOKING_REMINDER,
        to_email="later@example.com",
        due_at=now + datetime.timedelta(days=1),
    )

    assert outbox.outbound_emails_dispatch() == 3
    # The broker delivers one of them a second time.
    send_outbound_emails.delay([emails[0].pk])

    worker = start_worker(worker_env(tmp_path))
    try:
        all_sent = wait_for(
            lambda: (
                OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count() == 3
                and not OutboundEmail.objects.filter(status=OutboundEmail.Status.INFLIGHT).exists()
            )
        )
        # Give the duplicate delivery time to be consumed (it is a no-op) before stopping.
        wait_for(lambda: False, timeout=2)
    finally:
        output = stop_worker(worker)

    assert all_sent, output
    written = "".join(path.read_text() for path in (tmp_path / "outbox").glob("*.log"))
    for email in emails:
        assert written.count(f"Message-ID: <outbound-{email.pk}@") == 1
    assert "later@example.com" not in written
    later.refresh_from_db()
    assert later.status == OutboundEmail.Status.QUEUED
