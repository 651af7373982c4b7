"""What each booking email says and carries: the template context and attachments for an
OutboundEmail row, by its kind. The outbox (bookings/outbox.py) decides when and whether to send;
this module decides what. The words themselves are in templates/emails/<kind>-*.txt/html."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from therapists.models import RegistrationEvent

from . import aftercare
from .calendar import booking_ics_for_client
from .models import Booking, OutboundEmail
from .selectors import affected_from, bookings_affected_from
from .tokens import aftercare_stop_token, feedback_token, manage_token


def email_context(email: OutboundEmail) -> dict:
    if email.kind in OutboundEmail.REGISTRATION:
        return _registration_context(email)
    booking = email.booking
    return {
        "booking": booking,
        "client_name": booking.client_first_name,
        "therapist": booking.therapist,
        "session_type": booking.session_type,
        "start": timezone.localtime(booking.start),
        "end": timezone.localtime(booking.end),
        "cancellation_hours": settings.FREE_CANCELLATION_HOURS,
        "free_cancellation_until": timezone.localtime(booking.free_cancellation_until),
        "reminder_on_the_day": email.extra.get("when") == "today",
        "accepted_after_review": email.extra.get("accepted", False),
        "declined": email.extra.get("declined", False),
        "manage_url": settings.SITE_URL + reverse("booking_manage", args=[manage_token(booking)]),
        "previous_start": (
            timezone.localtime(datetime.datetime.fromisoformat(email.extra["previous_start"]))
            if "previous_start" in email.extra
            else None
        ),
        **(_aftercare_context(booking) if email.kind in OutboundEmail.AFTERCARE else {}),
        # The flare rule's figure, for the therapist's alert; their booking page has the rest.
        **(
            {"flare_pressure_drop": aftercare.FLARE_PRESSURE_DROP}
            if email.kind == OutboundEmail.Kind.THERAPIST_FLARE_ALERT
            else {}
        ),
    }


def _aftercare_context(booking: Booking) -> dict:
    note = booking.session_note
    advice = aftercare.PROBLEM_ADVICE[note.problem]
    return {
        "note": note,
        "advice": advice,
        "expect": aftercare.EXPECT[aftercare.pressure_band(note.pressure_used)],
        "session_today": aftercare.SESSION_TODAY[booking.session_type.kind],
        "red_flags": aftercare.RED_FLAGS,
        "feedback_links": [
            (label, settings.SITE_URL + reverse("aftercare_feedback", args=[feedback_token(booking, answer)]))
            for answer, label in aftercare.Feedback.choices
        ],
        "stop_url": settings.SITE_URL + reverse("aftercare_stop", args=[aftercare_stop_token(booking.client_email)]),
    }


# Client emails that carry the booking's calendar entry as it is when the email is sent: a
# request or confirmation (tentative or confirmed), the new time of a move, a cancellation.
WITH_CALENDAR = [
    OutboundEmail.Kind.BOOKING_CONFIRMATION,
    OutboundEmail.Kind.BOOKING_REQUESTED,
    OutboundEmail.Kind.BOOKING_MOVED,
    OutboundEmail.Kind.BOOKING_CANCELLED,
]


def email_attachments(email: OutboundEmail) -> list[tuple[str, bytes, str]]:
    if email.kind in WITH_CALENDAR:
        return [("booking.ics", booking_ics_for_client(email.booking), "text/calendar")]
    return []


def _registration_context(email: OutboundEmail) -> dict:
    """What a registration email says, read when it is sent: the admins' list of affected
    bookings is the list as it stands then."""
    therapist = email.therapist
    context = {"therapist": therapist, "audience": email.extra["audience"]}
    if email.kind == OutboundEmail.Kind.REGISTRATION_REMINDER:
        context.update(
            days_left=email.extra["days_left"], expires_on=datetime.date.fromisoformat(email.extra["expires_on"])
        )
        return context
    event = RegistrationEvent.objects.select_related("actor").get(pk=email.extra["event_id"])
    context.update(event=event, expires_on=event.expires_on)
    start = affected_from(event)
    if email.extra["audience"] == "admin" and start is not None:
        context["bookings"] = list(bookings_affected_from(therapist=therapist, start=start))
    return context
