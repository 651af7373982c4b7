"""The outbox against a real SMTP server: what the server answers, and a worker killed on
either side of the moment the server accepts a message. Delivery is at least once: nothing
recorded sent was not accepted, and a resend carries the same Message-ID. One attempt sends
once: a server that stores a message and drops the connection before its 250 gets no second
copy in the same attempt, and two at most. The calendar part is read back as sent."""

import datetime
import signal
import subprocess
import sys

import icalendar
import pytest
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail

from ..factories import make_booking
from ..outbox import outbound_email_send
from ..smtp import Inbox, SMTPServer
from ..workers import ROOT, wait_for, worker_env

Status = OutboundEmail.Status
# Reminders leave only in sending hours; these tests are about the SMTP conversation, on the
# real clock, so at any hour they run.
pytestmark = pytest.mark.usefixtures("sending_all_day")


def use_smtp(settings, server: SMTPServer) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.port, False


@pytest.fixture
def reminder(bob, alice) -> OutboundEmail:
    """A reminder to alice, due now. The worker processes here see the real clock; so does this."""
    booking = make_booking(therapist=bob, client=alice)
    return outbox.outbound_email_schedule(
        booking=booking, kind=OutboundEmail.Kind.BOOKING_REMINDER, to_email=alice.email, due_at=timezone.now()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply, status", [("554 5.7.1 Refused", Status.FAILED), ("451 4.3.0 Try again later", Status.AWAITING_RETRY)]
)
def test_a_refused_message_is_never_recorded_sent(settings, reminder, reply, status):
    email = reminder
    with SMTPServer(refuse_with=reply) as server:
        use_smtp(settings, server)
        assert outbound_email_send(email_id=email.pk) == status

    email.refresh_from_db()
    assert email.status == status
    assert email.sent_at is None
    assert reply.split()[0] in email.last_error


@pytest.mark.django_db
def test_an_accepted_message_is_recorded_sent_with_its_message_id(settings, reminder):
    email = reminder
    with SMTPServer() as server:
        use_smtp(settings, server)
        assert outbound_email_send(email_id=email.pk) == Status.SENT

        assert server.inbox.message_ids == {email.message_id: 1}
    email.refresh_from_db()
    assert email.status == Status.SENT and email.sent_at is not None


def send_in_a_process_killed(email: OutboundEmail, server: SMTPServer, tmp_path, *, when: str) -> int:
    """Runs the send task's code in a separate process that SIGKILLs itself either before it
    starts the SMTP conversation, or after the server's 250 and before the record of it."""
    kill = "os.kill(os.getpid(), signal.SIGKILL)"
    patches = {
        "before_sending": f"outbox.send_email = lambda *args, **kwargs: {kill}",
        "after_the_server_accepted": (
            "original_send = outbox.send_email\n"
            f"def send(*args, **kwargs):\n    original_send(*args, **kwargs)\n    {kill}\n"
            "outbox.send_email = send"
        ),
    }
    code = f"import os, signal\nfrom bookings.messaging import outbox\n{patches[when]}\noutbox.outbound_emails_send(email_ids=[{email.pk}])"
    process = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=worker_env(tmp_path, **server.env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return process.returncode


def after_the_lease() -> datetime.datetime:
    return timezone.now() + outbox.CLAIM_LEASE + datetime.timedelta(seconds=1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_sending_leaves_the_email_to_be_sent_once_after_the_lease(settings, tmp_path, reminder):
    email = reminder
    with SMTPServer() as server:
        assert send_in_a_process_killed(email, server, tmp_path, when="before_sending") == -signal.SIGKILL

        email.refresh_from_db()
        assert email.status == Status.INFLIGHT
        assert len(server.inbox) == 0
        use_smtp(settings, server)
        assert outbox.outbound_emails_dispatch(now=after_the_lease()) == 1
        assert outbound_email_send(email_id=email.pk, now=after_the_lease()) == Status.SENT

        assert server.inbox.message_ids == {email.message_id: 1}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_server_accepted_resends_the_same_message_id_after_the_lease(
    settings, tmp_path, reminder
):
    email = reminder
    with SMTPServer() as server:
        assert send_in_a_process_killed(email, server, tmp_path, when="after_the_server_accepted") == -signal.SIGKILL

        assert wait_for(lambda: len(server.inbox) == 1, timeout=5)
        email.refresh_from_db()
        assert email.status == Status.INFLIGHT  # accepted, but the record of it died with the worker
        use_smtp(settings, server)
        assert outbound_email_send(email_id=email.pk, now=after_the_lease()) == Status.SENT

        # Never lost: the copy carries the same Message-ID, which mail systems recognise.
        assert server.inbox.message_ids == {email.message_id: 2}


@pytest.mark.django_db
def test_a_recipient_the_server_refuses_for_good_is_failed_for_the_admins_to_see(settings, reminder):
    email = reminder
    with SMTPServer(refuse_recipients=["Alice@example.com"]) as server:
        use_smtp(settings, server)
        assert outbound_email_send(email_id=email.pk) == Status.FAILED

        assert server.inbox.refused_recipients == {"alice@example.com": 1}
        assert len(server.inbox) == 0
    email.refresh_from_db()
    assert email.sent_at is None and "550" in email.last_error


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_after_the_backoff_with_the_same_message_id(settings, reminder):
    email = reminder
    with SMTPServer(temporary_share=1.0) as server:  # every message refused once, at its first attempt
        use_smtp(settings, server)
        assert outbound_email_send(email_id=email.pk) == Status.AWAITING_RETRY
        email.refresh_from_db()
        assert outbound_email_send(email_id=email.pk, now=email.due_at) == Status.SENT

        assert server.inbox.attempts == {email.message_id: 2}
        assert server.inbox.refused_temporarily == {email.message_id: 1}
        assert server.inbox.message_ids == {email.message_id: 1}


class StoresThenDrops(Inbox):
    """A server that stores each message, then drops the connection before its 250."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 never heard"


def storing_then_dropping() -> SMTPServer:
    server = SMTPServer()
    server.inbox = server.controller.handler.inbox = StoresThenDrops()
    return server


@pytest.mark.django_db
def test_a_server_that_stores_then_drops_gets_one_copy_an_attempt_and_two_at_most(settings, reminder):
    email = reminder
    with storing_then_dropping() as server:
        use_smtp(settings, server)
        assert outbound_email_send(email_id=email.pk) == Status.AWAITING_RETRY
        assert server.inbox.message_ids == {email.message_id: 1}  # no second DATA in the attempt
        email.refresh_from_db()
        assert email.maybe_delivered and "may have received" in email.last_error

        assert outbound_email_send(email_id=email.pk, now=email.due_at) == Status.FAILED
        assert server.inbox.message_ids == {email.message_id: 2}
        # Failed for good: an admin checks with the client before sending it again.
        assert outbox.outbound_emails_dispatch(now=after_the_lease() + datetime.timedelta(days=1)) == 0
    email.refresh_from_db()
    assert (email.status, email.maybe_delivered, email.attempts) == (Status.FAILED, True, 2)


@pytest.mark.django_db
def test_admins_see_which_failed_emails_may_have_arrived(admin_client, settings, reminder):
    with storing_then_dropping() as server:
        use_smtp(settings, server)
        outbound_email_send(email_id=reminder.pk)

    page = admin_client.get("/admin/bookings/outboundemail/?maybe_delivered__exact=1").content.decode()

    assert "May have arrived" in page and reminder.to_email in page


@pytest.mark.django_db
@pytest.mark.parametrize("cancelled, method", [(False, "REQUEST"), (True, "CANCEL")])
def test_the_invitation_part_names_its_method_as_rfc_6047_asks(settings, bob, alice, cancelled, method):
    booking = make_booking(therapist=bob, client=alice)
    if cancelled:
        type(booking).objects.filter(pk=booking.pk).update(status=type(booking).Status.CANCELLED)
    kind = OutboundEmail.Kind.BOOKING_CANCELLED if cancelled else OutboundEmail.Kind.BOOKING_CONFIRMATION
    email = outbox.outbound_email_schedule(booking=booking, kind=kind, to_email=alice.email, due_at=timezone.now())
    with SMTPServer() as server:
        use_smtp(settings, server)
        assert outbound_email_send(email_id=email.pk) == Status.SENT
        [message] = server.inbox.messages

    [part] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert (part.get_param("method"), part.get_content_charset()) == (method, "utf-8")
    assert part.get_filename() == "booking.ics"
    assert icalendar.Calendar.from_ical(part.get_payload(decode=True))["method"] == method
