from celery import shared_task
from django.utils import timezone

from .services import notices, registration


@shared_task(name="therapists.registration_checks_daily")
def registration_checks_daily() -> None:
    """Daily (beat): expire lapsed checks, then send the reminders due. Idempotent."""
    today = timezone.localdate()  # the London date: TIME_ZONE is Europe/London
    registration.registrations_expire_due(today=today)
    notices.registration_reminders_send(today=today)
