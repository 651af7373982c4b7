"""The daily beat task: reminders 30 and 7 days ahead (each once), expiry on the right London date."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import TestCase

from therapists.models import RegistrationEvent, Therapist
from therapists.tasks import registration_checks_daily

from ..factories import make_booking, verified_therapist

# Expiry notices are sent by a task queued once the expiry commits; run it in-process.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

LONDON = ZoneInfo("Europe/London")
Status = Therapist.RegistrationStatus


def london(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def run_twice() -> list:
    """Runs the task twice, as a duplicate beat or a retry would; returns the emails sent."""
    before = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        registration_checks_daily()
    with TestCase.captureOnCommitCallbacks(execute=True):
        registration_checks_daily()
    return mail.outbox[before:]


def test_it_is_scheduled_daily_in_the_morning_london_time():
    entry = settings.CELERY_BEAT_SCHEDULE["registration-checks-daily"]
    assert entry["task"] == registration_checks_daily.name
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_each_reminder_goes_once_to_the_therapist_and_the_admins(victor):
    with time_machine.travel(london(2026, 12, 1, 6, 0), tick=False):
        vera = verified_therapist("vera", by=victor, expires_on=datetime.date(2026, 12, 31))

    with time_machine.travel(london(2026, 11, 30, 6, 0), tick=False):
        assert run_twice() == []  # 31 days ahead: too early

    with time_machine.travel(london(2026, 12, 1, 6, 0), tick=False):
        sent = run_twice()
    assert sorted(message.to[0] for message in sent) == [vera.user.email, victor.email]
    assert all("30 days" in message.subject for message in sent)

    with time_machine.travel(london(2026, 12, 10, 6, 0), tick=False):
        assert run_twice() == []  # between the two reminders

    with time_machine.travel(london(2026, 12, 24, 6, 0), tick=False):
        sent = run_twice()
    assert sorted(message.to[0] for message in sent) == [vera.user.email, victor.email]
    assert all("7 days" in message.subject for message in sent)

    with time_machine.travel(london(2026, 12, 30, 6, 0), tick=False):
        assert run_twice() == []
    vera.refresh_from_db()
    assert vera.registration_status == Status.VERIFIED


def test_a_check_approved_close_to_expiry_gets_only_the_most_urgent_reminder(victor):
    with time_machine.travel(london(2026, 12, 26, 6, 0), tick=False):
        verified_therapist("vera", by=victor, expires_on=datetime.date(2026, 12, 31))
        sent = run_twice()
    assert len(sent) == 2
    assert all("5 days" in message.subject for message in sent)
    with time_machine.travel(london(2026, 12, 27, 6, 0), tick=False):
        assert run_twice() == []


@pytest.mark.parametrize(
    "last_day, still_valid_at, expired_at",
    [
        # Winter (GMT): London and UTC dates agree at 23:30 UTC...
        (datetime.date(2026, 12, 31), london(2026, 12, 31, 23, 59), london(2027, 1, 1, 0, 1)),
        # ...summer (BST): 23:30 UTC is already the next London day.
        (
            datetime.date(2026, 6, 30),
            datetime.datetime(2026, 6, 30, 22, 59, tzinfo=datetime.UTC),
            datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC),
        ),
        # The check ends on the day the clocks go forward.
        (datetime.date(2027, 3, 28), london(2027, 3, 28, 23, 59), london(2027, 3, 29, 0, 0)),
    ],
    ids=["winter", "summer", "spring-forward"],
)
def test_it_expires_a_check_on_the_first_london_day_after_it_ends(victor, last_day, still_valid_at, expired_at):
    with time_machine.travel(
        london(last_day.year, last_day.month, last_day.day, 6) - datetime.timedelta(days=60), tick=False
    ):
        vera = verified_therapist("vera", by=victor, expires_on=last_day)
        booking_before = make_booking(therapist=vera, start=london(last_day.year, last_day.month, last_day.day, 18))
        booking_after = make_booking(
            therapist=vera, start=london(last_day.year, last_day.month, last_day.day, 18) + datetime.timedelta(days=1)
        )

    with time_machine.travel(still_valid_at, tick=False):
        run_twice()
        vera.refresh_from_db()
        assert vera.registration_status == Status.VERIFIED

    mail.outbox.clear()
    with time_machine.travel(expired_at, tick=False):
        sent = run_twice()
    vera.refresh_from_db()
    assert vera.registration_status == Status.EXPIRED
    assert vera not in Therapist.objects.bookable(on=expired_at.astimezone(LONDON).date())
    expired = vera.registration_events.filter(kind=RegistrationEvent.Kind.EXPIRED)
    assert expired.count() == 1
    assert expired.get().actor is None

    assert sorted(message.to[0] for message in sent) == [vera.user.email, victor.email]
    to_admin = next(message for message in sent if message.to == [victor.email])
    # Only bookings from the day after the last valid day are affected.
    assert f"(booking {booking_after.pk})" in to_admin.body
    assert f"(booking {booking_before.pk})" not in to_admin.body


def test_an_admin_decision_made_meanwhile_is_not_overwritten_by_expiry(victor):
    from therapists.services import registration

    with time_machine.travel(london(2026, 12, 1, 6, 0), tick=False):
        vera = verified_therapist("vera", by=victor, expires_on=datetime.date(2026, 12, 31))
        registration.registration_suspend(therapist_id=vera.pk, decided_by=victor, reason="Removed from the register.")
    with time_machine.travel(london(2027, 1, 2, 6, 0), tick=False):
        run_twice()
    vera.refresh_from_db()
    assert vera.registration_status == Status.SUSPENDED
