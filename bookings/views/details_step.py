"""The booking form's details step as a page opens it: for a client, their name and address,
the activities they rated last time and, returning, their last health answers to confirm; for
staff booking a client in, the client the walk-in page found and the rooms free then."""

import uuid

from django.utils import timezone

from bookings.details.form import ADULT, MINOR, BookingDetailsForm
from bookings.forms import ANY_THERAPIST, parse_id, parse_start
from bookings.records import outcome_scores
from bookings.records.selectors import last_health_answers
from bookings.views import book_on_behalf


def details_form(request, who_books: dict, session_type) -> BookingDetailsForm | None:
    """The form bound to what was sent, or unfilled as the slot page's link opens it; None when
    that link's time or therapist cannot be read."""
    on_behalf = "booked_by" in who_books
    rooms = _rooms_for_staff(request, session_type) if on_behalf else None
    last = last_health_answers(user=request.user) if "client" in who_books else None
    if request.method == "POST":
        return BookingDetailsForm(request.POST, on_behalf=on_behalf, rooms=rooms, last_answers=last)
    return _unfilled_details_form(request, who_books, rooms, last)


def _rooms_for_staff(request, session_type) -> list[tuple[str, str]]:
    """The rooms staff may choose from for the time and therapist the form carries."""
    sent = request.POST if request.method == "POST" else request.GET
    return book_on_behalf.room_choices(
        session_type=session_type,
        therapist_id=parse_id(sent.get("therapist")),
        start=parse_start(sent.get("start")),
        now=timezone.now(),
    )


def _unfilled_details_form(request, who_books: dict, rooms, last) -> BookingDetailsForm | None:
    """The details form as the slot page's link opens it: the time and therapist chosen there,
    a new idempotency key and, for a logged-in client, their name, address and the activities
    they rated last time; for staff, the client and room the walk-in page chose. None when the
    link's time or therapist cannot be read."""
    initial = {
        "therapist": request.GET.get("therapist", ANY_THERAPIST),
        "start": request.GET.get("start"),
        "idempotency_key": uuid.uuid4(),
    }
    if "client" in who_books:
        initial.update(name=request.user.get_full_name(), email=request.user.email)
        # A returning client rates the same activities as last time, so the trend means something.
        for n, activity in enumerate(outcome_scores.activities_last_named(user=request.user), start=1):
            initial[f"activity_{n}"] = activity
        if last is not None:  # what they told us last time, to confirm or change
            initial.update(
                phone=last.booking.client_phone,
                main_problem=last.main_problem,
                preferred_pressure=last.preferred_pressure,
                adult=MINOR if last.date_of_birth else ADULT,
                date_of_birth=last.date_of_birth,
                guardian_name=last.guardian_name,
            )
    if "booked_by" in who_books:
        initial.update(book_on_behalf.client_copied(user=request.user, booking_id=request.GET.get("client")))
        initial["room"] = request.GET.get("room", "")
    probe = BookingDetailsForm({**initial, "idempotency_key": str(initial["idempotency_key"])})
    probe.is_valid()
    if "start" in probe.errors or "therapist" in probe.errors:
        return None
    return BookingDetailsForm(initial=initial, on_behalf="booked_by" in who_books, rooms=rooms, last_answers=last)
