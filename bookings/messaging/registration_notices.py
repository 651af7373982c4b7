"""Emails about a therapist's CNHC registration: a decision, an expiry, a check about to end.
They live here, above the therapists app, because they go through the outbox and the admins'
copy lists the bookings a lapsed registration affects.

Each is an outbox row written in the same transaction as what it reports (the event, or the
RegistrationNotice that says a reminder is due), so none is lost to a crash and none is sent
twice; the SMTP conversation happens later, in a worker, outside any transaction or lock."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.messaging.affected import affected_from
from bookings.messaging.outbox import outbound_email_schedule
from bookings.models import OutboundEmail
from therapists.models import RegistrationEvent, RegistrationNotice, Therapist
from therapists.selectors import registration_verifier_emails

Kind = OutboundEmail.Kind
Event = RegistrationEvent.Kind
REMINDER_DAYS = (30, 7)


def registration_notices_schedule(*, event: RegistrationEvent) -> None:
    """Writes the emails about a decision or an expiry: to the therapist, and for a suspension
    or an expiry to each admin who checks registrations (one email each, so they do not see
    each other's addresses). Runs inside the transaction that records the event."""
    kind = Kind.REGISTRATION_EXPIRED if event.kind == Event.EXPIRED else Kind.REGISTRATION_DECISION
    audiences = [("therapist", [event.therapist.user.email])]
    if affected_from(event) is not None:
        audiences.append(("admin", registration_verifier_emails()))
    _schedule(event.therapist, kind, audiences, {"event_id": event.pk}, due_at=event.at)


def registration_reminders_schedule(*, today: datetime.date) -> int:
    """Writes the reminders 30 and 7 days before a verified check expires, to the therapist
    and the admins. Each goes once per check: its RegistrationNotice row is written in the
    same transaction, and a second run (or a racing one) finds it and skips. A run that
    missed a day still writes the reminder that is due, and only the most urgent one.
    Returns how many therapists were reminded."""
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    due = Therapist.objects.filter(
        registration_status=Therapist.RegistrationStatus.VERIFIED,
        registration_expires_on__gte=today,
        registration_expires_on__lte=horizon,
    ).select_related("user")
    verifiers = registration_verifier_emails()
    reminded = 0
    for therapist in due:
        days_left = (therapist.registration_expires_on - today).days
        days_before = min(days for days in REMINDER_DAYS if days_left <= days)
        key = f"reminder-{days_before}-{therapist.registration_expires_on.isoformat()}"
        try:
            with transaction.atomic():
                RegistrationNotice.objects.create(therapist=therapist, key=key, sent_at=timezone.now())
                _schedule(
                    therapist,
                    Kind.REGISTRATION_REMINDER,
                    [("therapist", [therapist.user.email]), ("admin", verifiers)],
                    {"days_left": days_left, "expires_on": therapist.registration_expires_on.isoformat()},
                    due_at=timezone.now(),
                )
        except IntegrityError:
            continue  # already reminded for this check
        reminded += 1
    return reminded


def _schedule(therapist: Therapist, kind: str, audiences, extra: dict, *, due_at: datetime.datetime) -> None:
    for audience, addresses in audiences:
        for address in addresses:
            if address:
                outbound_email_schedule(
                    therapist=therapist,
                    kind=kind,
                    to_email=address,
                    due_at=due_at,
                    extra={**extra, "audience": audience},
                )
