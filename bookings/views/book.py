"""Booking a session: the session menu, a therapist's free times, and the booking steps
(pick a therapist and a time, then health screen and contact details)."""

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.london import instant_in_range
from therapists.models import Therapist

from .. import health
from ..forms import ANY_THERAPIST, BookingDetailsForm, SlotPickForm, SlotSearchForm, parse_id
from ..models import BookingLink, BookingRules
from ..selectors import available_slots, session_type_list_active
from ..services import booking as booking_services
from ..services import marketing as marketing_services
from ..tokens import link_issue


def home(request):
    return render(request, "bookings/home.html", {"session_types": session_type_list_active()})


def therapist_slots(request, therapist_id: int):
    """A bookable therapist's free start times for one session type on one day."""
    today = timezone.localdate()
    therapist = get_object_or_404(Therapist.objects.bookable(on=today), pk=therapist_id)
    # Only the sessions they offer: no other can be booked with them.
    session_types = list(session_type_list_active().filter(therapists=therapist))
    query = request.GET.copy()
    query.setdefault("date", today.isoformat())
    if session_types:
        query.setdefault("session_type", str(session_types[0].pk))
    rules = BookingRules.load()
    form = SlotSearchForm(query, today=today, last_day=last_bookable_day(today, rules), session_types=session_types)
    context = {"therapist": therapist, "form": form, "today": today, "offers_nothing": not session_types}
    if form.is_valid():
        day = form.cleaned_data["date"]
        context.update(
            day=day,
            session_type=form.cleaned_data["session_type"],
            slots=available_slots(
                therapist_id=therapist.pk,
                session_type=form.cleaned_data["session_type"],
                date_from=day,
                date_to=day,
                now=timezone.now(),
                rules=rules,
            ),
        )
    return render(request, "bookings/therapist_slots.html", context)


def last_bookable_day(today: datetime.date, rules: BookingRules | None = None) -> datetime.date:
    return today + datetime.timedelta(days=(rules or BookingRules.load()).horizon_days)


def book_slots(request, session_type_id: int):
    """Step 1-2 of booking: pick a therapist (or the first available) and a day, see the free
    times. htmx swaps only the times when the choice changes; without JavaScript the
    "Show times" button reloads the page."""
    session_type = get_object_or_404(session_type_list_active(), pk=session_type_id)
    today = timezone.localdate()
    therapists = list(Therapist.objects.bookable(on=today).offering(session_type))
    query = request.GET.copy()
    query.setdefault("therapist", ANY_THERAPIST)
    query.setdefault("date", today.isoformat())
    form = SlotPickForm(query, today=today, last_day=last_bookable_day(today), therapists=therapists)
    context = {"session_type": session_type, "form": form, "today": today}
    if form.is_valid():
        day = form.cleaned_data["date"]
        context.update(
            day=day,
            therapist_value=query["therapist"],
            slots=available_slots(
                therapist_id=form.cleaned_data["therapist"],
                session_type=session_type,
                date_from=day,
                date_to=day,
                now=timezone.now(),
            ),
            previous_day=day - datetime.timedelta(days=1) if day > today else None,
            next_day=day + datetime.timedelta(days=1) if day < form.last_day else None,
        )
    return render(request, "bookings/book_slots.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def book_details(request, session_type_id: int):
    """The last step: health screen, contact details and consent, then the booking."""
    session_type = get_object_or_404(session_type_list_active(), pk=session_type_id)
    who_books = _who_books(request.user)
    on_behalf = "booked_by" in who_books
    if request.method == "POST":
        form = BookingDetailsForm(request.POST, on_behalf=on_behalf)
    else:
        initial = {
            "therapist": request.GET.get("therapist", ANY_THERAPIST),
            "start": request.GET.get("start"),
            "idempotency_key": uuid.uuid4(),
        }
        if "client" in who_books:
            initial.update(name=request.user.get_full_name(), email=request.user.email)
        form = BookingDetailsForm(initial=initial, on_behalf=on_behalf)
        probe = BookingDetailsForm({**initial, "idempotency_key": str(initial["idempotency_key"])})
        probe.is_valid()
        if "start" in probe.errors or "therapist" in probe.errors:
            messages.error(request, "Please choose a time first.")
            return redirect("book_slots", session_type_id=session_type.pk)
    context = {"session_type": session_type, "form": form, "alternatives": [], "on_behalf": on_behalf}

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = booking_services.booking_create(
                session_type_id=session_type.pk,
                therapist_id=data["therapist"],
                start=data["start"],
                details=booking_services.ClientDetails(name=data["name"], email=data["email"], phone=data["phone"]),
                answers=booking_services.HealthAnswers(
                    answered_yes=data["answered_yes"],
                    main_problem=data["main_problem"],
                    preferred_pressure=data["preferred_pressure"],
                    notes=data["notes"],
                    consent=data["consent"],
                ),
                idempotency_key=data["idempotency_key"],
                **who_books,
            )
        except booking_services.HealthScreenStops as stop:
            return render(
                request,
                "bookings/get_checked.html",
                {"assessment": stop.assessment, "emergency": stop.assessment.outcome == health.Outcome.EMERGENCY},
            )
        except booking_services.IdempotencyKeyReused as reused:
            form.add_error(None, str(reused))
            # A fresh key: sending these details again is a new booking, made on purpose.
            form.data = form.data.copy()
            form.data["idempotency_key"] = str(uuid.uuid4())
        except booking_services.SlotNotFree as refused:
            form.add_error(None, str(refused))
            context["alternatives"] = refused.alternatives
        except booking_services.BookingError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(FORM_FIELD_FOR.get(field), errors)
        else:
            if on_behalf:
                messages.success(
                    request,
                    f"{booking.client_name} is booked in with {booking.therapist.display_name}. "
                    "We've emailed them the confirmation.",
                )
                return redirect(_after_booking_on_behalf(request.user, booking))
            if data.get("marketing"):
                marketing_services.marketing_consent_give(email=booking.client_email, how="booking form, ticked")
            messages.success(request, "You're booked in. We've emailed your confirmation.")
            return redirect("booking_manage", token=link_issue(booking=booking, purpose=BookingLink.Purpose.MANAGE))

    start = form["start"].value()
    context["start"] = parse_start(start)
    therapist_id = parse_id(form["therapist"].value())
    context["therapist"] = Therapist.objects.filter(pk=therapist_id).first() if therapist_id is not None else None
    return render(request, "bookings/book_details.html", context, status=400 if form.errors else 200)


def _after_booking_on_behalf(user, booking) -> str:
    """Where staff land after booking a client in: the booking if they may open it (its
    therapist, or staff who may read health data), else the diary they work from."""
    if booking.is_open_to_staff(user):
        return reverse("booking_detail", args=[booking.pk])
    if Therapist.objects.filter(user=user).exists():
        return reverse("diary:week_current")
    if user.has_perm("bookings.view_clinic_diary"):
        return reverse("diary:clinic_day", args=[timezone.localdate(booking.start).isoformat()])
    return reverse("home")


def _who_books(user) -> dict:
    """A client books for themselves; a therapist or admin using the same pages books on a
    client's behalf, so the booking is not theirs but records who made it."""
    if not user.is_authenticated:
        return {}
    if user.is_staff or Therapist.objects.filter(user=user).exists():
        return {"booked_by": user}
    return {"client": user}


FORM_FIELD_FOR = {"client_name": "name", "client_email": "email", "client_phone": "phone", "notes": "notes"}


def parse_start(value) -> datetime.datetime | None:
    """An aware start time from a form, or None for one that is unreadable, naive, or so near
    the calendar's ends (year 1 or 9999) that showing it in London time would overflow."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        try:
            parsed = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return parsed if instant_in_range(parsed) else None
