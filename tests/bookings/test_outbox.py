import datetime
import smtplib

import pytest
from django.conf import settings
from django.core import mail

from bookings.messaging import email_content, outbox
from bookings.models import Booking, OutboundEmail
from clinic.selectors import clinic_get

from ..clock import NOW, at, days_from_now
from ..factories import make_booking
from ..outbox import outbound_email_send

# The outbox is told NOW; the clock stands there too, as it would when the task runs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Status = OutboundEmail.Status
MONDAY = days_from_now(5)  # next Monday, 21 January 2030


@pytest.fixture
def booking(alice, bob):
    """Alice's session with bob next Monday at 09:30."""
    return make_booking(therapist=bob, client=alice, start=at(MONDAY, "09:30"))


def schedule(booking, kind=OutboundEmail.Kind.BOOKING_CONFIRMATION, due_at=NOW):
    return outbox.outbound_email_schedule(booking=booking, kind=kind, to_email="alice@example.com", due_at=due_at)


def reload(email):
    email.refresh_from_db()
    return email


def test_a_due_email_is_sent_once_even_when_the_task_is_delivered_twice(booking):
    email = schedule(booking)

    assert outbound_email_send(email_id=email.pk, now=NOW) == Status.SENT
    assert outbound_email_send(email_id=email.pk, now=NOW) == "skipped"

    assert len(mail.outbox) == 1
    assert reload(email).status == Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None


def test_an_email_is_not_sent_before_it_is_due(booking):
    email = schedule(booking, due_at=NOW + datetime.timedelta(minutes=1))

    assert outbound_email_send(email_id=email.pk, now=NOW) == "skipped"
    assert mail.outbox == []
    assert reload(email).status == Status.QUEUED


def test_the_dispatcher_queues_each_due_email_once_until_the_redispatch_window_passes(
    booking, django_capture_on_commit_callbacks
):
    due = schedule(booking)
    schedule(booking, due_at=NOW + datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks() as queued:
        assert outbox.outbound_emails_dispatch(now=NOW) == 1
    assert len(queued) == 1
    assert outbox.outbound_emails_dispatch(now=NOW + datetime.timedelta(minutes=1)) == 0
    assert outbox.outbound_emails_dispatch(now=NOW + outbox.REDISPATCH_AFTER + datetime.timedelta(seconds=1)) == 1
    assert reload(due).status == Status.QUEUED


def test_an_email_about_a_cancelled_booking_is_never_sent(booking):
    email = schedule(booking)
    booking.status = Booking.Status.CANCELLED
    booking.save()

    assert outbound_email_send(email_id=email.pk, now=NOW) == Status.CANCELLED
    assert mail.outbox == []


def test_cancelling_a_booking_cancels_its_pending_emails_but_not_sent_ones(booking):
    sent = schedule(booking)
    outbound_email_send(email_id=sent.pk, now=NOW)
    pending = schedule(booking, kind=OutboundEmail.Kind.BOOKING_REMINDER, due_at=NOW + datetime.timedelta(days=6))

    assert outbox.outbound_emails_cancel(booking_id=booking.pk) == 1

    assert reload(pending).status == Status.CANCELLED
    assert reload(sent).status == Status.SENT
    assert outbound_email_send(email_id=pending.pk, now=NOW + datetime.timedelta(days=7)) == "skipped"


def failing_with(monkeypatch, error):
    def send_email(*args, **kwargs):
        raise error

    monkeypatch.setattr(outbox, "send_email", send_email)


def test_a_temporary_smtp_failure_waits_and_then_retries(booking, monkeypatch):
    email = schedule(booking)
    failing_with(monkeypatch, smtplib.SMTPResponseException(421, b"Try again later"))

    assert outbound_email_send(email_id=email.pk, now=NOW) == Status.AWAITING_RETRY
    assert reload(email).due_at == NOW + outbox.RETRY_BACKOFF[0]
    assert "421" in email.last_error
    assert outbound_email_send(email_id=email.pk, now=NOW + datetime.timedelta(seconds=30)) == "skipped"

    monkeypatch.undo()
    assert outbound_email_send(email_id=email.pk, now=NOW + outbox.RETRY_BACKOFF[0]) == Status.SENT
    assert reload(email).attempts == 2
    assert len(mail.outbox) == 1


def test_an_unreachable_server_is_retried_until_the_backoff_runs_out(booking, monkeypatch):
    email = schedule(booking)
    failing_with(monkeypatch, ConnectionRefusedError(111, "Connection refused"))

    when = NOW
    for _ in outbox.RETRY_BACKOFF:
        assert outbound_email_send(email_id=email.pk, now=when) == Status.AWAITING_RETRY
        when = reload(email).due_at
    assert outbound_email_send(email_id=email.pk, now=when) == Status.FAILED
    assert reload(email).attempts == len(outbox.RETRY_BACKOFF) + 1


def test_a_permanent_smtp_failure_is_marked_failed_at_once(booking, monkeypatch):
    email = schedule(booking)
    failing_with(monkeypatch, smtplib.SMTPResponseException(550, b"No such user"))

    assert outbound_email_send(email_id=email.pk, now=NOW) == Status.FAILED
    assert "550" in reload(email).last_error
    assert outbound_email_send(email_id=email.pk, now=NOW + datetime.timedelta(days=1)) == "skipped"


def test_an_email_claimed_by_a_worker_that_died_is_sent_after_the_lease(booking):
    email = schedule(booking)
    assert outbox.outbound_emails_claim(email_ids=[email.pk], now=NOW) == [
        email.pk
    ]  # ... and the worker is killed here

    assert outbound_email_send(email_id=email.pk, now=NOW + datetime.timedelta(minutes=1)) == "skipped"
    later = NOW + outbox.CLAIM_LEASE + datetime.timedelta(seconds=1)
    assert outbox.outbound_emails_dispatch(now=later) == 1
    assert outbound_email_send(email_id=email.pk, now=later) == Status.SENT
    assert len(mail.outbox) == 1


def test_the_confirmation_has_the_session_details_and_a_calendar_file(booking):
    email = schedule(booking)

    outbound_email_send(email_id=email.pk, now=NOW)

    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.reply_to == [clinic_get().email]  # a reply reaches the clinic, as pages promise
    assert message.subject == "Booked: your session with Bob Okafor, Monday 21 January, 09:30"
    assert "Monday 21 January 2030, 09:30 to 10:30 (UK time)" in message.body
    assert "Loose shorts" in message.body
    assert "24 hours before the start" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Monday 21 January 2030, 09:30 to 10:30" in html
    [(filename, ics, ics_type)] = message.attachments
    assert (filename, ics_type) == ("booking.ics", "text/calendar; method=REQUEST")
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert f"UID:booking-{booking.pk}@" in ics
    assert "DTSTART;TZID=Europe/London:20300121T093000" in ics
    assert "BEGIN:VTIMEZONE" in ics
    assert "LOCATION:" in ics


def test_the_reminder_renders_without_the_calendar_file(booking):
    email = schedule(booking, kind=OutboundEmail.Kind.BOOKING_REMINDER)

    outbound_email_send(email_id=email.pk, now=NOW)

    [message] = mail.outbox
    assert message.subject == "Monday 21 January: your session with Bob Okafor at 09:30"
    assert message.attachments == []


def test_the_dispatcher_hands_over_a_backlog_in_batches_in_one_run(
    booking, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(outbox, "DISPATCH_BATCH", 2)
    for _ in range(5):
        schedule(booking)

    with django_capture_on_commit_callbacks() as batches:
        assert outbox.outbound_emails_dispatch(now=NOW) == 5

    assert len(batches) == 3
    assert OutboundEmail.objects.filter(dispatched_at=NOW).count() == 5


def test_a_send_task_claims_each_of_its_emails_once_even_when_delivered_twice(booking):
    emails = [schedule(booking, kind=OutboundEmail.Kind.BOOKING_REMINDER) for _ in range(3)]
    ids = [email.pk for email in emails]

    assert outbox.outbound_emails_send(email_ids=ids, now=NOW) == dict.fromkeys(ids, Status.SENT)
    assert outbox.outbound_emails_send(email_ids=ids, now=NOW) == {}

    assert sorted(message.extra_headers["Message-ID"] for message in mail.outbox) == sorted(
        f"<outbound-{pk}@{settings.SITE_HOST}>" for pk in ids
    )


def test_the_dispatcher_gives_each_send_task_a_few_emails(booking, monkeypatch, django_capture_on_commit_callbacks):
    from bookings.tasks import send_outbound_emails

    monkeypatch.setattr(outbox, "SEND_BATCH", 2)
    queued = [schedule(booking).pk for _ in range(5)]
    tasks = []
    monkeypatch.setattr(send_outbound_emails, "apply_async", lambda args, **options: tasks.append(args[0]))

    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbound_emails_dispatch(now=NOW)

    assert tasks == [queued[0:2], queued[2:4], queued[4:5]]


def test_when_the_server_stops_answering_the_rest_of_the_task_waits_to_retry(booking, monkeypatch):
    emails = [schedule(booking, kind=OutboundEmail.Kind.BOOKING_REMINDER) for _ in range(3)]
    real_send_email = outbox.send_email
    calls = []

    def send_then_lose_the_server(*args, **kwargs):
        calls.append(kwargs["to"])
        if len(calls) > 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        real_send_email(*args, **kwargs)

    monkeypatch.setattr(outbox, "send_email", send_then_lose_the_server)

    results = outbox.outbound_emails_send(email_ids=[email.pk for email in emails], now=NOW)

    assert len(calls) == 2  # the third is not tried against a server that just went away
    assert [results[email.pk] for email in emails] == [Status.SENT, Status.AWAITING_RETRY, Status.AWAITING_RETRY]
    assert [reload(email).due_at for email in emails[1:]] == [NOW + outbox.RETRY_BACKOFF[0]] * 2
    assert len(mail.outbox) == 1


def test_an_email_that_cannot_be_built_fails_alone(booking, monkeypatch, caplog):
    broken, fine = schedule(booking), schedule(booking, kind=OutboundEmail.Kind.BOOKING_REMINDER)
    real_attachments = email_content.email_attachments

    def attachments(email):
        if email.pk == broken.pk:
            raise ValueError("a bug in building this email")
        return real_attachments(email)

    monkeypatch.setattr(email_content, "email_attachments", attachments)

    results = outbox.outbound_emails_send(email_ids=[broken.pk, fine.pk], now=NOW)

    assert results == {broken.pk: Status.FAILED, fine.pk: Status.SENT}
    assert "a bug in building this email" in reload(broken).last_error
    assert [message.subject for message in mail.outbox] == ["Monday 21 January: your session with Bob Okafor at 09:30"]
    assert "could not be built" in caplog.text
