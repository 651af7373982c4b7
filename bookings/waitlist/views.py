"""The waitlist's pages for clients and guests: joining (an earlier time too), leaving, and a
guest's place confirmed or left from its emailed link. An offer's page is offer_page.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings.forms import parse_id
from bookings.messaging.tokens import NOT_VALID, place_entry_id
from bookings.models import WaitlistEntry
from bookings.privacy.claims import bookings_for_account
from bookings.waitlist.entries import (
    WaitlistError,
    entry_join,
    entry_join_earlier,
    entry_join_guest,
    entry_leave,
    place_confirm,
    place_leave,
)
from bookings.waitlist.forms import WaitlistJoinForm, WaitlistWhenForm
from therapists.staff import is_staff_member


def waitlist_join(request):
    """ "Tell me if a time comes up": from the booking page (its session, therapist and day
    filled in) or from My bookings. A client with an account joins at once; a guest, or
    reception adding a phone caller, gives a name and an address, which the guest confirms by
    the link we email."""
    as_guest = not request.user.is_authenticated or is_staff_member(request.user)
    if request.method == "POST":
        form = WaitlistJoinForm(request.POST, guest=as_guest)
    else:
        day = request.GET.get("date") or timezone.localdate().isoformat()
        initial = {"session_type": parse_id(request.GET.get("session_type")), "first_day": day, "last_day": day}
        form = WaitlistJoinForm(
            initial={**initial, "therapist": parse_id(request.GET.get("therapist"))}, guest=as_guest
        )
    if request.method == "POST" and form.is_valid():
        try:
            _join(request, form, as_guest)
        except WaitlistError as error:
            form.add_error(None, error.message)
        else:
            if not request.user.is_authenticated:
                messages.success(
                    request, "Nearly there: we've emailed you a link to confirm your place on the waitlist."
                )
                return redirect("home")
            if as_guest:
                messages.success(request, "Added. We've emailed them a link to confirm their place.")
                return redirect("waitlist_join")
            messages.success(request, "You're on the waitlist. We'll email you if a time comes up.")
            return redirect("my_bookings")
    context = {"form": form, "as_guest": as_guest, "by_staff": as_guest and request.user.is_authenticated}
    return render(request, "bookings/waitlist/join.html", context, status=400 if form.errors else 200)


def _join(request, form: WaitlistJoinForm, as_guest: bool) -> None:
    data = form.cleaned_data
    wish = {
        "session_type_id": data["session_type"].pk,
        "therapist_id": data["therapist"].pk if data["therapist"] else None,
        "first_day": data["first_day"],
        "last_day": data["last_day"],
        "notice_hours": data["notice_hours"],
        **form.when(),
    }
    if not as_guest:
        entry_join(client=request.user, **wish)
        return
    staff = request.user if request.user.is_authenticated else None
    entry_join_guest(name=data["name"], email=data["email"], added_by=staff, **wish)


def waitlist_place(request, token: str):
    """A guest's place, from the emailed link: confirm it, or leave. A GET changes nothing."""
    entry_id = place_entry_id(token=token)
    entry = WaitlistEntry.objects.select_related("session_type", "therapist").filter(pk=entry_id).first()
    if entry is None:
        return render(request, "bookings/link_not_valid.html", {"message": NOT_VALID}, status=404)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "leave":
                place_leave(entry_id=entry.pk)
                messages.success(request, "You've left the waitlist. We won't email you about it again.")
                return redirect("home")
            place_confirm(entry_id=entry.pk)
        except WaitlistError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Thank you: your place is confirmed. We'll email you if a time comes up.")
        return redirect("waitlist_place", token=token)
    return render(request, "bookings/waitlist/place.html", {"entry": entry})


@login_required
def waitlist_join_earlier(request, booking_id: int):
    """ "Tell me if an earlier time comes up", for one of the client's upcoming bookings."""
    booking = bookings_for_account(user=request.user).filter(pk=booking_id).first()
    if booking is None:
        return render(request, "bookings/link_not_valid.html", {"message": NOT_VALID}, status=404)
    form = WaitlistWhenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry_join_earlier(
                client=request.user,
                booking_id=booking.pk,
                notice_hours=form.cleaned_data["notice_hours"],
                **form.when(),
            )
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
