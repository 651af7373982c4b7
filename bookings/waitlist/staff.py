"""The waitlist for one day, for reception and admins (the clinic diary's permission): who is
waiting, the offers open, the day's fill rate, and a free time offered to a place by hand."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from bookings.forms import parse_id
from bookings.waitlist.answers import OfferError
from bookings.waitlist.offers import offer_by_hand
from bookings.waitlist.selectors import waitlist_day


@never_cache
@login_required
def waitlist_day_page(request, day: str):
    if not request.user.has_perm("bookings.view_clinic_diary"):
        raise PermissionDenied
    try:
        chosen = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    if request.method == "POST":
        _offer_by_hand(request)
        return redirect("waitlist_day", day=chosen.isoformat())
    return render(request, "bookings/waitlist/day.html", {"waitlist": waitlist_day(day=chosen)})


def _offer_by_hand(request) -> None:
    """The form's choice is "<therapist id>|<start, ISO 8601>", one of the free times listed."""
    therapist, _, start = request.POST.get("time", "").partition("|")
    entry_id, therapist_id = parse_id(request.POST.get("entry")), parse_id(therapist)
    try:
        when = datetime.datetime.fromisoformat(start)
    except ValueError:
        when = None
    if entry_id is None or therapist_id is None or when is None or when.tzinfo is None:
        messages.error(request, "Please choose a time to offer.")
        return
    try:
        offer = offer_by_hand(entry_id=entry_id, therapist_id=therapist_id, start=when)
    except OfferError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Offered to {offer.entry.name}. We've emailed them.")
