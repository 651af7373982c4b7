"""Booking a session: the session menu, a therapist's free times, and the booking steps
(pick a therapist and a time, then health screen and contact details)."""

import datetime
import uuid

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.clinical import health
from bookings.details import steps
from bookings.forms import ANY_THERAPIST, SlotPickForm, SlotSearchForm, parse_id, parse_start
from bookings.messaging.tokens import link_issue
from bookings.models import BookingLink, BookingRules
from bookings.models.payment_terms import policy_in_words
from bookings.privacy import marketing as marketing_services
from bookings.privacy.health_consent import consent_withdrawn_on
from bookings.services import booking as booking_services
from bookings.slots.selectors import last_bookable_day, session_type_list_active
from bookings.slots.week import first_free_day, week_strip
from bookings.views import details_step
from clinic.free_times import free_times_version
from therapists.models import Therapist
from therapists.staff import is_staff_member


def home(request):
    # Read before rendering: with the database down, the page fails at once with a 503, not
    # after the template has also waited on it for the clinic's details.
    return render(request, "bookings/home.html", {"session_types": list(session_type_list_active())})


def therapist_slots(request, therapist_id: int):
    """A bookable therapist's free times. Offering one session, they are shown at once, with the
    week strip and "next available" of the main slot page (the same list: _slot_list and
    _slot_list.html). Offering several, the page first asks which, preselecting none; each choice
    opens the main slot page for this therapist alone (book_slots with ?therapist=)."""
    now = timezone.now()
    today = timezone.localdate(now)
    therapist = get_object_or_404(Therapist.objects.bookable(on=today), pk=therapist_id)
    # Only the sessions they offer: no other can be booked with them.
    session_types = list(session_type_list_active().filter(therapists=therapist))
    context = {"therapist": therapist, "today": today, "session_types": session_types, "offers_nothing": False}
    if not session_types:
        return render(request, "bookings/therapist_slots.html", context | {"offers_nothing": True})
    query = request.GET.copy()
    query.setdefault("date", today.isoformat())
    if len(session_types) == 1:
        query.setdefault("session_type", str(session_types[0].pk))
    rules = BookingRules.load()
    form = SlotSearchForm(
        query, today=today, last_day=last_bookable_day(now=now, rules=rules), session_types=session_types
    )
    valid = form.is_valid()
    session_type = form.cleaned_data.get("session_type")
    context.update(form=form, chosen_date=request.GET.get("date", ""))
    if session_type is None:
        # None chosen yet, or one they do not offer (an old or edited link): ask, with no times.
        context["not_offered"] = "session_type" in query
        return render(request, "bookings/therapist_slots.html", context)
    if len(session_types) > 1:
        return redirect(_times_with(session_type, therapist, request.GET.get("date")))
    context.update(session_type=session_type, therapist_value=str(therapist.pk))
    if valid:
        context.update(_slot_list(session_type, therapist.pk, form.cleaned_data["date"], form, now, rules))
    return render(request, "bookings/therapist_slots.html", context)


def _times_with(session_type, therapist, day: str | None) -> str:
    """The main slot page for one session with this therapist alone, on ``day`` if given."""
    query = {"therapist": therapist.pk} | ({"date": day} if day else {})
    return f"{reverse('book_slots', args=[session_type.pk])}?{urlencode(query)}"


SLOT_LIST_CACHE_SECONDS = 90


def book_slots(request, session_type_id: int):
    """Step 1-2 of booking: pick a therapist (or the first available) and a day, see the free
    times. htmx asks for the slot list alone when the choice changes; without JavaScript the
    "Show times" button reloads the page. The list is cached per search and minute (see
    _slot_list_key) and the whole page reuses it."""
    now = timezone.now()
    # Read before the search, so a change committed while it runs leaves the list stored
    # under a version no one asks for any more.
    boosted = bool(request.htmx and request.htmx.boosted)
    key = _slot_list_key(session_type_id, request.GET, now, boosted=boosted)
    # The whole page too, for visitors not logged in (most clients at this step): it is then
    # the same for all of them. Not with a message waiting to be shown, which is one person's.
    page_key = (
        f"{key}:page"
        if key and not request.htmx and not request.user.is_authenticated and not len(messages.get_messages(request))
        else None
    )
    if page_key and (page := cache.get(page_key)) is not None:
        return HttpResponse(page)
    cached = cache.get(key) if key else None
    if request.htmx and cached is not None:
        return HttpResponse(cached)
    session_type = get_object_or_404(session_type_list_active(), pk=session_type_id)
    today = timezone.localdate(now)
    # Who may be picked. Their names only for the whole page's picker: the htmx slot list
    # renders no picker, and a clinic may list a couple of hundred therapists.
    offering = Therapist.objects.bookable(on=today).offering(session_type)
    if request.htmx:
        therapists = [(pk, "") for pk in offering.values_list("pk", flat=True)]
    else:
        therapists = offering.values_list("pk", "display_name")
    query = request.GET.copy()
    query.setdefault("therapist", ANY_THERAPIST)
    query.setdefault("date", today.isoformat())
    rules = BookingRules.load()  # once, for the horizon and every search below
    form = SlotPickForm(query, today=today, last_day=last_bookable_day(now=now, rules=rules), therapists=therapists)
    context = {"session_type": session_type, "form": form, "today": today, "therapist_value": query["therapist"]}
    if not request.htmx:
        context["payment_policy"] = policy_in_words(session_type)
    if form.is_valid() and cached is None:
        context.update(
            _slot_list(session_type, form.cleaned_data["therapist"], form.cleaned_data["date"], form, now, rules)
        )
    html = cached
    if html is None:
        html = render_to_string("bookings/_slot_list.html", context, request=request)
        if key and form.is_valid():
            # The key's minute changes, so an entry is never read after that minute anyway.
            cache.set(key, html, SLOT_LIST_CACHE_SECONDS)
    if request.htmx:
        return HttpResponse(html)
    # Our own template's output, escaped as it was rendered.
    context["slot_list_html"] = mark_safe(html)  # noqa: S308
    response = render(request, "bookings/book_slots.html", context)
    if page_key and form.is_valid():
        cache.set(page_key, response.content, SLOT_LIST_CACHE_SECONDS)
    return response


def _slot_list(session_type, therapist_id, day, form, now, rules: BookingRules) -> dict:
    """What the slot list shows: the day's free times, the week strip around it and the
    first day with a free time. Computed as at the end of the current minute, which is the
    same answer for every moment in it (notice and start times are whole minutes), so a
    cached list is exact for that minute and the minute is part of its cache key."""
    today = form.today
    search = {"therapist_id": therapist_id, "session_type": session_type, "now": _end_of_minute(now), "rules": rules}
    # Weeks are counted from today, so the strip holding today starts with it.
    week_start = today + datetime.timedelta(days=(day - today).days // 7 * 7)
    week = week_strip(date_from=week_start, last_day=form.last_day, shown=day, **search)
    strip = week.days
    # "Next available" is always the first day after the one shown with free times, so the
    # button and the sentence under it name the same day and never point back. The strip
    # answers it when it can; a search beyond the strip only when none of its later days can.
    next_available = next((entry.day for entry in strip if entry.free and entry.day > day), None)
    if next_available is None and strip and strip[-1].day < form.last_day:
        after = strip[-1].day + datetime.timedelta(days=1)
        next_available = first_free_day(date_from=after, last_day=form.last_day, **search)
    return {
        "day": day,
        "last_day": form.last_day,
        "slots": week.slots_on(day),
        "strip": strip,
        "next_available": next_available,
        "previous_week": week_start - datetime.timedelta(days=7) if week_start > today else None,
        "next_week": week_start + datetime.timedelta(days=7) if strip and strip[-1].day < form.last_day else None,
    }


def _end_of_minute(now: datetime.datetime) -> datetime.datetime:
    start = now.replace(second=0, microsecond=0)
    return start if start == now else start + datetime.timedelta(minutes=1)


def _slot_list_key(session_type_id: int, query, now: datetime.datetime, *, boosted: bool) -> str | None:
    """The cache key of a slot list: the search, the minute, and the free-times versions of
    what it depends on (the therapist's or "any", the session type's rooms' and everyone's,
    clinic.free_times), so a booking, cancellation, move, time off, hours or registration
    change that could change the list makes a new key at once, and leaves the others.
    None for a search that is not plainly one therapist (or any) and one ISO date: those go
    through the form and its messages."""
    therapist = query.get("therapist", ANY_THERAPIST)
    day = query.get("date", "")
    if not (therapist == ANY_THERAPIST or (therapist.isascii() and therapist.isdigit() and len(therapist) < 10)):
        return None
    if not (len(day) == 10 and day.isascii() and day[4] == "-" and day[7] == "-" and day.replace("-", "").isdigit()):
        return None
    version = free_times_version(
        therapist_id=None if therapist == ANY_THERAPIST else int(therapist), session_type_id=session_type_id
    )
    if version is None:
        return None
    # A strip link (boosted) also moves the day picker, so its answer differs by that field.
    kind = "strip" if boosted else "form"
    return f"slot-list:{kind}:{session_type_id}:{therapist}:{day}:{_end_of_minute(now):%Y%m%d%H%M}:{version}"


@never_cache
@require_http_methods(["GET", "POST"])
def book_details(request, session_type_id: int):
    """The last two steps: the health screen, then contact details and consent, then the
    booking (bookings.details.steps: each page posts the whole form)."""
    session_type = get_object_or_404(session_type_list_active(), pk=session_type_id)
    who_books = _who_books(request.user)
    on_behalf = "booked_by" in who_books
    if (form := details_step.details_form(request, who_books, session_type)) is None:
        messages.error(request, "Please choose a time first.")
        return redirect("book_slots", session_type_id=session_type.pk)
    context = {"session_type": session_type, "alternatives": [], "on_behalf": on_behalf}
    step = steps.HEALTH
    pressed = steps.button_pressed(request.POST) if request.method == "POST" else None
    if pressed == steps.BACK:
        form = steps.without_mistakes(form)
    elif pressed == steps.CONTINUE:
        form.is_valid()
        if not steps.has_mistakes(form, steps.HEALTH):
            assessment = health.assess(form.cleaned_data["answered_yes"])
            if not assessment.can_book_online:  # said now, before they type anything else
                return _get_checked(request, assessment)
            form, step = steps.without_mistakes(form), steps.ABOUT_YOU
    elif pressed == steps.CONFIRM:
        if form.is_valid() and (booked := _book_from_details(request, form, session_type, who_books, context)):
            return booked
        step = steps.step_to_show(form)

    context.update(form=steps.show(form, step), step=step, carried=steps.carried(form, step))
    # A client who withdrew their health consent is told that ticking the box gives it again.
    context["consent_withdrawn_on"] = consent_withdrawn_on(user=request.user) if "client" in who_books else None
    context["start"] = parse_start(form["start"].value())
    therapist_id = parse_id(form["therapist"].value())
    context["therapist"] = Therapist.objects.filter(pk=therapist_id).first() if therapist_id is not None else None
    return render(request, "bookings/book_details.html", context, status=400 if form.errors else 200)


def _book_from_details(request, form, session_type, who_books: dict, context: dict):
    """The booking from a valid details form and where it goes next; None when the service
    refused, with why added to ``form`` (and the nearest free times to ``context``)."""
    data = form.cleaned_data
    try:
        booking = booking_create_from_form(session_type, data, who_books)
    except booking_services.HealthScreenStops as stop:
        return _get_checked(request, stop.assessment)
    except booking_services.IdempotencyKeyReused as reused:
        form.add_error(None, reused.message)
        # A fresh key: sending these details again is a new booking, made on purpose.
        form.data = form.data.copy()
        form.data["idempotency_key"] = str(uuid.uuid4())
    except booking_services.SlotNotFree as refused:
        form.add_error(None, refused.message)
        context["alternatives"] = refused.alternatives
    except booking_services.BookingError as error:
        form.add_error(None, error.message)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(FORM_FIELD_FOR.get(field), errors)
    else:
        return booked_redirect(
            request, booking, marketing=bool(data.get("marketing")), on_behalf="booked_by" in who_books
        )
    return None


def _get_checked(request, assessment: health.Assessment):
    return render(
        request,
        "bookings/get_checked.html",
        {"assessment": assessment, "emergency": assessment.outcome == health.Outcome.EMERGENCY},
    )


def booking_create_from_form(session_type, data: dict, who_books: dict):
    """booking_create with the details form's cleaned data (this page's, or a waitlist offer's)."""
    return booking_services.booking_create(
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
            doctor_ok=data["doctor_ok"],
            pregnancy_trimester=data["pregnancy_trimester"],
            # A waitlist offer taken "as before" carries last time's (bookings.waitlist.offer_page).
            date_of_birth=data.get("date_of_birth"),
            guardian_name=data.get("guardian_name", ""),
            guardian_consent=bool(data.get("guardian_consent")),
        ),
        idempotency_key=data["idempotency_key"],
        ratings=data["ratings"],
        room_id=data.get("room"),
        **who_books,
    )


def booked_redirect(request, booking, *, marketing: bool, on_behalf: bool):
    """Where a booking made from the form goes: staff back to their work, a client to the
    booking's own page (through a manage link, as in the email), their marketing choice kept."""
    # The message says what happened: a booking awaiting the therapist's review is a request,
    # not yet booked, and its email says so too.
    awaiting_review = booking.status == booking.Status.AWAITING_REVIEW
    if on_behalf:
        if awaiting_review:
            messages.info(
                request,
                f"{booking.client_name}'s request with {booking.therapist.display_name} awaits the therapist's "
                "review. We've emailed them that it is not confirmed yet.",
            )
        else:
            messages.success(
                request,
                f"{booking.client_name} is booked in with {booking.therapist.display_name}"
                f"{f' in {booking.room.name}' if booking.room else ''}. We've emailed them the confirmation.",
            )
        return redirect(_after_booking_on_behalf(request.user, booking))
    if marketing:
        marketing_services.marketing_consent_give(email=booking.client_email, how="booking form, ticked")
    token = link_issue(booking=booking, purpose=BookingLink.Purpose.MANAGE)
    if booking.status == booking.Status.AWAITING_PAYMENT:
        return redirect("booking_pay", token=token)
    if awaiting_review:
        messages.info(
            request,
            "We have your booking request. It is not confirmed yet: we've emailed you a copy, "
            "and will email you again when your therapist confirms it.",
        )
    else:
        messages.success(request, "You're booked in. We've emailed your confirmation.")
    return redirect("booking_manage", token=token)


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
    if is_staff_member(user):
        return {"booked_by": user}
    return {"client": user}


FORM_FIELD_FOR = {"client_name": "name", "client_email": "email", "client_phone": "phone", "notes": "notes"}
