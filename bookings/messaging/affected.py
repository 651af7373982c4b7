"""Which bookings a lapsed or suspended CNHC registration leaves without a bookable
therapist: what the admins' copy of a registration email lists."""

import datetime

from django.db.models import QuerySet

from bookings.models import Booking
from clinic.london import london_midnight
from therapists.models import RegistrationEvent, Therapist


def bookings_affected_from(*, therapist: Therapist, start: datetime.datetime) -> QuerySet[Booking]:
    """Bookings still to happen with the therapist from ``start`` on: those a lapsed or
    suspended registration leaves without a bookable therapist."""
    return (
        Booking.objects.filter(therapist=therapist, status__in=Booking.OPEN_STATUSES, start__gte=start)
        .select_related("session_type")
        .order_by("start")
    )


def affected_from(event: RegistrationEvent) -> datetime.datetime | None:
    """From when an event leaves bookings without a bookable therapist: a suspension at
    once, an expiry from the day after the check ended; other decisions affect none."""
    if event.kind == RegistrationEvent.Kind.EXPIRED:
        return london_midnight(event.expires_on + datetime.timedelta(days=1))
    if event.kind == RegistrationEvent.Kind.SUSPENDED:
        return event.at
    return None
