"""What the outbox is handed when the app starts: the send task it queues ids on, and for a kind
of email that can stop being wanted, the check that says so. Without a send task it refuses
to dispatch rather than drop the emails."""

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from bookings.messaging import outbox
from bookings.models import OutboundEmail

from ..clock import NOW, at, days_from_now
from ..factories import make_booking
from ..outbox import outbound_email_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status


@pytest.fixture
def booking(alice, bob):
    return make_booking(therapist=bob, client=alice, start=at(days_from_now(5), "09:30"))


def schedule(booking, kind):
    return outbox.outbound_email_schedule(booking=booking, kind=kind, to_email="alice@example.com", due_at=NOW)


@pytest.fixture
def checks(monkeypatch):
    """The outbox's still-wanted checks, put back as the app wired them after the test."""
    monkeypatch.setattr(outbox, "_still_wanted", dict(outbox._still_wanted))


def test_the_dispatcher_hands_due_emails_to_the_send_task_the_app_wired(
    booking, celery_eager, django_capture_on_commit_callbacks
):
    email = schedule(booking, Kind.BOOKING_CONFIRMATION)

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbound_emails_dispatch(now=NOW) == 1

    email.refresh_from_db()
    assert email.status == Status.SENT
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_the_dispatcher_queues_a_send_task_per_batch_of_due_emails(
    booking, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []

    class SendTask:
        def apply_async(self, args, producer):
            queued.append(args[0])

    monkeypatch.setattr(outbox, "_send_task", None)
    outbox.publish_with(SendTask())
    monkeypatch.setattr(outbox, "SEND_BATCH", 2)
    emails = [schedule(booking, Kind.BOOKING_CONFIRMATION) for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbound_emails_dispatch(now=NOW)

    assert queued == [[emails[0].pk, emails[1].pk], [emails[2].pk]]


def test_with_no_send_task_wired_the_dispatcher_says_so_and_hands_nothing_over(booking, monkeypatch):
    email = schedule(booking, Kind.BOOKING_CONFIRMATION)
    monkeypatch.setattr(outbox, "_send_task", None)

    with pytest.raises(ImproperlyConfigured, match="no send task"):
        outbox.outbound_emails_dispatch(now=NOW)

    email.refresh_from_db()
    assert (email.status, email.dispatched_at) == (Status.QUEUED, None)


def test_an_email_whose_kinds_check_says_it_is_no_longer_wanted_is_cancelled_with_the_reason(booking, checks):
    asked = []

    def reminder_still_wanted(email):
        asked.append(email.pk)
        return "Alice asked for no reminders."

    outbox.still_wanted_register(Kind.BOOKING_REMINDER, reminder_still_wanted)
    reminder = schedule(booking, Kind.BOOKING_REMINDER)
    confirmation = schedule(booking, Kind.BOOKING_CONFIRMATION)

    assert outbound_email_send(email_id=reminder.pk, now=NOW) == Status.CANCELLED
    assert outbound_email_send(email_id=confirmation.pk, now=NOW) == Status.SENT

    reminder.refresh_from_db()
    assert (reminder.last_error, reminder.sent_at) == ("Alice asked for no reminders.", None)
    assert asked == [reminder.pk]  # other kinds are not asked
    assert len(mail.outbox) == 1


def test_an_email_whose_kinds_check_has_no_objection_is_sent(booking, checks):
    outbox.still_wanted_register(Kind.BOOKING_REMINDER, lambda email: None)
    reminder = schedule(booking, Kind.BOOKING_REMINDER)

    assert outbound_email_send(email_id=reminder.pk, now=NOW) == Status.SENT
