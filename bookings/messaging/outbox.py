"""The email outbox: rows in OutboundEmail are the schedule, Celery only carries ids.

Why rows and not broker ETAs: a task delayed for a day outlives Redis's visibility timeout and
is delivered again, and a broker restart can lose it. Here beat runs the dispatcher every
OUTBOX_DISPATCH_EVERY_SECONDS (30 s unless set), on a queue and a worker of its own
(CELERY_TASK_ROUTES), so it never waits behind a backlog of sends; the dispatcher queues due
rows, a few ids to a task; the send task claims each row by re-checking its status under a row lock, so duplicate
deliveries and racing workers send once.

Delivery is at least once. An email is recorded sent only after the server has accepted it
(SMTP's 250), so nothing recorded sent was not accepted. A worker killed between the 250 and
that record leaves the claim to run out (CLAIM_LEASE, a minute unless set) and the email is
sent again, with the same Message-ID, which mail systems and people recognise as one message. A
send task stops starting emails well before its claim runs out (SEND_WITHIN), so an orphaned
worker process never sends a row another worker has taken over. A row whose broker message was
lost (Redis restarted empty, a worker killed before it acknowledged) is handed over again after
REDISPATCH_AFTER. Temporary SMTP failures wait out RETRY_BACKOFF; permanent ones are FAILED.
One attempt sends at most once: a connection lost once the message's DATA has begun is not
retried within the attempt (the server may have stored it), and a second such loss ends the
row FAILED and marked "may have arrived" for an admin to check, instead of sending more copies.
What the clinic sends on its own schedule (OutboundEmail.SENDING_HOURS_ONLY: reminders,
aftercare, "book again") never leaves in London's quiet hours, whatever made it due: checked
when a row is dispatched or claimed, and again just before each email goes to the server.

Beyond the rules written here (nothing about a cancelled booking; aftercare only after an
attended session, never to an opted-out address; nothing unasked-for at night) the outbox
knows no booking rule. The rest is handed to it once, by BookingsConfig.ready(): the Celery
task it queues ids on (publish_with), and for a kind of email that may stop being wanted
before it is due ("book again" once consent is withdrawn), the check that says so
(still_wanted_register). So it imports neither the tasks module nor the privacy room, both
above it.
"""

import datetime
import logging
import smtplib
import time
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

from bookings.clinical import aftercare
from bookings.messaging import email_content
from bookings.models import AftercareOptOut, Booking, OutboundEmail
from clinic.emails import DeliveryUncertain, send_email

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status

CLAIM_LEASE = datetime.timedelta(seconds=settings.OUTBOX_CLAIM_LEASE_SECONDS)
# A send task starts no email after this much of its lease: with the SMTP timeout, the last
# one it starts finishes before the lease runs out and another worker may take the row.
SEND_WITHIN = CLAIM_LEASE / 2
# A row handed to the broker is not handed over again until this has passed.
REDISPATCH_AFTER = datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
# Waits before attempts 2, 3, ...; after the last one the email is marked FAILED.
RETRY_BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
]
DISPATCH_BATCH = 1000
# Emails per send task; small enough that a batch spreads over the worker's processes.
SEND_BATCH = 50
# One dispatcher run hands over at most this many; the next run takes the rest.
DISPATCH_MAX_PER_RUN = 50_000

# A check asked just before an email of its kind is sent: why it must not go, or None.
StillWantedCheck = Callable[[OutboundEmail], str | None]

# Set once by BookingsConfig.ready() (see the module's docstring).
_send_task = None
_still_wanted: dict[str, StillWantedCheck] = {}


def publish_with(send_task) -> None:
    """Sets the Celery task the dispatcher queues batches of ids on: one taking a list of
    email ids and calling outbound_emails_send (bookings.tasks.send_outbound_emails)."""
    global _send_task
    _send_task = send_task


def still_wanted_register(kind: str, check: StillWantedCheck) -> None:
    """Has the outbox ask ``check`` about each email of ``kind`` just before sending it: an
    answer (a reason) cancels the email with that reason as its error; None lets it go. One
    check per kind; registering again replaces it."""
    _still_wanted[kind] = check


def _wired_send_task():
    if _send_task is None:
        raise ImproperlyConfigured(
            "The outbox has no send task to queue emails on: BookingsConfig.ready() wires it with "
            "outbox.publish_with(bookings.tasks.send_outbound_emails). Is bookings in INSTALLED_APPS?"
        )
    return _send_task


def _due(now: datetime.datetime) -> Q:
    pending = Q(status__in=OutboundEmail.PENDING, due_at__lte=now)
    abandoned = Q(status=Status.INFLIGHT, claimed_at__lt=now - CLAIM_LEASE)
    due = pending | abandoned
    if aftercare.is_quiet_time(now):
        # Checked when sending, not only when planning: a late note, a retry or an admin's
        # "send again" must not wake a client at night either.
        due &= ~Q(kind__in=OutboundEmail.SENDING_HOURS_ONLY)
    return due


def outbound_email_schedule(
    *,
    kind: str,
    to_email: str,
    due_at: datetime.datetime,
    booking: Booking | None = None,
    therapist=None,
    extra: dict | None = None,
) -> OutboundEmail:
    """Adds one email to the outbox, about a booking or (registration emails) a therapist; the
    dispatcher sends it once due_at has passed. Call it inside the transaction that makes the
    change the email reports, so the email exists exactly when the change does."""
    return OutboundEmail.objects.create(
        booking=booking, therapist=therapist, kind=kind, to_email=to_email, due_at=due_at, extra=extra or {}
    )


def outbound_emails_cancel(*, booking_id: int) -> int:
    """Cancels every email for the booking that has not started sending; returns how many."""
    return OutboundEmail.objects.filter(booking_id=booking_id, status__in=OutboundEmail.PENDING).update(
        status=Status.CANCELLED
    )


def outbound_emails_send_again(*, email_ids: list[int], now: datetime.datetime | None = None) -> int:
    """Puts FAILED emails back in the queue, due now and with a fresh run of attempts, once
    an admin has fixed the cause (a mail server down for longer than the backoff, a mistyped
    address). Emails in any other state are left alone. Returns how many were queued."""
    return OutboundEmail.objects.filter(pk__in=email_ids, status=Status.FAILED).update(
        status=Status.QUEUED, due_at=now or timezone.now(), attempts=0, dispatched_at=None, claimed_at=None
    )


def outbound_emails_resend(*, email_ids: list[int], now: datetime.datetime | None = None) -> int:
    """Queues a fresh copy of each SENT email (a client who lost a confirmation, say), due now:
    a new row, so a new Message-ID, since it is a new message on purpose. What it says is read
    when it is sent, as for any email. Emails in any other state are left alone. Returns how
    many copies were queued."""
    now = now or timezone.now()
    sent = OutboundEmail.objects.filter(pk__in=email_ids, status=Status.SENT)
    copies = [
        OutboundEmail(
            booking_id=email.booking_id,
            therapist_id=email.therapist_id,
            kind=email.kind,
            to_email=email.to_email,
            extra=email.extra,
            due_at=now,
        )
        for email in sent
    ]
    return len(OutboundEmail.objects.bulk_create(copies))


def outbound_emails_dispatch(*, now: datetime.datetime | None = None) -> int:
    """Queues a send task for each due email not handed to the broker recently; returns how
    many. Works in batches, each marking its rows dispatched in its own transaction and
    sending the task ids only after commit, so overlapping runs never both queue a row."""
    _wired_send_task()  # before any row is marked dispatched, not after the commit
    now = now or timezone.now()
    total = 0
    while total < DISPATCH_MAX_PER_RUN:
        queued = _dispatch_batch(now)
        total += queued
        if queued < DISPATCH_BATCH:
            break
    return total


def _dispatch_batch(now: datetime.datetime) -> int:
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(_due(now))
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
            .order_by("due_at")
            .values_list("pk", flat=True)[:DISPATCH_BATCH]
        )
        OutboundEmail.objects.filter(pk__in=ids).update(dispatched_at=now)
        if ids:
            transaction.on_commit(lambda: _publish(ids))
    return len(ids)


def _publish(ids: list[int]) -> None:
    send_task = _wired_send_task()
    # One producer for the whole dispatch batch: acquiring one per task triples the cost of
    # queuing. Each task carries a few rows, so a worker pays Celery's per-task cost and the
    # claim's commit once per SEND_BATCH emails rather than once per email.
    with current_app.producer_or_acquire() as producer:
        for start in range(0, len(ids), SEND_BATCH):
            send_task.apply_async((ids[start : start + SEND_BATCH],), producer=producer)


def outbound_emails_claim(*, email_ids: list[int], now: datetime.datetime) -> list[int]:
    """Marks INFLIGHT those of the emails that are due (or whose last claim was abandoned) and
    returns their ids. Each row is claimed at most once: the rows are locked and re-checked in
    the database (PostgreSQL re-evaluates the WHERE clause on the locked row; SQLite's
    IMMEDIATE transaction holds the only write lock), so a task delivered twice, or two
    workers holding the same id, claim it once between them."""
    with transaction.atomic():
        claimed = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(_due(now), pk__in=email_ids)
            .values_list("pk", flat=True)
        )
        OutboundEmail.objects.filter(pk__in=claimed).update(
            status=Status.INFLIGHT, claimed_at=now, attempts=F("attempts") + 1
        )
    return claimed


def outbound_emails_send(*, email_ids: list[int], now: datetime.datetime | None = None) -> dict[int, str]:
    """Claims and sends the given emails; returns the new status of each one claimed (an id
    missing from the answer was taken by another task or is no longer due). An email about a
    cancelled booking is never sent, nor one its kind's still-wanted check turns down: both
    are CANCELLED, with the reason as last_error.

    Each email is recorded sent as soon as the server has accepted it, never at the end of
    the batch: a worker killed mid-batch leaves the emails it had sent recorded and the rest
    to be claimed again after the lease. Emails the task has not started by SEND_WITHIN are
    handed back, due at once, for another task."""
    now = now or timezone.now()
    claimed = outbound_emails_claim(email_ids=email_ids, now=now)
    if not claimed:
        return {}
    emails = list(
        OutboundEmail.objects.filter(pk__in=claimed)
        .select_related(
            "booking__therapist", "booking__session_type", "booking__session_note", "booking__room", "therapist__user"
        )
        .order_by("pk")
    )
    opted_out = set(
        # UPPER, as email__iexact compares, so the opt-outs' one expression index serves both.
        AftercareOptOut.objects.annotate(address=Upper("email"))
        .filter(address__in=[email.to_email.upper() for email in emails if email.kind in OutboundEmail.AFTERCARE])
        .values_list("address", flat=True)
    )
    results: dict[int, str | None] = {}
    started = time.monotonic()
    for position, email in enumerate(emails):
        elapsed = time.monotonic() - started
        if elapsed >= SEND_WITHIN.total_seconds():
            _release(emails[position:])
            break
        try:
            # The clock as this email reaches the server, not as the batch was claimed: a
            # batch claimed at 19:59:50 may still be sending at 20:00:30.
            at = now + datetime.timedelta(seconds=elapsed)
            results[email.pk] = _send_claimed(email, now, at=at, opted_out=opted_out)
        except ServerUnavailable as unavailable:
            # No point trying the rest against a server that is not answering: they wait
            # out the same backoff as this one.
            for waiting in emails[position:]:
                results[waiting.pk] = _retry_or_fail(waiting, now, str(unavailable))
            break
    return {pk: status for pk, status in results.items() if status is not None}


class ServerUnavailable(Exception):
    """The SMTP server is not answering; its argument says how. An infrastructure signal that
    the send is retried later, not a refusal for a person to read: so not a ServiceError
    (clinic.errors), and no page ever shows it."""


def _send_claimed(
    email: OutboundEmail, now: datetime.datetime, *, at: datetime.datetime, opted_out: set[str]
) -> str | None:
    booking = email.booking  # None for a registration email: no booking can make it void
    if booking is not None:
        if booking.status == Booking.Status.CANCELLED and email.kind in OutboundEmail.VOID_WHEN_CANCELLED:
            return _finish(email, Status.CANCELLED, error="The booking was cancelled.")
        if email.kind in OutboundEmail.AFTERCARE and (
            booking.status != Booking.Status.ATTENDED or email.to_email.upper() in opted_out
        ):
            return _finish(
                email, Status.CANCELLED, error="No aftercare: the session was not attended or the client opted out."
            )
    if (check := _still_wanted.get(email.kind)) and (reason := check(email)):
        return _finish(email, Status.CANCELLED, error=reason)
    if email.kind in OutboundEmail.SENDING_HOURS_ONLY and aftercare.is_quiet_time(at):
        return _hold_for_the_morning(email, at)
    try:
        context = email_content.email_context(email)
        send_email(
            email.kind,
            to=[email.to_email],
            context=context,
            attachments=email_content.email_parts(email),
            # The same Message-ID on every attempt lets mail systems and people recognise a
            # resend after a crash as the same message.
            headers={"Message-ID": email.message_id, **email_content.email_headers(email, context)},
        )
    except DeliveryUncertain as error:
        return _maybe_delivered(email, now, str(error))
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            return _retry_or_fail(email, now, f"{error.smtp_code} {error.smtp_error!r}")
        return _finish(email, Status.FAILED, error=f"{error.smtp_code} {error.smtp_error!r}")
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        return _finish(email, Status.FAILED, error=repr(error))
    except (OSError, smtplib.SMTPException) as error:
        # Connection refused, timeouts, disconnects: the server may be back soon.
        raise ServerUnavailable(repr(error)) from error
    except DatabaseError:
        raise  # the rest of the batch cannot be recorded either; the lease brings it all back
    except Exception as error:
        # A bug in building this one email (a template, say) must not hold up the others,
        # and retrying it will not help: admins see it among the failed emails.
        logger.exception("Email %s could not be built", email.pk)
        return _finish(email, Status.FAILED, error=repr(error))
    recorded = _finish(email, Status.SENT, sent_at=timezone.now())
    if recorded is None:
        # Our claim ran out while the server took it, and another worker has the row: it
        # will send the same Message-ID again. Rare (see SEND_WITHIN), and a copy, not a loss.
        logger.warning("Email %s was sent after its claim ran out", email.pk)
    return recorded


def _release(emails: list[OutboundEmail]) -> None:
    """Hands claimed but unstarted emails back, due at once and dispatchable again, without
    counting an attempt. One statement: the batch's rows were all claimed at the same instant,
    and a row another worker has claimed since has another claimed_at, so it is left alone."""
    OutboundEmail.objects.filter(
        pk__in=[email.pk for email in emails], status=Status.INFLIGHT, claimed_at=emails[0].claimed_at
    ).update(status=Status.QUEUED, claimed_at=None, dispatched_at=None, attempts=F("attempts") - 1)


def _hold_for_the_morning(email: OutboundEmail, at: datetime.datetime) -> str | None:
    """Puts an email that reached the server's door in quiet hours back, due when they end,
    unsent and with the attempt not counted (its last error, if any, kept)."""
    return _finish(
        email,
        Status.QUEUED,
        error=None,
        due_at=aftercare.within_sending_hours(at),
        attempts=F("attempts") - 1,
        claimed_at=None,
    )


def _maybe_delivered(email: OutboundEmail, now: datetime.datetime, error: str) -> str | None:
    """The server may have stored the email (the connection failed after its DATA). The first
    time, it is retried after the backoff like a temporary refusal, with the same Message-ID;
    the second time it is FAILED, so a server that keeps storing and dropping gets two copies
    at most. Either way the row says it may have arrived, for an admin to check before
    sending it again."""
    error = f"The server may have received this email: the connection failed before it confirmed ({error})."
    if email.maybe_delivered:
        return _finish(email, Status.FAILED, error=error)
    return _retry_or_fail(email, now, error, maybe_delivered=True)


def _retry_or_fail(email: OutboundEmail, now: datetime.datetime, error: str, **fields) -> str | None:
    if email.attempts > len(RETRY_BACKOFF):
        return _finish(email, Status.FAILED, error=error, **fields)
    logger.warning("Email %s will be retried: %s", email.pk, error)
    due_at = now + RETRY_BACKOFF[email.attempts - 1]
    return _finish(email, Status.AWAITING_RETRY, error=error, due_at=due_at, **fields)


def _finish(email: OutboundEmail, status: str, *, error: str | None = "", **fields) -> str | None:
    """Records the outcome of our claim (error None keeps the last error); returns None if the
    claim was no longer ours (the lease ran out and another worker took the row over: its
    result wins)."""
    fields.setdefault("sent_at", None)
    if error is not None:
        fields["last_error"] = error
    updated = OutboundEmail.objects.filter(pk=email.pk, status=Status.INFLIGHT, claimed_at=email.claimed_at).update(
        status=status, dispatched_at=None, **fields
    )
    return status if updated else None
