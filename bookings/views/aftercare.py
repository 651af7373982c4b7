"""The links in aftercare emails (the check-in answer, stopping the emails) and turning
aftercare back on from My bookings.

Mail scanners and link previews open every link in an email, so opening one of these links
(GET or HEAD) only shows a page asking the client to confirm; the button on it POSTs, and only
the POST records the answer or stops the emails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..aftercare import Feedback
from ..models import Booking
from ..services import booking as booking_services
from ..services import outcome
from ..tokens import email_from_stop_token, feedback_from_token

NOT_VALID = "This link is not valid."


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def aftercare_feedback(request, token: str):
    """An answer link from the check-in email: asks the client to confirm the answer, then
    records it. The first answer is kept; another one later changes nothing and says so."""
    found = feedback_from_token(token)
    if found is None or found[1] not in Feedback.values:
        raise Http404(NOT_VALID)
    booking_id, answer = found
    if request.method == "POST":
        try:
            booking, recorded = outcome.aftercare_feedback_record(booking_id=booking_id, answer=answer)
        except (Booking.DoesNotExist, booking_services.BookingError):
            raise Http404(NOT_VALID) from None
        return render(request, "bookings/aftercare_feedback.html", {"booking": booking, "recorded": recorded})

    booking = Booking.objects.select_related("therapist", "session_type").filter(pk=booking_id).first()
    if booking is None:
        raise Http404(NOT_VALID)
    if booking.feedback:
        # Answered already: nothing to confirm, and the page says what we have.
        return render(request, "bookings/aftercare_feedback.html", {"booking": booking, "recorded": False})
    return render(request, "bookings/aftercare_feedback_confirm.html", {"booking": booking, "answer": Feedback(answer)})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def aftercare_stop(request, token: str):
    """The stop link in every aftercare email: asks the client to confirm, then stops them."""
    email = email_from_stop_token(token)
    if email is None:
        raise Http404(NOT_VALID)
    if request.method == "POST":
        outcome.aftercare_stop(email=email)
        return render(request, "bookings/aftercare_stopped.html", {"email": email})
    return render(request, "bookings/aftercare_stop_confirm.html", {"email": email})


@login_required
@require_POST
def aftercare_restart(request):
    outcome.aftercare_restart(email=request.user.email)
    messages.success(request, "Aftercare emails are back on from your next session.")
    return redirect("my_bookings")
