"""Emails about a therapist's registration decision or expiry. They live here, above the
therapists app, because the admins' copy lists the bookings a lapsed registration affects."""

import datetime

from django.db.models import QuerySet

from clinic.emails import send_email
from clinic.london import london_midnight
from therapists.models import RegistrationEvent, Therapist
from therapists.services.notices import send_once, send_to_verifiers

from .models import Booking

Kind = RegistrationEvent.Kind


def bookings_affected_from(*, therapist: Therapist, start: datetime.datetime) -> QuerySet[Booking]:
    """Confirmed (or awaiting review) bookings with the therapist starting at or after ``start``:
    those a lapsed or suspended registration leaves without a bookable therapist."""
    return (
        Booking.objects.filter(
            therapist=therapist,
            status__in=Booking.OPEN_STATUSES,
            start__gte=start,
        )
        .select_related("session_type")
        .order_by("start")
    )


def registration_event_send(*, event_id: int) -> bool:
    """Emails the therapist about a decision or an expiry, and for a suspension or an expiry
    the admins too, with the bookings it affects: from the suspension on, or from the day after
    the check ended. Sent once per event, however often it is called."""
    event = RegistrationEvent.objects.select_related("therapist__user").get(pk=event_id)
    therapist = event.therapist
    if event.kind == Kind.EXPIRED:
        template = "registration-expired"
        context = {"event": event, "therapist": therapist, "expires_on": event.expires_on}
        affected_from = london_midnight(event.expires_on + datetime.timedelta(days=1))
    else:
        template = "registration-decision"
        context = {"event": event, "therapist": therapist}
        affected_from = event.at if event.kind == Kind.SUSPENDED else None

    def send() -> None:
        if therapist.user.email:
            send_email(template, to=[therapist.user.email], context={**context, "audience": "therapist"})
        if affected_from is not None:
            bookings = list(bookings_affected_from(therapist=therapist, start=affected_from))
            send_to_verifiers(template, {**context, "bookings": bookings})

    return send_once(therapist, f"event-{event.pk}", send)
