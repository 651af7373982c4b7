"""An offer's page, opened from its email: the time and when to answer by, then the answers:
say no; move the booking ("earlier than my booking"); take it with the health questions
answered again; or, for a returning client, take it saying nothing has changed since their
last answers, which are then screened again as if typed. A GET changes nothing."""

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from bookings.clinical import health
from bookings.details.form import BookingDetailsForm
from bookings.messaging.tokens import NOT_VALID, offer_id_for
from bookings.models import HealthScreen, WaitlistOffer
from bookings.records.selectors import last_health_answers
from bookings.services import booking as booking_services
from bookings.services.booking import booking_reschedule
from bookings.views.book import booked_redirect, booking_create_from_form
from bookings.waitlist.answers import OfferError, offer_accept, offer_decline
from bookings.waitlist.forms import SameAnswersForm


def waitlist_offer(request, token: str):
    """A client's offer opens to them signed in; a guest's, to the link alone (as a guest's
    booking's manage link does)."""
    offer = _offer_for(token)
    client = offer.entry.client if offer else None
    if client is not None and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if offer is None or (client is not None and request.user.pk != client.pk):
        return render(request, "bookings/link_not_valid.html", {"message": NOT_VALID}, status=404)
    hold = offer.hold
    open_now = offer.status == WaitlistOffer.Status.OPEN and offer.respond_by > timezone.now()
    last = last_health_answers(user=client) if client is not None and offer.entry.booking_id is None else None
    form = BookingDetailsForm(initial=_details_initial(offer.entry, hold))
    same = SameAnswersForm(since=last.booking.start, initial=_same_initial(last)) if last else None
    # An offer already answered, or past its time, only says so: a second press changes nothing.
    if request.method == "POST" and open_now:
        answer = request.POST.get("answer")
        if answer == "decline":
            return _decline(request, offer)
        if offer.entry.booking_id is not None:
            return _move_earlier(request, offer)
        if answer == "same" and last is not None:
            same = SameAnswersForm(request.POST, since=last.booking.start)
            if same.is_valid() and (taken := _take(request, offer, _as_before(last, same.cleaned_data, client), same)):
                return taken
        else:
            form = BookingDetailsForm(request.POST)
            if form.is_valid() and (taken := _take(request, offer, form.cleaned_data, form)):
                return taken
    context = {
        "offer": offer,
        "hold": hold,
        "form": form,
        "same": same,
        "open_now": open_now,
        "session_type": hold.session_type,
        # Offered to everyone waiting (inside 3 hours of the session): the first to take it has it.
        "shared": WaitlistOffer.objects.filter(hold_id=hold.pk).count() > 1,
    }
    errors = form.errors or (same is not None and same.errors)
    return render(request, "bookings/waitlist/offer.html", context, status=400 if errors else 200)


def _offer_for(token: str) -> WaitlistOffer | None:
    """The offer the link opens: each offer's email carries its own link, so one of a hold
    shared by several (inside 3 hours) opens that offer only."""
    offer_id = offer_id_for(token=token)
    if offer_id is None:
        return None
    return (
        WaitlistOffer.objects.select_related(
            "hold__therapist", "hold__session_type", "hold__room", "entry__booking", "entry__client"
        )
        .filter(pk=offer_id)
        .first()
    )


def _details_initial(entry, hold) -> dict:
    return {
        "therapist": hold.therapist_id,
        "start": hold.start,
        "idempotency_key": uuid.uuid4(),
        "name": entry.client.get_full_name() if entry.client_id else entry.guest_name,
        "email": entry.email,
    }


def _same_initial(last: HealthScreen) -> dict:
    return {"phone": last.booking.client_phone, "idempotency_key": uuid.uuid4()}


def _as_before(last: HealthScreen, confirmed: dict, user) -> dict:
    """The booking form's data, its answers those the client gave last time."""
    return {
        "name": user.get_full_name() or last.booking.client_name,
        "email": user.email,
        "phone": confirmed["phone"],
        "answered_yes": list(last.answered_yes),
        "main_problem": last.main_problem,
        "preferred_pressure": last.preferred_pressure,
        "notes": last.notes,
        "consent": confirmed["consent"],
        "doctor_ok": last.doctor_ok_confirmed,
        "pregnancy_trimester": last.pregnancy_trimester,
        "date_of_birth": last.date_of_birth,
        "guardian_name": last.guardian_name,
        "guardian_consent": last.guardian_consent,
        "idempotency_key": confirmed["idempotency_key"],
        "ratings": None,
    }


def _take(request, offer: WaitlistOffer, data: dict, form):
    """Books the held time with ``data`` (the offer's time and therapist, whatever was sent):
    the booked page, the health screen's "get checked" page, or None with the refusal on
    ``form``."""
    hold = offer.hold
    data = {**data, "therapist": hold.therapist_id, "start": hold.start}
    try:
        booking = offer_accept(
            offer_id=offer.pk,
            client=offer.entry.client,
            book=lambda: booking_create_from_form(
                hold.session_type, data, {"client": offer.entry.client} if offer.entry.client_id else {}
            ),
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
    return None


def _decline(request, offer: WaitlistOffer):
    try:
        offer_decline(offer_id=offer.pk, client=offer.entry.client)
    except OfferError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you for telling us. The time goes to the next person waiting.")
    # A guest has no My bookings: the offer's page says it has ended.
    return redirect("my_bookings") if offer.entry.client_id else redirect(request.get_full_path())


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
