"""Sending what the outbox has due, as the dispatcher and a worker would, in the test's process."""

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
