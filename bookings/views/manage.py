"""The client's own bookings: the pages behind the link in every booking email (or the client's login) (see
the booking, cancel it, move it) and the logged-in client's list."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms import SlotPickForm, parse_start
from bookings.messaging.tokens import link_booking_id
from bookings.models import AftercareOptOut, Booking, BookingLink, WaitlistEntry
from bookings.models.payment_terms import money_of
from bookings.privacy import health_consent
from bookings.privacy.claims import bookings_for_account
from bookings.privacy.health_consent import with_consent_withdrawn
from bookings.services import booking as booking_services
from bookings.services import booking_changes
from bookings.slots.selectors import available_slots, last_bookable_day
from bookings.views.aftercare import link_not_valid


def booking_for_token(token: str) -> Booking | None:
    booking_id = link_booking_id(token=token, purpose=BookingLink.Purpose.MANAGE)
    if booking_id is None:
        return None
    return Booking.objects.select_related("therapist", "session_type").filter(pk=booking_id).first()


def own_booking(request, booking_id: int) -> Booking | None:
    # The bookings My bookings lists: those linked to the account (never matched by address).
    return bookings_for_account(user=request.user).filter(pk=booking_id).first()


def _urls(manage_name: str, move_name: str, key) -> dict:
    """The page's own links: through the emailed token, or through the login (My bookings)."""
    calendar_name = "booking_ics" if manage_name == "booking_manage" else "my_booking_ics"
    pay_name = "booking_pay" if manage_name == "booking_manage" else "my_booking_pay"
    return {
        "pay_url": reverse(pay_name, args=[key]),
        "manage_url": reverse(manage_name, args=[key]),
        "move_url": reverse(move_name, args=[key]),
        "calendar_url": reverse(calendar_name, args=[key]),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def booking_manage(request, token: str):
    """What a client sees from the link in their emails: the booking, and cancelling it."""
    booking = booking_for_token(token)
    if booking is None:
        return link_not_valid(request)
    urls = _urls("booking_manage", "booking_move", token)
    return _manage(request, booking, urls)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_booking_manage(request, booking_id: int):
    """The same page for a logged-in client, from My bookings."""
    booking = own_booking(request, booking_id)
    if booking is None:
        return link_not_valid(request)
    urls = _urls("my_booking_manage", "my_booking_move", booking.pk)
    return _manage(request, booking, urls)


def _manage(request, booking: Booking, urls: dict):
    now = timezone.now()
    if request.method == "POST":
        try:
            booking = booking_changes.booking_cancel(booking_id=booking.pk, cancelled_by=None, now=now)
        except booking_services.BookingError as error:
            messages.error(request, error.message)
            return redirect(urls["manage_url"])
        messages.success(request, "Your booking is cancelled. We've emailed you to confirm.")
        # Cancelling revokes the email's link, so the page is shown here rather than at the
        # link; the cancellation email has no link to manage it.
        return render(
            request, "bookings/manage.html", {"booking": booking, "changeable": False, **money_of(booking), **urls}
        )
    return render(
        request,
        "bookings/manage.html",
        {
            "booking": booking,
            "changeable": booking.is_changeable(now),
            "confirming": request.GET.get("cancel") == "1",
            "late": booking.is_late_to_cancel(now),
            "cancellation_hours": settings.FREE_CANCELLATION_HOURS,
            **money_of(booking),
            **urls,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def booking_move(request, token: str):
    """Reschedule from the email link: the same therapist and session, another free time."""
    booking = booking_for_token(token)
    if booking is None:
        return link_not_valid(request)
    urls = _urls("booking_manage", "booking_move", token)
    return _move(request, booking, urls)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_booking_move(request, booking_id: int):
    booking = own_booking(request, booking_id)
    if booking is None:
        return link_not_valid(request)
    urls = _urls("my_booking_manage", "my_booking_move", booking.pk)
    return _move(request, booking, urls)


def _move(request, booking: Booking, urls: dict):
    now = timezone.now()
    if request.method == "POST":
        start = parse_start(request.POST.get("start", ""))
        if start is None:
            messages.error(request, "Please choose one of the times shown.")
            return redirect(urls["move_url"])
        try:
            booking_services.booking_reschedule(booking_id=booking.pk, start=start, now=now)
        except booking_services.BookingError as error:
            messages.error(request, error.message)
            return redirect(f"{urls['move_url']}?date={timezone.localtime(start).date():%Y-%m-%d}")
        messages.success(request, "Your booking has moved. We've emailed you the new time.")
        return redirect(urls["manage_url"])

    today = timezone.localdate()
    query = request.GET.copy()
    query["therapist"] = str(booking.therapist_id)
    query.setdefault("date", max(today, timezone.localdate(booking.start)).isoformat())
    form = SlotPickForm(
        query,
        today=today,
        last_day=last_bookable_day(now=now),
        therapists=[(booking.therapist.pk, booking.therapist.display_name)],
    )
    offered = booking.therapist.session_types.filter(pk=booking.session_type_id).exists()
    context = {"booking": booking, "form": form, "today": today, "offered": offered, **urls}
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
    bookings = list(with_consent_withdrawn(bookings_for_account(user=request.user)))
    now = timezone.now()
    return render(
        request,
        "bookings/my_bookings.html",
        {
            "upcoming": [b for b in reversed(bookings) if b.start > now],
            "past": [b for b in bookings if b.start <= now],
            "aftercare_off": AftercareOptOut.objects.filter(email__iexact=request.user.email).exists(),
            "consent_wording": health_consent.WORDING,
            "waitlist": WaitlistEntry.objects.filter(client=request.user, ended_at__isnull=True).select_related(
                "session_type", "therapist", "booking"
            ),
            "open_statuses": Booking.OPEN_STATUSES,
        },
    )


@login_required
@require_POST
def my_booking_consent_again(request, booking_id: int):
    """Gives health consent again for an upcoming booking, after withdrawing it (POST only)."""
    try:
        health_consent.health_consent_give_again(user=request.user, booking_id=booking_id)
    except health_consent.ConsentError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Thank you: your consent is in place again for that booking.")
    return redirect("my_bookings")
