"""The outbox's dispatcher never waits behind send tasks: beat's dispatch goes to a queue of its
own, which a worker of its own consumes (make run, make worker and docker-compose alike). With
one first-in-first-out queue, the dispatch that brings a killed worker's emails back waited
minutes behind thousands of sends (issue 27)."""

import re
import subprocess

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail
from bookings.tasks import send_outbound_emails

from ..factories import make_booking
from ..workers import ROOT, start_worker, stop_worker, wait_for, worker_env

BACKLOG = 300


def queue_length(name: str) -> int:
    with current_app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(name, passive=True).message_count


def purge(name: str) -> None:
    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(name)


@pytest.mark.django_db(transaction=True)
def test_beats_dispatch_runs_at_once_behind_a_backlog_of_sends(tmp_path, bob, alice):
    booking = make_booking(therapist=bob, client=alice)
    due = outbox.outbound_email_schedule(
        booking=booking, kind=OutboundEmail.Kind.BOOKING_CONFIRMATION, to_email=alice.email, due_at=timezone.now()
    )
    send_queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with current_app.producer_or_acquire() as producer:
        for _ in range(BACKLOG):  # no worker takes these: the send worker is busy, or dead
            send_outbound_emails.apply_async(([0],), producer=producer)
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-outbound-emails"]

    # As beat sends it: by name, with the entry's options, routed by the settings.
    current_app.send_task(entry["task"], **entry.get("options", {}))
    worker = start_worker(worker_env(tmp_path), queue=settings.OUTBOX_DISPATCH_QUEUE)
    try:
        dispatched = wait_for(lambda: OutboundEmail.objects.filter(pk=due.pk, dispatched_at__isnull=False).exists())
    finally:
        output = stop_worker(worker)
        backlog = queue_length(send_queue)
        purge(send_queue)

    assert dispatched, output
    # The backlog is untouched, and the dispatched email waits behind it for a send worker.
    assert backlog == BACKLOG + 1


def test_make_run_and_make_worker_start_a_worker_for_each_queue():
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.OUTBOX_DISPATCH_QUEUE]
    for target in ("run", "worker"):
        commands = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
        ).stdout

        assert sorted(re.findall(r"celery -A clinic worker [^&\n]*-Q (\S+)", commands)) == sorted(queues), commands
