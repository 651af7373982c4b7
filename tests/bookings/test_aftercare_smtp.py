"""Aftercare through the whole stack: outbox rows, the dispatcher, a real Celery worker,
and a real SMTP server on 127.0.0.1."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail
from bookings.services.outcome import session_complete
from clinic.london import wall_clock_to_utc
from clinic.problems import Problem

from ..factories import consent_given, make_booking
from ..smtp import SMTPServer
from ..workers import start_worker, stop_worker, wait_for, worker_env

# On the real clock: the Celery worker is another process, which a frozen clock would not reach.
pytestmark = pytest.mark.django_db(transaction=True)


def test_due_aftercare_reaches_a_real_smtp_server_once_each(tmp_path, asha, alice, sending_all_day):
    # Three days ago at 10:00 and noon, London: notes written late in the evening would (rightly)
    # skip "the rest of today", and the suite runs at any hour.
    three_days_ago = timezone.localdate() - dt.timedelta(days=3)
    start = wall_clock_to_utc(three_days_ago, dt.time(10))
    booking = consent_given(make_booking(therapist=asha, client=alice, start=start))
    session_complete(
        therapist=asha,
        booking_id=booking.pk,
        areas_worked=["back-calf-left"],
        pressure_used=6,
        problem=Problem.ACHILLES,
        now=wall_clock_to_utc(three_days_ago, dt.time(12)),
    )
    # Everything is due now (the plan put them in the past, within sending hours).
    OutboundEmail.objects.update(due_at=timezone.now())

    with SMTPServer() as smtp:
        assert outbox.outbound_emails_dispatch() == 3
        worker = start_worker(worker_env(tmp_path, **sending_all_day, **smtp.env))
        try:
            arrived = wait_for(
                lambda: len(smtp.inbox) >= 3 and not OutboundEmail.objects.exclude(status="sent").exists()
            )
        finally:
            output = stop_worker(worker)

    assert arrived, output
    assert len(smtp.inbox) == 3
    assert all(count == 1 for count in smtp.inbox.message_ids.values())
    assert sorted(m["Subject"] for m in smtp.inbox.messages) == [
        "After your session: your advice for the rest of today",
        "The day after your session: your next steps",
        "Two days on: how do you feel now?",
    ]
