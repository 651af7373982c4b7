"""iCalendar events for bookings, built with the icalendar library."""

import datetime
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.utils import timezone

from bookings.models import Booking
from bookings.models.payment_terms import money_of
from clinic.selectors import clinic_get


def booking_uid(booking: Booking, host: str | None = None) -> str:
    """Stable across changes, so a calendar updates the event instead of adding another."""
    return f"booking-{booking.pk}@{host or settings.SITE_HOST}"


def booking_event(
    booking: Booking,
    *,
    summary: str,
    host: str | None = None,
    now: datetime.datetime | None = None,
    address: str | None = None,
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
    event.add("location", booking_location(booking, address if address is not None else clinic_get().address))
    # One UID per booking and a sequence that rises with each change: a calendar replaces
    # its copy of the event with a newer one instead of adding a second.
    event.add("sequence", booking.calendar_sequence)
    event.add("status", CALENDAR_STATUS.get(booking.status, "CONFIRMED"))
    return event


def booking_location(booking: Booking, address: str) -> str:
    """Where to go: the room first when the session has one, so the client and the
    therapist's phone both say which door, then the clinic's address."""
    return ", ".join(part for part in (booking.room.name if booking.room_id else "", address) if part)


# A booking waiting for the therapist's review is not confirmed yet: calendars show it as
# tentative until the confirmation replaces it.
CALENDAR_STATUS = {Booking.Status.AWAITING_REVIEW: "TENTATIVE", Booking.Status.CANCELLED: "CANCELLED"}


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
    """The client's calendar entry as iTIP: REQUEST for a booking (new, moved or accepted),
    CANCEL once it is cancelled. Both need an organizer and the attendee, or calendar apps
    do not apply them to the event they already hold."""
    summary = f"{booking.session_type.name} with {booking.therapist.display_name}"
    event = booking_event(booking, summary=summary)
    event.add("organizer", f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}", parameters={"cn": clinic_get().name})
    event.add("attendee", f"mailto:{booking.client_email}", parameters={"cn": booking.client_name, "rsvp": "FALSE"})
    if terms := money_of(booking)["payment_terms"]:
        event.add("description", "Payment terms:\n" + "\n".join(terms))
    method = "CANCEL" if booking.status == Booking.Status.CANCELLED else "REQUEST"
    return calendar_with([event], method=method).to_ical()
