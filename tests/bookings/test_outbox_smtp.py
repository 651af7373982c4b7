"""The outbox against a real SMTP server: what the server answers after the message, and a
worker killed on either side of the moment the server takes it."""

import datetime
import signal
import subprocess
import sys

import pytest
from django.utils import timezone

from bookings import outbox
from bookings.models import OutboundEmail

from ..factories import make_booking
from ..smtp import SMTPServer
from ..workers import ROOT, wait_for, worker_env

Status = OutboundEmail.Status


def use_smtp(settings, server: SMTPServer) -> None:
    settings.EMAIL_BACKEND = "clinic.emails.SMTPBackend"
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
def test_a_refusal_after_the_message_undoes_the_sent_record(settings, reminder, reply, status):
    email = reminder
    with SMTPServer(refuse_with=reply) as server:
        use_smtp(settings, server)
        assert outbox.outbound_email_send(email_id=email.pk) == status

    email.refresh_from_db()
    assert email.status == status
    assert email.sent_at is None
    assert reply.split()[0] in email.last_error


def send_in_a_process_killed(email: OutboundEmail, server: SMTPServer, tmp_path, *, when: str) -> int:
    """Runs the send task's code in a separate process that SIGKILLs itself either just
    before recording the email as sent or just after handing the server the final line."""
    kill = "os.kill(os.getpid(), signal.SIGKILL)"
    patches = {
        "before_recording": f"outbox._record_sent = lambda email: {kill}",
        "after_the_final_line": (
            "from clinic.emails import _SMTP\n"
            "original_send = _SMTP.send\n"
            f"def send(self, data):\n    original_send(self, data)\n    if data == b'.\\r\\n': {kill}\n"
            "_SMTP.send = send"
        ),
    }
    code = f"import os, signal\nfrom bookings import outbox\n{patches[when]}\noutbox.outbound_emails_send(email_ids=[{email.pk}])"
    process = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=worker_env(tmp_path, **server.env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return process.returncode


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_the_email_is_recorded_leaves_it_unsent_and_it_is_sent_once_later(
    settings, tmp_path, reminder
):
    email = reminder
    with SMTPServer() as server:
        assert send_in_a_process_killed(email, server, tmp_path, when="before_recording") == -signal.SIGKILL

        assert not wait_for(lambda: len(server.inbox) > 0, timeout=2)  # the server dropped it
        email.refresh_from_db()
        assert email.status == Status.INFLIGHT
        use_smtp(settings, server)
        after_the_lease = timezone.now() + outbox.CLAIM_LEASE + datetime.timedelta(seconds=1)
        assert outbox.outbound_email_send(email_id=email.pk, now=after_the_lease) == Status.SENT

        assert server.inbox.message_ids == {f"<outbound-{email.pk}@{settings.SITE_HOST}>": 1}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_handing_the_email_over_has_recorded_it_and_it_is_not_sent_again(
    settings, tmp_path, reminder
):
    email = reminder
    with SMTPServer() as server:
        assert send_in_a_process_killed(email, server, tmp_path, when="after_the_final_line") == -signal.SIGKILL

        assert wait_for(lambda: len(server.inbox) == 1, timeout=5)
        email.refresh_from_db()
        assert email.status == Status.SENT
        use_smtp(settings, server)
        after_the_lease = timezone.now() + outbox.CLAIM_LEASE + datetime.timedelta(seconds=1)
        assert outbox.outbound_emails_dispatch(now=after_the_lease) == 0
        assert outbox.outbound_email_send(email_id=email.pk, now=after_the_lease) == "skipped"

        assert server.inbox.message_ids == {f"<outbound-{email.pk}@{settings.SITE_HOST}>": 1}
