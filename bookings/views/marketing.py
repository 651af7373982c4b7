"""The unsubscribe link of marketing emails ("book again").

Mail clients offer a one-click unsubscribe from the List-Unsubscribe headers (RFC 8058): they
POST "List-Unsubscribe=One-Click" to the link, with no cookie and no CSRF token, so the POST
is exempt and acts at once. Opening the link (GET or HEAD, as a scanner would) only shows a
page whose button POSTs. Either way only marketing stops: booking emails and aftercare go on."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from bookings.messaging.tokens import link_booking_id
from bookings.models import Booking, BookingLink
from bookings.privacy.marketing import marketing_consent_withdraw
from bookings.views.aftercare import link_not_valid


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def marketing_unsubscribe(request, token: str):
    booking_id = link_booking_id(token=token, purpose=BookingLink.Purpose.UNSUBSCRIBE)
    booking = Booking.objects.filter(pk=booking_id).first() if booking_id is not None else None
    if booking is None:
        return link_not_valid(request)
    if request.method == "POST":
        how = "one-click (mail client)" if request.POST.get("List-Unsubscribe") == "One-Click" else "unsubscribe page"
        marketing_consent_withdraw(email=booking.client_email, how=how)
        return render(request, "bookings/marketing_unsubscribed.html", {"email": booking.client_email})
    return render(request, "bookings/marketing_unsubscribe.html", {"email": booking.client_email})
