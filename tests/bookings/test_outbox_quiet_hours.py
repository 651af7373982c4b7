"""No aftercare leaves between 20:00 and 08:00 London, whatever made it due: a late note, a
retry after a temporary refusal, an admin's "send again". Booking confirmations are not held."""

import datetime

import pytest
from django.utils import timezone

from bookings.messaging import outbox
from bookings.models import OutboundEmail
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
