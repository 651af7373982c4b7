"""The aftercare page (the advice after a session and the two-day check-in), stopping aftercare
emails, and turning them back on from My bookings.

Aftercare emails carry no advice about the client's problem: they link here, through an opaque
link (bookings.messaging.tokens) or, for a client with an account, behind their login. Mail scanners and
link previews open every link in an email, so opening one (GET or HEAD) only shows a page; the
buttons on it POST, and only the POST records an answer or stops the emails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.clinical import aftercare as advice
from bookings.clinical.aftercare import Feedback
from bookings.messaging.tokens import NOT_VALID, link_booking_id
from bookings.models import Booking, BookingLink
from bookings.records import outcome_scores
from bookings.records.forms import CheckInScoresForm
from bookings.services import booking as booking_services
from bookings.services import outcome

Purpose = BookingLink.Purpose


def link_not_valid(request):
    return render(request, "bookings/link_not_valid.html", {"message": NOT_VALID}, status=404)


def _attended(booking_id: int) -> Booking | None:
    return (
        Booking.objects.select_related("therapist", "session_type", "session_note")
        .filter(pk=booking_id, status=Booking.Status.ATTENDED, session_note__isnull=False)
        .first()
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def aftercare_page(request, token: str):
    """The page every aftercare email links to."""
    booking_id = link_booking_id(token=token, purpose=Purpose.AFTERCARE)
    booking = _attended(booking_id) if booking_id is not None else None
    if booking is None:
        return link_not_valid(request)
    return _aftercare(request, booking)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_aftercare(request, booking_id: int):
    """The same page for a logged-in client, from My bookings: only their own session."""
    booking = _attended(booking_id)
    if booking is None or booking.client_id != request.user.pk:
        return link_not_valid(request)
    return _aftercare(request, booking)


def _aftercare(request, booking: Booking):
    """Shows the advice; a POST records the check-in answer. The first answer stands: a
    second one later changes nothing and says so."""
    scores = CheckInScoresForm(
        request.POST if request.method == "POST" else None, activities=outcome_scores.activities_named(booking=booking)
    )
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        if answer not in Feedback.values:
            messages.error(request, "Please choose one of the answers.")
            return redirect(request.path)
        if not scores.is_valid():
            messages.error(request, "Scores run from 0 to 10: please choose them again.")
            return redirect(request.path)
        try:
            booking, recorded = outcome.aftercare_feedback_record(
                booking_id=booking.pk, answer=answer, ratings=scores.ratings()
            )
        except (Booking.DoesNotExist, booking_services.BookingError):
            return link_not_valid(request)
        return render(request, "bookings/aftercare_feedback.html", {"booking": booking, "recorded": recorded})
    note = booking.session_note
    return render(
        request,
        "bookings/aftercare.html",
        {
            "booking": booking,
            "note": note,
            "advice": advice.page_advice(
                session_kind=booking.session_type.kind, problem=note.problem, pressure_used=note.pressure_used
            ),
            "red_flags": advice.RED_FLAGS,
            "answers": Feedback.choices,
            "scores": scores,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def aftercare_stop(request, token: str):
    """The stop link in every aftercare email: asks the client to confirm, then stops them."""
    booking_id = link_booking_id(token=token, purpose=Purpose.STOP)
    booking = Booking.objects.filter(pk=booking_id).first() if booking_id is not None else None
    if booking is None:
        return link_not_valid(request)
    email = booking.client_email
    context = {"email": email, "red_flags": advice.RED_FLAGS}
    if request.method == "POST":
        outcome.aftercare_stop(email=email)
        return render(request, "bookings/aftercare_stopped.html", context)
    return render(request, "bookings/aftercare_stop_confirm.html", context)


@login_required
@require_POST
def aftercare_restart(request):
    outcome.aftercare_restart(email=request.user.email)
    messages.success(request, "Aftercare emails are back on from your next session.")
    return redirect("my_bookings")
