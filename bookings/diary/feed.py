"""The therapist's private calendar feed (iCalendar), for Google, Apple or Outlook calendars."""

import datetime
from collections.abc import Sequence

from icalendar import Calendar, Event

from bookings.messaging.calendar import booking_event
from bookings.models import Booking
from clinic.london import EARLIEST_DAY, LATEST_DAY, LONDON
from clinic.selectors import clinic_get
from therapists.models import Therapist, TimeOff


def diary_calendar(
    *,
    therapist: Therapist,
    bookings: Sequence[Booking],
    time_off: Sequence[TimeOff] = (),
    host: str,
    now: datetime.datetime,
) -> bytes:
    """The feed as iCalendar bytes: one event per booking in London time; cancelled ones
    carry STATUS:CANCELLED; time off shows as busy blocks. Only the client's first name goes
    in: calendars get synced to phones and shared more widely than the clinic's own pages."""
    calendar = Calendar()
    calendar.add("prodid", "-//Clinic//Therapist diary//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Clinic diary: {therapist.display_name}")
    calendar.add("x-wr-timezone", "Europe/London")
    address = clinic_get().address
    for booking in bookings:
        summary = f"{booking.session_type.name}: {booking.client_first_name}"
        calendar.add_component(booking_event(booking, summary=summary, host=host, now=now, address=address))
    for block in time_off:
        event = Event()
        event.add("uid", f"time-off-{block.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", block.start.astimezone(LONDON))
        event.add("dtend", block.end.astimezone(LONDON))
        event.add("summary", f"Time off: {block.get_reason_display()}")
        calendar.add_component(event)
    moments = [moment for item in [*bookings, *time_off] for moment in (item.start, item.end)]
    if moments:
        # The zone's rules for the years the events span, kept inside the years the clinic's
        # pages accept: a row from before those limits (time off "until 9999") must not
        # break the feed, nor make it carry eight thousand years of clock changes.
        last_year = min(max(moments).year + 2, LATEST_DAY.year + 1)
        first_year = min(max(min(moments).year - 1, EARLIEST_DAY.year), last_year - 1)
        calendar.add_missing_timezones(
            first_date=datetime.date(first_year, 1, 1), last_date=datetime.date(last_year, 1, 1)
        )
    return calendar.to_ical()
