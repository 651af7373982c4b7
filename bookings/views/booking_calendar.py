"""The booking as a calendar file, from the page after booking ("Add to calendar"): through
the emailed link's token, or through the login (My bookings), as the booking page itself."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bookings.messaging.calendar import booking_event, calendar_with
from bookings.models import Booking
from bookings.views.aftercare import link_not_valid
from bookings.views.manage import booking_for_token, own_booking


@never_cache
@require_GET
def booking_ics(request, token: str):
    booking = booking_for_token(token)
    return _ics(booking) if booking is not None else link_not_valid(request)


@never_cache
@login_required
@require_GET
def my_booking_ics(request, booking_id: int):
    booking = own_booking(request, booking_id)
    return _ics(booking) if booking is not None else link_not_valid(request)


def _ics(booking: Booking) -> HttpResponse:
    """A plain event with no iTIP method: opened from a download, a calendar app adds it as
    an event of the client's own rather than treating it as an invitation to answer. Its UID
    is the one the emails use, so a later emailed change updates the same event."""
    event = booking_event(booking, summary=f"{booking.session_type.name} with {booking.therapist.display_name}")
    response = HttpResponse(calendar_with([event]).to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.start:%Y-%m-%d}.ics"'
    return response
