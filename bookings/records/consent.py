"""Consent to treatment: at the start of each session the therapist confirms that they explained
the areas they will work and the pressure they will use, and that the client agreed. It is
recorded with the time and who confirmed it, and the session is marked attended (with notes)
only after it (bookings.services.outcome.session_complete)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Booking, HealthScreen, TreatmentConsent
from bookings.records.doctor_letter import MISSING as LETTER_MISSING
from bookings.records.doctor_letter import needs_letter
from clinic.errors import ServiceError
from therapists.models import Therapist

# A client may be on the couch a little before the booked time.
EARLIEST_BEFORE_START = datetime.timedelta(minutes=15)
NOT_YET_GIVEN = (
    "Confirm the client's consent to treatment first: explain the areas you will work and the pressure, "
    "and tick that they agreed. Nothing was saved."
)


class ConsentRefused(ServiceError):
    """Something the therapist should read: nothing was recorded."""


def treatment_consent_record(
    *, therapist: Therapist, booking_id: int, agreed: bool, now: datetime.datetime | None = None
) -> TreatmentConsent:
    """Records that the client agreed to this session's treatment, as the booking's therapist
    confirmed it. Confirming again returns the consent already recorded, unchanged.

    Rules: only the booking's own therapist (anyone else gets Booking.DoesNotExist, so a view
    answers 404); the box must be ticked; only a confirmed booking, from EARLIEST_BEFORE_START
    before it starts, with the doctor's letter recorded where the answers need one. Raises
    ConsentRefused otherwise."""
    now = now or timezone.now()
    booking = Booking.objects.get(pk=booking_id, therapist=therapist)
    if existing := TreatmentConsent.objects.filter(booking=booking).first():
        return existing
    if not agreed:
        raise ConsentRefused("Tick the box to confirm the client agreed to the treatment. Nothing was saved.")
    if booking.status != Booking.Status.CONFIRMED:
        raise ConsentRefused(
            f"This booking is {booking.get_status_display().lower()}: there is no session to consent to."
        )
    if now < booking.start - EARLIEST_BEFORE_START:
        raise ConsentRefused("Consent to treatment is confirmed at the start of the session, not before it.")
    if needs_letter(HealthScreen.objects.filter(booking=booking).first()):
        raise ConsentRefused(f"{LETTER_MISSING} Nothing was saved.")
    try:
        with transaction.atomic():
            return TreatmentConsent.objects.create(
                booking=booking, confirmed_at=now, confirmed_by=therapist.user, wording=TreatmentConsent.WORDING
            )
    except IntegrityError:
        # Two tabs confirming at once: the first one stands.
        return TreatmentConsent.objects.get(booking=booking)


def treatment_consent_given(*, booking_id: int) -> bool:
    return TreatmentConsent.objects.filter(booking_id=booking_id).exists()
