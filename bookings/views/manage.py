"""The client's own bookings: the pages behind the signed link in every booking email (see
the booking, cancel it, move it) and the logged-in client's list."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..forms import SlotPickForm
from ..models import AftercareOptOut, Booking
from ..selectors import available_slots, bookings_for_account
from ..services import booking as booking_services
from ..tokens import booking_id_from_manage_token, manage_token
from .book import last_bookable_day, parse_start


def _booking_for_token(token: str) -> Booking:
    found = booking_id_from_manage_token(token)
    if found is None:
        raise Http404("This link is not valid. Please use the link in your latest email.")
    booking_id, email = found
    return get_object_or_404(
        Booking.objects.select_related("therapist", "session_type"), pk=booking_id, client_email__iexact=email
    )


@never_cache
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
    return render(
        request,
        "bookings/manage.html",
        {
            "booking": booking,
            "token": token,
            "changeable": booking.is_changeable(now),
            "confirming": request.GET.get("cancel") == "1",
            "late": booking.is_late_to_cancel(now),
            "cancellation_hours": settings.FREE_CANCELLATION_HOURS,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def booking_move(request, token: str):
    """Reschedule from the email link: the same therapist and session, another free time."""
    booking = _booking_for_token(token)
    now = timezone.now()
    if request.method == "POST":
        start = parse_start(request.POST.get("start", ""))
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
    form = SlotPickForm(query, today=today, last_day=last_bookable_day(today), therapists=[booking.therapist])
    offered = booking.therapist.session_types.filter(pk=booking.session_type_id).exists()
    context = {"booking": booking, "token": token, "form": form, "today": today, "offered": offered}
    if offered and form.is_valid():
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


@never_cache
@login_required
def my_bookings(request):
    bookings = list(bookings_for_account(user=request.user))
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
