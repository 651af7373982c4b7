import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from therapists.models import Therapist

from . import health
from .forms import ANY_THERAPIST, AREAS_FOR_PROBLEM, BookingDetailsForm, SessionNoteForm, SlotPickForm, SlotSearchForm
from .models import AftercareOptOut, Booking, BookingRules
from .selectors import available_slots, session_type_list_active
from .services import booking as booking_services
from .services import outcome
from .tokens import booking_id_from_manage_token, email_from_stop_token, feedback_from_token, manage_token


def home(request):
    return render(request, "bookings/home.html", {"session_types": session_type_list_active()})


def therapist_slots(request, therapist_id: int):
    """A bookable therapist's free start times for one session type on one day."""
    today = timezone.localdate()
    therapist = get_object_or_404(Therapist.objects.bookable(on=today), pk=therapist_id)
    session_types = list(session_type_list_active())
    query = request.GET.copy()
    query.setdefault("date", today.isoformat())
    if session_types:
        query.setdefault("session_type", str(session_types[0].pk))
    form = SlotSearchForm(query, today=today, session_types=session_types)
    context = {"therapist": therapist, "form": form, "today": today}
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
            ),
        )
    return render(request, "bookings/therapist_slots.html", context)


def _last_bookable_day(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=BookingRules.load().horizon_days)


def book_slots(request, session_type_id: int):
    """Step 1-2 of booking: pick a therapist (or the first available) and a day, see the free
    times. htmx swaps only the times when the choice changes; without JavaScript the
    "Show times" button reloads the page."""
    session_type = get_object_or_404(session_type_list_active(), pk=session_type_id)
    today = timezone.localdate()
    therapists = list(Therapist.objects.bookable(on=today))
    query = request.GET.copy()
    query.setdefault("therapist", ANY_THERAPIST)
    query.setdefault("date", today.isoformat())
    form = SlotPickForm(query, today=today, last_day=_last_bookable_day(today), therapists=therapists)
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
        except booking_services.SlotTaken as taken:
            form.add_error(None, str(taken))
            context["alternatives"] = taken.alternatives
        except booking_services.BookingError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(FORM_FIELD_FOR.get(field), errors)
        else:
            if on_behalf:
                messages.success(request, f"{booking.client_name} is booked in. We've emailed them the confirmation.")
                return redirect("booking_detail", booking_id=booking.pk)
            messages.success(request, "You're booked in. We've emailed your confirmation.")
            return redirect("booking_manage", token=manage_token(booking))

    start = form["start"].value()
    context["start"] = _parse_start(start)
    therapist_id = form["therapist"].value()
    context["therapist"] = Therapist.objects.filter(pk=therapist_id).first() if str(therapist_id).isdigit() else None
    return render(request, "bookings/book_details.html", context, status=400 if form.errors else 200)


def _who_books(user) -> dict:
    """A client books for themselves; a therapist or admin using the same pages books on a
    client's behalf, so the booking is not theirs but records who made it."""
    if not user.is_authenticated:
        return {}
    if user.is_staff or Therapist.objects.filter(user=user).exists():
        return {"booked_by": user}
    return {"client": user}


FORM_FIELD_FOR = {"client_name": "name", "client_email": "email", "client_phone": "phone", "notes": "notes"}


def _parse_start(value) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value
    try:
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _booking_for_token(token: str) -> Booking:
    found = booking_id_from_manage_token(token)
    if found is None:
        raise Http404("This link is not valid. Please use the link in your latest email.")
    booking_id, email = found
    return get_object_or_404(
        Booking.objects.select_related("therapist", "session_type"), pk=booking_id, client_email__iexact=email
    )


@require_http_methods(["GET", "POST"])
def booking_manage(request, token: str):
    """What a client sees from the link in their emails: the booking, and cancelling it."""
    booking = _booking_for_token(token)
    now = timezone.now()
    if request.method == "POST":
        try:
            booking_services.booking_cancel(booking_id=booking.pk, cancelled_by=None, now=now)
        except booking_services.BookingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Your booking is cancelled. We've emailed you to confirm.")
        return redirect("booking_manage", token=token)
    changeable = booking.status in (Booking.Status.CONFIRMED, Booking.Status.AWAITING_REVIEW) and booking.start > now
    late = booking.start - now < datetime.timedelta(hours=settings.FREE_CANCELLATION_HOURS)
    return render(
        request,
        "bookings/manage.html",
        {
            "booking": booking,
            "token": token,
            "changeable": changeable,
            "late": late,
            "cancellation_hours": settings.FREE_CANCELLATION_HOURS,
        },
    )


@require_http_methods(["GET", "POST"])
def booking_move(request, token: str):
    """Reschedule from the email link: the same therapist and session, another free time."""
    booking = _booking_for_token(token)
    now = timezone.now()
    if request.method == "POST":
        start = _parse_start(request.POST.get("start", ""))
        if start is None:
            messages.error(request, "Please choose one of the times shown.")
            return redirect("booking_move", token=token)
        try:
            booking_services.booking_reschedule(booking_id=booking.pk, start=start, now=now)
        except booking_services.BookingError as error:
            messages.error(request, str(error))
            return redirect(f"{reverse('booking_move', args=[token])}?date={timezone.localtime(start).date():%Y-%m-%d}")
        messages.success(request, "Your booking has moved. We've emailed you the new time.")
        return redirect("booking_manage", token=token)

    today = timezone.localdate()
    query = request.GET.copy()
    query["therapist"] = str(booking.therapist_id)
    query.setdefault("date", max(today, timezone.localdate(booking.start)).isoformat())
    form = SlotPickForm(query, today=today, last_day=_last_bookable_day(today), therapists=[booking.therapist])
    context = {"booking": booking, "token": token, "form": form, "today": today}
    if form.is_valid():
        day = form.cleaned_data["date"]
        context.update(
            day=day,
            slots=available_slots(
                therapist_id=booking.therapist_id,
                session_type=booking.session_type,
                date_from=day,
                date_to=day,
                now=now,
            ),
        )
    return render(request, "bookings/move.html", context)


@login_required
def my_bookings(request):
    bookings = list(
        Booking.objects.filter(client=request.user).select_related("therapist", "session_type").order_by("-start")
    )
    now = timezone.now()
    for booking in bookings:
        booking.manage_token = manage_token(booking)
    return render(
        request,
        "bookings/my_bookings.html",
        {
            "upcoming": [b for b in reversed(bookings) if b.start > now],
            "past": [b for b in bookings if b.start <= now],
            "aftercare_off": AftercareOptOut.objects.filter(email__iexact=request.user.email).exists(),
        },
    )


def _last_flare(booking: Booking) -> dict | None:
    """If this client said an earlier session made things worse, the flare rule for this one."""
    from .aftercare import FLARE_ANSWERS, flare_advice

    earlier = (
        Booking.objects.filter(
            client_email__iexact=booking.client_email,
            status=Booking.Status.ATTENDED,
            feedback__in=FLARE_ANSWERS,
            start__lt=booking.start,
            session_note__isnull=False,
        )
        .select_related("session_note")
        .order_by("-start")
        .first()
    )
    if earlier is None:
        return None
    note = earlier.session_note
    return {
        "booking": earlier,
        "pressure_used": note.pressure_used,
        **flare_advice(problem=note.problem, pressure_used=note.pressure_used),
    }


def _booking_for_staff(request, booking_id: int) -> Booking:
    """The booking, for its own therapist or an admin; anyone else gets 404, as if it did not
    exist, because its health answers are special category data."""
    booking = get_object_or_404(
        Booking.objects.select_related("therapist__user", "session_type", "health_screen", "session_note"),
        pk=booking_id,
    )
    if not (request.user.is_staff or booking.therapist.user_id == request.user.pk):
        raise Http404
    return booking


@login_required
@require_http_methods(["GET", "POST"])
def booking_detail(request, booking_id: int):
    """Who is coming and why: the booking, the client's health answers, its emails; the
    therapist accepts a booking awaiting review, and the therapist or an admin can cancel."""
    booking = _booking_for_staff(request, booking_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept" and booking.therapist.user_id == request.user.pk:
                booking_services.booking_review_accept(booking_id=booking.pk, therapist=booking.therapist)
                messages.success(request, "Booking accepted. The client's confirmation stands.")
            elif action == "cancel":
                booking_services.booking_cancel(
                    booking_id=booking.pk, cancelled_by=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, "Booking cancelled. The client has been emailed.")
            else:
                messages.error(request, "That action is not available.")
        except booking_services.BookingError as error:
            messages.error(request, str(error))
        return redirect("booking_detail", booking_id=booking.pk)
    screen = getattr(booking, "health_screen", None)
    return render(
        request,
        "bookings/booking_detail.html",
        {
            "note": getattr(booking, "session_note", None),
            "flare": _last_flare(booking),
            "booking": booking,
            "screen": screen,
            "answers": [health.QUESTIONS[key] for key in screen.answered_yes if key in health.QUESTIONS]
            if screen
            else [],
            "emails": booking.emails.order_by("due_at"),
            "is_own_therapist": booking.therapist.user_id == request.user.pk,
            "changeable": booking.status in (Booking.Status.CONFIRMED, Booking.Status.AWAITING_REVIEW)
            and booking.start > timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_complete(request, booking_id: int):
    """The therapist marks a session attended with notes; that plans the client's aftercare."""
    therapist = Therapist.objects.filter(user=request.user).first()
    booking = (
        get_object_or_404(
            Booking.objects.select_related("session_type", "health_screen"), pk=booking_id, therapist=therapist
        )
        if therapist
        else None
    )
    if booking is None:
        raise Http404
    if request.method == "POST":
        form = SessionNoteForm(request.POST)
        if form.is_valid():
            try:
                outcome.session_complete(therapist=therapist, booking_id=booking.pk, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, f"{booking.client_first_name}: attended. Aftercare emails are on their way.")
                return redirect("diary:day", day=timezone.localtime(booking.start).date().isoformat())
    else:
        screen = getattr(booking, "health_screen", None)
        problem = screen.main_problem if screen else ""
        form = SessionNoteForm(
            initial={
                "problem": problem,
                "pressure_used": str(
                    screen.preferred_pressure if screen and screen.preferred_pressure is not None else 5
                ),
                "areas_worked": AREAS_FOR_PROBLEM.get(problem, []),
            }
        )
    return render(
        request,
        "bookings/session_complete.html",
        {"booking": booking, "form": form},
        status=400 if form.errors else 200,
    )


def aftercare_feedback(request, token: str):
    """One click from the check-in email. The first answer is kept; clicking again, or
    another answer later, changes nothing and says so."""
    found = feedback_from_token(token)
    if found is None:
        raise Http404("This link is not valid.")
    booking_id, answer = found
    try:
        booking, recorded = outcome.aftercare_feedback_record(booking_id=booking_id, answer=answer)
    except (Booking.DoesNotExist, booking_services.BookingError):
        raise Http404("This link is not valid.") from None
    return render(request, "bookings/aftercare_feedback.html", {"booking": booking, "recorded": recorded})


def aftercare_stop(request, token: str):
    email = email_from_stop_token(token)
    if email is None:
        raise Http404("This link is not valid.")
    outcome.aftercare_stop(email=email)
    return render(request, "bookings/aftercare_stopped.html", {"email": email})


@login_required
@require_POST
def aftercare_restart(request):
    outcome.aftercare_restart(email=request.user.email)
    messages.success(request, "Aftercare emails are back on from your next session.")
    return redirect("my_bookings")
