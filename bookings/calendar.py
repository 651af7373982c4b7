"""iCalendar events for bookings, built with the icalendar library."""

import datetime

import icalendar
from django.conf import settings
from django.utils import timezone

from .models import Booking


def booking_uid(booking: Booking, host: str | None = None) -> str:
    """Stable across changes, so a calendar updates the event instead of adding another."""
    return f"booking-{booking.pk}@{host or settings.SITE_HOST}"


def booking_event(
    booking: Booking, *, summary: str, host: str | None = None, now: datetime.datetime | None = None
) -> icalendar.Event:
    """One booking as a calendar event, the same for the client's .ics and the therapist's
    feed; only the summary differs (what each of them needs to see)."""
    event = icalendar.Event()
    event.add("uid", booking_uid(booking, host))
    event.add("summary", summary)
    # Local times with their zone, so calendars show the clinic's wall-clock time.
    event.add("dtstart", timezone.localtime(booking.start))
    event.add("dtend", timezone.localtime(booking.end))
    event.add("dtstamp", now or timezone.now())
    event.add("location", settings.CLINIC_ADDRESS)
    if booking.status == Booking.Status.CANCELLED:
        event.add("status", "CANCELLED")
        # Some calendar apps ignore STATUS; a higher sequence tells them the event changed.
        event.add("sequence", 1)
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_with(events: list[icalendar.Event], *, method: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Clinic//Bookings//EN")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    for event in events:
        calendar.add_component(event)
    # VTIMEZONE blocks for the zones the events use (Europe/London), so clients that do not
    # know the zone by name still place the times right.
    calendar.add_missing_timezones()
    return calendar


def booking_ics_for_client(booking: Booking) -> bytes:
    summary = f"{booking.session_type.name} with {booking.therapist.display_name}"
    return calendar_with([booking_event(booking, summary=summary)], method="PUBLISH").to_ical()
