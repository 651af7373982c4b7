import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bookings.diary import clinic_wide, clinic_wide_week, feed, selectors, services
from bookings.diary.forms import TimeOffForm, week_formsets
from bookings.models import Booking
from bookings.services.outcome import booking_mark_no_show
from bookings.services.rooms import RoomNotFree, booking_room_change
from clinic.london import EARLIEST_DAY, LATEST_DAY, LONDON, day_in_range
from therapists.models import Therapist, TimeOff


def _own_therapist(request) -> Therapist:
    """The logged-in therapist; anyone else (a client, an admin without a profile) gets 404,
    so the diary pages do not even admit they exist."""
    try:
        return request.user.therapist
    except Therapist.DoesNotExist:
        raise Http404 from None


def _parse_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise Http404 from None


def _day_in_diary(request, text: str, *, instead: str = "this week") -> datetime.date | None:
    """The day in the URL, or None after telling the reader it is outside the diary (year
    9999 or 0001 in a typed URL: the week around it cannot even be worked out, and the day
    cannot be turned into UTC). ``instead`` names the page the caller sends them to."""
    day = _parse_day(text)
    if day_in_range(day):
        return day
    messages.error(
        request,
        f"The diary covers {EARLIEST_DAY.day} {EARLIEST_DAY:%B %Y} to {LATEST_DAY.day} {LATEST_DAY:%B %Y}: "
        f"{day.isoformat()} is outside it. Here is {instead}.",
    )
    return None


def _today() -> datetime.date:
    return timezone.localdate(timezone=LONDON)


@never_cache
@login_required
def week(request, day: str | None = None):
    therapist = _own_therapist(request)
    chosen = _day_in_diary(request, day) if day else _today()
    if chosen is None:
        return redirect("diary:week_current")
    monday = chosen - datetime.timedelta(days=chosen.weekday())
    return render(
        request,
        "bookings/diary/week.html",
        {
            "therapist": therapist,
            "days": selectors.diary_days(therapist=therapist, first_day=monday, days=7),
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "this_week": _today() - datetime.timedelta(days=_today().weekday()),
            "notes_missing": selectors.sessions_without_notes(therapist=therapist, now=timezone.now()),
        },
    )


@never_cache
@login_required
def day_view(request, day: str):
    therapist = _own_therapist(request)
    chosen = _day_in_diary(request, day)
    if chosen is None:
        return redirect("diary:week_current")
    (entry,) = selectors.diary_days(therapist=therapist, first_day=chosen, days=1)
    return render(
        request,
        "bookings/diary/day.html",
        {
            "therapist": therapist,
            "entry": entry,
            # The same time grid as the clinic diary's, filtered to them.
            "diary": clinic_wide.clinic_day(day=chosen, now=timezone.now(), therapist=therapist),
            "waiting": selectors.waiting_for_day(therapist=therapist, day=chosen),
            "previous_day": chosen - datetime.timedelta(days=1),
            "next_day": chosen + datetime.timedelta(days=1),
            "monday": chosen - datetime.timedelta(days=chosen.weekday()),
            "notes_missing": selectors.sessions_without_notes(therapist=therapist, now=timezone.now()),
        },
    )


@never_cache
@login_required
def notes_missing(request):
    """The therapist's sessions still without notes a day after they ended, each linked to its
    notes form: the record an insurer or the CNHC would ask for."""
    therapist = _own_therapist(request)
    sessions = selectors.sessions_without_notes(therapist=therapist, now=timezone.now())
    return render(request, "bookings/diary/notes_missing.html", {"therapist": therapist, "sessions": sessions})


@login_required
def hours(request):
    therapist = _own_therapist(request)
    existing = list(therapist.working_hours.all())
    if request.method == "POST":
        formsets = week_formsets(request.POST, existing=existing)
        if all(formset.is_valid() for _, _, formset in formsets):
            stretches = [
                stretch
                for day, _, formset in formsets
                for form in formset
                if (stretch := form.stretch(day)) is not None
            ]
            try:
                services.working_hours_set(therapist=therapist, stretches=stretches)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, "Your working hours are saved.")
                return redirect("diary:hours")
        else:
            messages.error(request, "Some hours need fixing: see the highlighted rows.")
    else:
        formsets = week_formsets(existing=existing)
    return render(request, "bookings/diary/hours.html", {"therapist": therapist, "formsets": formsets})


@login_required
def time_off(request):
    therapist = _own_therapist(request)
    clashes: list[Booking] = []
    form = TimeOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.time_off_add(
                therapist=therapist,
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
                note=data["note"],
            )
        except services.TimeOffClashesWithBookings as error:
            clashes = error.bookings
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Time off added: no slots will be offered then.")
            return redirect("diary:time_off")
    return render(
        request,
        "bookings/diary/time_off.html",
        {
            "therapist": therapist,
            "form": form,
            "clashes": clashes,
            "upcoming": selectors.time_off_upcoming(therapist=therapist, now=timezone.now()),
        },
    )


@login_required
@require_POST
def time_off_delete(request, pk: int):
    therapist = _own_therapist(request)
    try:
        services.time_off_delete(therapist=therapist, time_off_id=pk)
    except TimeOff.DoesNotExist:
        raise Http404 from None
    except ValidationError as busy:  # the diary is being changed elsewhere: try again
        messages.error(request, " ".join(busy.messages))
    else:
        messages.success(request, "Time off removed.")
    return redirect("diary:time_off")


@never_cache
@login_required
def booking_no_show(request, pk: int):
    """GET asks "are you sure?" (the button sat a thumb's width from "Attended"); only the
    POST from that page marks the no-show."""
    therapist = _own_therapist(request)
    if request.method != "POST":
        booking = (
            Booking.objects.not_restricted().filter(pk=pk, therapist=therapist).select_related("session_type").first()
        )
        if booking is None:
            raise Http404
        return render(
            request,
            "bookings/diary/no_show_confirm.html",
            {
                "therapist": therapist,
                "booking": booking,
                "start": timezone.localtime(booking.start, LONDON),
                "can_mark": booking.awaits_outcome(timezone.now()),
            },
        )
    try:
        booking = booking_mark_no_show(therapist=therapist, booking_id=pk, now=timezone.now())
    except Booking.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        booking = Booking.objects.get(pk=pk)
    else:
        messages.success(request, f"{booking.client_first_name}: marked no-show.")
    return redirect("diary:day", day=timezone.localtime(booking.start, LONDON).date().isoformat())


@login_required
def calendar_settings(request):
    therapist = _own_therapist(request)
    if request.method == "POST":
        had_link = bool(therapist.feed_token)
        services.feed_token_regenerate(therapist=therapist)
        messages.success(
            request,
            "New calendar link made. The old link no longer works." if had_link else "Your calendar link is ready.",
        )
        return redirect("diary:calendar")
    feed_url = (
        request.build_absolute_uri(reverse("diary:feed", kwargs={"token": therapist.feed_token}))
        if therapist.feed_token
        else ""
    )
    return render(request, "bookings/diary/calendar.html", {"therapist": therapist, "feed_url": feed_url})


def calendar_feed(request, token: str):
    """Public by design (calendar apps cannot log in): the secret token is the only key."""
    try:
        therapist = selectors.therapist_get_by_feed_token(token=token)
    except Therapist.DoesNotExist:
        raise Http404 from None
    now = timezone.now()
    body = feed.diary_calendar(
        therapist=therapist,
        bookings=selectors.feed_bookings(therapist=therapist, now=now),
        time_off=selectors.feed_time_off(therapist=therapist, now=now),
        host=request.get_host().split(":")[0],
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


def _clinic_staff(request) -> None:
    """Reception and admins: staff given the clinic diary permission (superusers have it)."""
    if not request.user.has_perm("bookings.view_clinic_diary"):
        raise PermissionDenied


@never_cache
@login_required
def clinic_day(request, day: str | None = None):
    _clinic_staff(request)
    chosen = _day_in_diary(request, day, instead="today") if day else _today()
    if chosen is None:
        return redirect("diary:clinic_today")
    by = "room" if request.GET.get("by") == "room" else "therapist"
    diary = clinic_wide.clinic_day(day=chosen, by=by, now=timezone.now(), page=request.GET.get("page"))
    # One reverse for the page rather than one a booking: a page lists a couple of hundred.
    detail_url = reverse("booking_detail", args=[0]).removesuffix("0/") + "{}/"
    for item in diary.agenda:
        item.detail_url = detail_url.format(item.booking.pk)
    return render(
        request,
        "bookings/diary/clinic_day.html",
        {
            "diary": diary,
            "previous_day": chosen - datetime.timedelta(days=1),
            "next_day": chosen + datetime.timedelta(days=1),
            "today": _today(),
        },
    )


@never_cache
@login_required
def clinic_week(request, day: str | None = None):
    _clinic_staff(request)
    chosen = _day_in_diary(request, day) if day else _today()
    if chosen is None:
        return redirect("diary:clinic_week_current")
    monday = chosen - datetime.timedelta(days=chosen.weekday())
    return render(
        request,
        "bookings/diary/clinic_week.html",
        {
            "week": clinic_wide_week.clinic_week(monday=monday, page=request.GET.get("page")),
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "today": _today(),
        },
    )


@login_required
@require_POST
def clinic_booking_room(request, pk: int):
    _clinic_staff(request)
    by = "room" if request.POST.get("by") == "room" else "therapist"
    try:
        room_id = int(request.POST.get("room", ""))
    except ValueError:
        room_id = None
    booking = Booking.objects.filter(pk=pk).first()
    if booking is None:
        raise Http404
    back = reverse("diary:clinic_day", kwargs={"day": timezone.localtime(booking.start, LONDON).date().isoformat()})
    back += f"?by={by}#booking-{booking.pk}"
    if room_id is None:
        messages.error(request, "Choose a room to move the booking to.")
        return redirect(back)
    try:
        booking = booking_room_change(booking_id=pk, room_id=room_id)
    except Booking.DoesNotExist:
        raise Http404 from None
    except RoomNotFree as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        start = timezone.localtime(booking.start, LONDON)
        messages.success(request, f"{booking.client_first_name}'s {start:%H:%M} session is now in {booking.room}.")
    return redirect(back)
