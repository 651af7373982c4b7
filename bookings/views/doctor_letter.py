"""The doctor's letter on the staff booking page: read from the accept or record form, and its
copy served (bookings.views.staff.doctor_letter_copy checks who may see it; see
bookings.records.doctor_letter)."""

import datetime
from pathlib import PurePath

from django.http import FileResponse, Http404

from bookings.models import HealthDataAccess
from bookings.privacy.health_access import health_data_access_record
from bookings.records.doctor_letter import DoctorLetter
from clinic.uploads import content_type_for

# How the accept form says which: the letter seen now, or to be seen at the session.
SEEN, AT_SESSION = "seen", "at_session"


def letter_from_post(request) -> DoctorLetter | None:
    """The letter the form describes (None when it says the letter is to be seen at the
    session, or says nothing): a date that cannot be read is left empty, and refused as such."""
    if request.POST.get("letter") != SEEN:
        return None
    try:
        dated = datetime.date.fromisoformat(request.POST.get("letter_dated", ""))
    except ValueError:
        dated = None
    return DoctorLetter(
        dated=dated, from_whom=request.POST.get("letter_from", "")[:200], copy=request.FILES.get("letter_copy")
    )


def letter_file_response(booking, user) -> FileResponse:
    """The copy of the booking's letter, as an attachment (a file from outside is never shown
    inline), the look logged; Http404 when there is none. The caller checks who may see it."""
    screen = getattr(booking, "health_screen", None)
    if screen is None or not screen.doctor_letter_copy:
        raise Http404
    try:
        handle = screen.doctor_letter_copy.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    health_data_access_record(user=user, booking=booking, via=HealthDataAccess.Via.DOCTORS_LETTER)
    name = screen.doctor_letter_copy.name
    response = FileResponse(
        handle,
        content_type=content_type_for(name),
        as_attachment=True,
        filename=f"doctors-letter{PurePath(name).suffix}",
    )
    response["Cache-Control"] = "private, no-store"
    return response
