"""Celery tasks, at the top of the app: each loads by id or calls one service, nothing more.
BookingsConfig.ready() hands send_outbound_emails to the outbox, which queues it."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from bookings.messaging import outbox, registration_notices
from bookings.privacy import retention


@shared_task(name="bookings.dispatch_outbound_emails")
def dispatch_outbound_emails() -> int:
    """Every 30 s (beat), on a queue and a worker of its own (CELERY_TASK_ROUTES): behind the
    send tasks it would wait out their whole backlog."""
    return outbox.outbound_emails_dispatch()


# A database that does not answer (stopped, frozen, restarting) fails a send at once
# (clinic/db); without a retry the queue empties while it is down and the rows wait for the
# dispatcher's next hand-over, a minute or more after it is back. Retried every 10 s for up to
# 5 minutes, they go out within seconds of it waking. A retry claims its rows like any send, so
# one delivered twice sends each email once.
SEND_RETRY_SECONDS = 10
SEND_RETRIES = 30


@shared_task(
    name="bookings.send_outbound_emails",
    autoretry_for=(OperationalError, InterfaceError),
    default_retry_delay=SEND_RETRY_SECONDS,
    max_retries=SEND_RETRIES,
    retry_backoff=False,
    retry_jitter=False,
)
def send_outbound_emails(email_ids: list[int]) -> dict[int, str]:
    return outbox.outbound_emails_send(email_ids=email_ids)


@shared_task(name="bookings.registration_reminders_daily")
def registration_reminders_daily() -> int:
    """Daily (beat): write the CNHC check reminders that are due. Idempotent."""
    today = timezone.localdate()  # the London date: TIME_ZONE is Europe/London
    return registration_notices.registration_reminders_schedule(today=today)


@shared_task(name="bookings.erase_expired_records_daily")
def erase_expired_records_daily() -> dict[str, int]:
    """Daily (beat): apply the retention periods to every client, held records included. Idempotent."""
    return retention.retention_apply(today=timezone.localdate()).counts()
