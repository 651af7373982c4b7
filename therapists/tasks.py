from celery import shared_task
from django.utils import timezone

from .services import registration


@shared_task(name="therapists.registration_checks_daily")
def registration_checks_daily() -> None:
    """Daily (beat): mark lapsed checks expired. Idempotent. The emails are written with each
    expiry (see therapists.signals); reminders are the bookings app's daily task."""
    today = timezone.localdate()  # the London date: TIME_ZONE is Europe/London
    registration.registrations_expire_due(today=today)
