"""Nothing the clinic sends on its own schedule (aftercare, reminders, "book again") leaves
between 20:00 and 08:00 London, whatever made it due: a late note, a retry after a temporary
refusal, an admin's "send again", a batch still sending as the clock passes 20:00. Booking
confirmations are not held. (Every kind, one by one: test_outbox_quiet_hours_every_kind.py.)"""

import datetime
import types

import pytest
from django.core import mail
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail
from bookings.privacy.marketing import marketing_consent_give
from clinic.london import LONDON

from ..factories import make_booking

pytestmark = pytest.mark.django_db

Kind, Status = OutboundEmail.Kind, OutboundEmail.Status


def london(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def booking(alice, bob):
    return make_booking(therapist=bob, client=alice, start=london(2026, 11, 30, 9, 30))


def schedule(booking, kind, due_at, **fields):
    email = outbox.outbound_email_schedule(booking=booking, kind=kind, to_email="alice@example.com", due_at=due_at)
    OutboundEmail.objects.filter(pk=email.pk).update(**fields)
    return email


def claimable(email, now) -> bool:
    claimed = outbox.outbound_emails_claim(email_ids=[email.pk], now=now)
    return claimed == [email.pk]


def test_aftercare_due_in_the_evening_waits_for_eight_in_the_morning(booking):
    aftercare = schedule(booking, Kind.AFTERCARE_TODAY, due_at=london(2026, 11, 24, 21, 30))

    assert not claimable(aftercare, london(2026, 11, 24, 21, 30))
    assert not claimable(aftercare, london(2026, 11, 25, 7, 59, 59))
    assert claimable(aftercare, london(2026, 11, 25, 8, 0))


def test_a_confirmation_is_not_held_by_quiet_hours(booking):
    confirmation = schedule(booking, Kind.BOOKING_CONFIRMATION, due_at=london(2026, 11, 24, 21, 30))

    assert claimable(confirmation, london(2026, 11, 24, 21, 30))


def test_a_retry_that_falls_due_after_eight_at_night_waits(booking):
    # Refused with a 451 at 19:59:30; the backoff made it due at 20:00:40.
    retry = schedule(booking, Kind.AFTERCARE_NEXT_DAY, due_at=london(2026, 11, 24, 20, 0, 40))
    OutboundEmail.objects.filter(pk=retry.pk).update(status=Status.AWAITING_RETRY, attempts=1)

    assert not claimable(retry, london(2026, 11, 24, 20, 0, 40))
    assert claimable(retry, london(2026, 11, 25, 8, 0))


def test_an_admins_send_again_at_night_waits_for_the_morning(booking):
    failed = schedule(booking, Kind.AFTERCARE_CHECK_IN, due_at=london(2026, 11, 24, 12), status=Status.FAILED)

    assert outbox.outbound_emails_send_again(email_ids=[failed.pk], now=london(2026, 11, 24, 22, 15)) == 1
    assert outbox.outbound_emails_dispatch(now=london(2026, 11, 24, 22, 15)) == 0
    assert not claimable(failed, london(2026, 11, 24, 22, 15))
    assert claimable(failed, london(2026, 11, 25, 8, 0))


def test_the_dispatcher_leaves_aftercare_alone_at_night_and_hands_it_over_at_eight(booking):
    schedule(booking, Kind.AFTERCARE_TODAY, due_at=london(2026, 11, 24, 19, 0))

    assert outbox.outbound_emails_dispatch(now=london(2026, 11, 24, 23, 0)) == 0
    assert outbox.outbound_emails_dispatch(now=london(2026, 11, 25, 8, 0)) == 1


def test_quiet_hours_follow_london_time_across_the_clock_change(booking):
    # 29 March 2026: 07:30 UTC is 08:30 BST, inside sending hours; in winter it would be 07:30.
    aftercare = schedule(booking, Kind.AFTERCARE_NEXT_DAY, due_at=london(2026, 3, 29, 0, 0))
    assert claimable(aftercare, datetime.datetime(2026, 3, 29, 7, 30, tzinfo=datetime.UTC))


def test_a_batch_hands_back_what_it_could_not_start_in_time(booking, monkeypatch):
    emails = [schedule(booking, Kind.BOOKING_REMINDER, due_at=timezone.now()) for _ in range(3)]
    monkeypatch.setattr(outbox, "SEND_WITHIN", datetime.timedelta(0))

    assert outbox.outbound_emails_send(email_ids=[email.pk for email in emails]) == {}

    for email in emails:
        email.refresh_from_db()
        assert (email.status, email.attempts, email.claimed_at, email.dispatched_at) == (Status.QUEUED, 0, None, None)


def test_a_book_again_retry_that_falls_due_after_eight_at_night_waits(booking):
    # Refused with a 451 at 19:59:30; the backoff made it due at 20:00:40 (issue 27 saw it go).
    marketing_consent_give(email="alice@example.com", how="test")
    retry = schedule(booking, Kind.BOOK_AGAIN, due_at=london(2026, 11, 24, 20, 0, 40))
    OutboundEmail.objects.filter(pk=retry.pk).update(status=Status.AWAITING_RETRY, attempts=1)

    assert outbox.outbound_emails_send(email_ids=[retry.pk], now=london(2026, 11, 24, 20, 0, 40)) == {}
    assert mail.outbox == []
    assert outbox.outbound_emails_send(email_ids=[retry.pk], now=london(2026, 11, 25, 8, 0)) == {retry.pk: Status.SENT}


def test_an_admins_send_again_of_a_reminder_at_night_waits_for_the_morning(booking):
    failed = schedule(booking, Kind.BOOKING_REMINDER, due_at=london(2026, 11, 24, 12), status=Status.FAILED)

    assert outbox.outbound_emails_send_again(email_ids=[failed.pk], now=london(2026, 11, 24, 22, 15)) == 1
    assert outbox.outbound_emails_dispatch(now=london(2026, 11, 24, 22, 15)) == 0
    assert outbox.outbound_emails_send(email_ids=[failed.pk], now=london(2026, 11, 24, 22, 15)) == {}
    assert mail.outbox == []


def test_a_batch_still_sending_at_eight_holds_the_rest_of_its_aftercare_and_sends_its_confirmations(
    booking, monkeypatch
):
    # Claimed at 19:59:50; each email takes six seconds to reach the server, so the second
    # reaches it at 20:00:02 (the outbox's own clock, read at the start and once per email).
    readings = iter(range(0, 6000, 6))
    monkeypatch.setattr(outbox, "time", types.SimpleNamespace(monotonic=lambda: float(next(readings))))
    Booking = type(booking)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.ATTENDED)
    early, late, confirmation = (
        schedule(booking, kind, due_at=london(2026, 11, 24, 19, 0))
        for kind in (Kind.AFTERCARE_TODAY, Kind.AFTERCARE_NEXT_DAY, Kind.BOOKING_CONFIRMATION)
    )
    ids = [early.pk, late.pk, confirmation.pk]

    results = outbox.outbound_emails_send(email_ids=ids, now=london(2026, 11, 24, 19, 59, 50))

    assert results == {early.pk: Status.SENT, late.pk: Status.QUEUED, confirmation.pk: Status.SENT}
    late.refresh_from_db()
    assert (late.due_at, late.attempts) == (london(2026, 11, 25, 8, 0), 0)
    assert len(mail.outbox) == 2
