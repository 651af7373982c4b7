"""Sending what the outbox has due, as the dispatcher and a worker would, in the test's process."""

import datetime

from django.core import mail
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail


def send_due_emails(now=None) -> list:
    """Sends every email due at ``now`` (default: the current, possibly frozen, time) and
    returns the messages that went."""
    now = now or timezone.now()
    before = len(mail.outbox)
    due = OutboundEmail.objects.filter(status__in=OutboundEmail.PENDING, due_at__lte=now)
    outbox.outbound_emails_send(email_ids=list(due.values_list("pk", flat=True)), now=now)
    return mail.outbox[before:]


def outbound_email_send(*, email_id: int, now: datetime.datetime | None = None) -> str:
    """Claims and sends one email, as a send task would; returns its new status, or "skipped"
    when another task has it or it is no longer due."""
    return outbox.outbound_emails_send(email_ids=[email_id], now=now).get(email_id, "skipped")
