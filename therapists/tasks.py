from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="therapists.registration_event_notify")
def registration_event_notify(event_id: int) -> None:
    services.registration_event_send(event_id=event_id)


@shared_task(name="therapists.registration_checks_daily")
def registration_checks_daily() -> None:
    """Daily (beat): expire lapsed checks, then send the reminders due. Idempotent."""
    today = timezone.localdate()  # the London date: TIME_ZONE is Europe/London
    services.registrations_expire_due(today=today)
    services.registration_reminders_send(today=today)
