"""The links in aftercare emails (the check-in answer, stopping the emails) and turning
aftercare back on from My bookings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..models import Booking
from ..services import booking as booking_services
from ..services import outcome
from ..tokens import email_from_stop_token, feedback_from_token


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
