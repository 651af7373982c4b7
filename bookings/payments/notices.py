"""The client's note of money moved: a refund made or a fee charged, as an outbox email
written in the same transaction as the ledger entry it reports (no health details: the
amount, the booking's day and therapist, and why)."""

import datetime

from bookings.messaging.outbox import outbound_email_schedule
from bookings.models import Booking, OutboundEmail


def payment_notice_schedule(*, booking: Booking, what: str, pence: int, why: str, now: datetime.datetime) -> None:
    outbound_email_schedule(
        booking=booking,
        kind=OutboundEmail.Kind.PAYMENT_NOTICE,
        to_email=booking.client_email,
        due_at=now,
        extra={"what": what, "pence": pence, "why": why},
    )
