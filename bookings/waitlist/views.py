"""The waitlist's pages: joining (and leaving, from My bookings) and answering an offer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings.forms import parse_id
from bookings.messaging.tokens import NOT_VALID
from bookings.privacy.claims import bookings_for_account
from bookings.waitlist.entries import WaitlistError, entry_join, entry_join_earlier, entry_leave
from bookings.waitlist.forms import WaitlistJoinForm, WaitlistWhenForm


@login_required
def waitlist_join(request):
    """ "Tell me if a time comes up": from the booking page (its session, therapist and day
    filled in) or from My bookings."""
    if request.method == "POST":
        form = WaitlistJoinForm(request.POST)
    else:
        day = request.GET.get("date") or timezone.localdate().isoformat()
        form = WaitlistJoinForm(
            initial={
                "session_type": parse_id(request.GET.get("session_type")),
                "therapist": parse_id(request.GET.get("therapist")),
                "first_day": day,
                "last_day": day,
            }
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry_join(
                client=request.user,
                session_type_id=data["session_type"].pk,
                therapist_id=data["therapist"].pk if data["therapist"] else None,
                first_day=data["first_day"],
                last_day=data["last_day"],
                windows=data["windows"],
                notice_hours=data["notice_hours"],
            )
        except WaitlistError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "You're on the waitlist. We'll email you if a time comes up.")
            return redirect("my_bookings")
    return render(request, "bookings/waitlist/join.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def waitlist_join_earlier(request, booking_id: int):
    """ "Tell me if an earlier time comes up", for one of the client's upcoming bookings."""
    booking = bookings_for_account(user=request.user).filter(pk=booking_id).first()
    if booking is None:
        return render(request, "bookings/link_not_valid.html", {"message": NOT_VALID}, status=404)
    form = WaitlistWhenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry_join_earlier(client=request.user, booking_id=booking.pk, **form.cleaned_data)
        except WaitlistError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "We'll email you if an earlier time comes up, and move your booking if you take it."
            )
            return redirect("my_bookings")
    return render(
        request,
        "bookings/waitlist/join_earlier.html",
        {"form": form, "booking": booking},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def waitlist_leave(request, entry_id: int):
    try:
        entry_leave(entry_id=entry_id, client=request.user)
    except WaitlistError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "You've left the waitlist.")
    return redirect("my_bookings")
