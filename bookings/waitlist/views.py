"""The waitlist's pages: joining (and leaving, from My bookings) and answering an offer."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings.clinical import health
from bookings.forms import BookingDetailsForm, parse_id
from bookings.messaging.tokens import NOT_VALID, link_booking_id
from bookings.models import BookingLink, WaitlistOffer
from bookings.privacy.claims import bookings_for_account
from bookings.services import booking as booking_services
from bookings.services.booking import booking_reschedule
from bookings.views.book import booked_redirect, booking_create_from_form
from bookings.waitlist.answers import OfferError, offer_accept, offer_decline
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


@login_required
def waitlist_offer(request, token: str):
    """An offer from its email: the time, when to answer by, the health questions and one
    button to take it, another to say no. A GET changes nothing."""
    hold_id = link_booking_id(token=token, purpose=BookingLink.Purpose.OFFER)
    offer = (
        WaitlistOffer.objects.select_related("hold__therapist", "hold__session_type", "hold__room", "entry__booking")
        .filter(hold_id=hold_id, entry__client=request.user)
        .first()
        if hold_id is not None
        else None
    )
    if offer is None:
        return render(request, "bookings/link_not_valid.html", {"message": NOT_VALID}, status=404)
    hold = offer.hold
    now = timezone.now()
    open_now = offer.status == WaitlistOffer.Status.OPEN and offer.respond_by > now
    form = BookingDetailsForm(
        initial={
            "therapist": hold.therapist_id,
            "start": hold.start,
            "idempotency_key": uuid.uuid4(),
            "name": request.user.get_full_name(),
            "email": request.user.email,
        }
    )
    # An offer already answered, or past its time, only says so: a second press changes nothing.
    answering = request.method == "POST" and open_now
    if answering and request.POST.get("answer") == "decline":
        try:
            offer_decline(offer_id=offer.pk, client=request.user)
        except OfferError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Thank you for telling us. The time goes to the next person waiting.")
        return redirect("my_bookings")
    if answering and offer.entry.booking_id is not None:
        return _move_earlier(request, offer)
    if answering:
        form = BookingDetailsForm(request.POST)
        if form.is_valid():
            # The time and therapist are the offer's, whatever the form sent.
            data = {**form.cleaned_data, "therapist": hold.therapist_id, "start": hold.start}
            try:
                booking = offer_accept(
                    offer_id=offer.pk,
                    client=request.user,
                    book=lambda: booking_create_from_form(hold.session_type, data, {"client": request.user}),
                )
            except booking_services.HealthScreenStops as stop:
                return render(
                    request,
                    "bookings/get_checked.html",
                    {"assessment": stop.assessment, "emergency": stop.assessment.outcome == health.Outcome.EMERGENCY},
                )
            except (OfferError, booking_services.BookingError) as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                return booked_redirect(request, booking, marketing=bool(data.get("marketing")), on_behalf=False)
    context = {
        "offer": offer,
        "hold": hold,
        "form": form,
        "open_now": open_now,
        "session_type": hold.session_type,
        # Offered to everyone waiting (inside 3 hours of the session): the first to take it has it.
        "shared": WaitlistOffer.objects.filter(hold_id=hold.pk).count() > 1,
    }
    return render(request, "bookings/waitlist/offer.html", context, status=400 if form.errors else 200)


def _move_earlier(request, offer: WaitlistOffer):
    """Taking an "earlier than my booking" offer moves the booking, health answers and all:
    the same move as the manage page's, in one transaction with letting go of the hold."""
    hold = offer.hold
    try:
        moved = offer_accept(
            offer_id=offer.pk,
            client=request.user,
            book=lambda: booking_reschedule(
                booking_id=offer.entry.booking_id, start=hold.start, changed_by=request.user
            ),
        )
    except (OfferError, booking_services.BookingError) as error:
        messages.error(request, error.message)
    else:
        start = timezone.localtime(moved.start)
        messages.success(request, f"Your booking has moved to {start:%A %-d %B} at {start:%H:%M}. We've emailed you.")
    return redirect("my_bookings")
