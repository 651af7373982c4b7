"""The daily beat task: reminders 30 and 7 days ahead (each once), expiry on the right London date."""

import datetime

import pytest
from django.conf import settings
from django.core import mail

from bookings.tasks import registration_reminders_daily
from clinic.london import LONDON
from therapists.models import RegistrationEvent, Therapist
from therapists.tasks import registration_checks_daily

from ..clock import TODAY, at, days_from_now, london
from ..factories import make_booking, verified_therapist
from ..outbox import send_due_emails

pytestmark = pytest.mark.django_db

Status = Therapist.RegistrationStatus
DAY = datetime.timedelta(days=1)


def morning(day: datetime.date) -> datetime.datetime:
    """When beat runs the task on ``day``."""
    return at(day, "06:00")


def run_twice() -> list:
    """Runs the daily tasks twice, as a duplicate beat or a retry would, then sends what they
    put in the outbox; returns the emails sent."""
    for _ in range(2):
        registration_checks_daily()
        registration_reminders_daily()
    return send_due_emails()


def test_it_is_scheduled_daily_in_the_morning_london_time():
    for name, task, minute in [
        ("registration-checks-daily", registration_checks_daily, 0),
        ("registration-reminders-daily", registration_reminders_daily, 5),
    ]:
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["task"] == task.name
        assert entry["schedule"].hour == {6} and entry["schedule"].minute == {minute}
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_each_reminder_goes_once_to_the_therapist_and_the_admins(clock, victor):
    last_day = days_from_now(31)
    vera = verified_therapist("vera", by=victor, expires_on=last_day)
    send_due_emails()  # the approval's own email

    assert run_twice() == []  # 31 days ahead: too early

    clock.move_to(morning(last_day - 30 * DAY))
    sent = run_twice()
    assert sorted(message.to[0] for message in sent) == [vera.user.email, victor.email]
    assert all("30 days" in message.subject for message in sent)

    clock.move_to(morning(last_day - 21 * DAY))
    assert run_twice() == []  # between the two reminders

    clock.move_to(morning(last_day - 7 * DAY))
    sent = run_twice()
    assert sorted(message.to[0] for message in sent) == [vera.user.email, victor.email]
    assert all("7 days" in message.subject for message in sent)

    clock.move_to(morning(last_day - DAY))
    assert run_twice() == []
    vera.refresh_from_db()
    assert vera.registration_status == Status.VERIFIED


def test_a_check_approved_close_to_expiry_gets_only_the_most_urgent_reminder(clock, victor):
    verified_therapist("vera", by=victor, expires_on=days_from_now(5))
    send_due_emails()  # the approval's own email

    sent = run_twice()

    assert len(sent) == 2
    assert all("5 days" in message.subject for message in sent)
    clock.move_to(morning(TODAY + DAY))
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
def test_it_expires_a_check_on_the_first_london_day_after_it_ends(clock, victor, last_day, still_valid_at, expired_at):
    # These dates are the point: the clock moves to them rather than counting from NOW.
    clock.move_to(morning(last_day) - 60 * DAY)
    vera = verified_therapist("vera", by=victor, expires_on=last_day)
    booking_before = make_booking(therapist=vera, start=at(last_day, "18:00"))
    booking_after = make_booking(therapist=vera, start=at(last_day + DAY, "18:00"))

    clock.move_to(still_valid_at)
    run_twice()
    vera.refresh_from_db()
    assert vera.registration_status == Status.VERIFIED

    mail.outbox.clear()
    clock.move_to(expired_at)
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


def test_an_admin_decision_made_meanwhile_is_not_overwritten_by_expiry(clock, victor):
    from therapists.services import registration

    last_day = days_from_now(30)
    vera = verified_therapist("vera", by=victor, expires_on=last_day)
    registration.registration_suspend(therapist_id=vera.pk, decided_by=victor, reason="Removed from the register.")

    clock.move_to(morning(last_day + 2 * DAY))
    run_twice()
    vera.refresh_from_db()
    assert vera.registration_status == Status.SUSPENDED
