"""Emails about CNHC registrations that concern only the therapist and the admins who check
them: expiry reminders, and the sending rules every registration notice shares."""

import datetime
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.emails import send_email

from ..models import RegistrationNotice, Therapist
from ..selectors import registration_verifier_emails

REMINDER_DAYS = (30, 7)


def send_once(therapist: Therapist, key: str, send: Callable[[], None]) -> bool:
    """Sends at most once per (therapist, key). The notice row and the sending share a
    transaction: if sending fails the row is rolled back and the next run tries again; if two
    runs race, the unique constraint makes the second one wait and then skip."""
    try:
        with transaction.atomic():
            RegistrationNotice.objects.create(therapist=therapist, key=key, sent_at=timezone.now())
            send()
    except IntegrityError:
        return False
    return True


def send_to_verifiers(name: str, context: dict) -> None:
    # One message each, so admins do not see each other's addresses.
    for email in registration_verifier_emails():
        send_email(name, to=[email], context={**context, "audience": "admin"})


def registration_reminders_send(*, today: datetime.date) -> int:
    """Reminds therapists and admins 30 and 7 days before a verified check expires.

    Each reminder goes once per check (RegistrationNotice). A run that missed a day still sends
    the reminder that is due, and only the most urgent one: never a 30-day one after the 7-day.
    Returns how many reminders were sent.
    """
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    due = Therapist.objects.filter(
        registration_status=Therapist.RegistrationStatus.VERIFIED,
        registration_expires_on__gte=today,
        registration_expires_on__lte=horizon,
    ).select_related("user")
    sent = 0
    for therapist in due:
        days_left = (therapist.registration_expires_on - today).days
        days_before = min(days for days in REMINDER_DAYS if days_left <= days)
        context = {"therapist": therapist, "days_left": days_left, "expires_on": therapist.registration_expires_on}

        def send(therapist=therapist, context=context) -> None:
            if therapist.user.email:
                send_email(
                    "registration-reminder", to=[therapist.user.email], context={**context, "audience": "therapist"}
                )
            send_to_verifiers("registration-reminder", context)

        key = f"reminder-{days_before}-{therapist.registration_expires_on.isoformat()}"
        sent += send_once(therapist, key, send)
    return sent
