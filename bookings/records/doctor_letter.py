"""The evidence behind a doctor's OK. A client whose answers need their doctor's agreement
(diabetes, a heart or circulation condition, blood thinners, cancer treatment, pregnancy) says
they have it when booking; the therapist records what they saw: the letter's date, who it is
from and, if the client gives one, a copy (a PDF or an image, checked by its content like a
registration certificate, stored under a random name and served only to those who may read the
client's health answers). A booking may be accepted "to see the letter at the session"; the
session cannot start (consent to treatment) until the letter is recorded."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from bookings.clinical import health
from bookings.models import Booking, HealthScreen
from clinic.errors import ServiceError
from clinic.london import LONDON
from clinic.uploads import validate_document
from therapists.models import Therapist

LETTER_MAX_BYTES = 10 * 1024 * 1024
MISSING = (
    "Record the client's doctor's letter first (who it is from and its date): the session cannot start without it."
)


class LetterRefused(ServiceError):
    """Something the therapist should read: nothing was recorded."""


@dataclass(frozen=True)
class DoctorLetter:
    """What the therapist saw: the letter's date, who it is from, and a copy if given."""

    dated: datetime.date | None
    from_whom: str
    copy: UploadedFile | None = None


def needs_letter(screen: HealthScreen | None) -> bool:
    """Whether the answers need a doctor's OK and no letter is recorded yet."""
    return bool(screen and health.needs_doctors_ok(screen.answered_yes) and screen.doctor_ok_seen_at is None)


def validate_letter_copy(upload: UploadedFile) -> UploadedFile:
    return validate_document(upload, what="copy of the letter", max_bytes=LETTER_MAX_BYTES)


def letter_check(letter: DoctorLetter, *, now: datetime.datetime) -> None:
    """Raises LetterRefused for a letter with no author, no date, or a date still to come."""
    if not letter.from_whom.strip():
        raise LetterRefused("Say who the letter is from (the doctor or the practice). Nothing was saved.")
    if letter.dated is None:
        raise LetterRefused("Enter the date on the letter. Nothing was saved.")
    if letter.dated > now.astimezone(LONDON).date():
        raise LetterRefused("The letter's date cannot be in the future. Nothing was saved.")
    if letter.copy is not None:
        try:
            validate_letter_copy(letter.copy)
        except ValidationError as error:
            raise LetterRefused(f"{error.messages[0]} Nothing was saved.") from None


def letter_write(*, screen: HealthScreen, therapist: Therapist, letter: DoctorLetter, now: datetime.datetime) -> None:
    """Saves a checked letter on the screen (inside the caller's transaction)."""
    screen.doctor_letter_dated = letter.dated
    screen.doctor_letter_from = letter.from_whom.strip()[:100]
    screen.doctor_ok_seen_at = now
    screen.doctor_ok_seen_by = therapist.user
    fields = ["doctor_letter_dated", "doctor_letter_from", "doctor_ok_seen_at", "doctor_ok_seen_by"]
    if letter.copy is not None:
        screen.doctor_letter_copy.save(letter.copy.name, letter.copy, save=False)
        fields.append("doctor_letter_copy")
    screen.save(update_fields=fields)


def doctor_letter_record(
    *, therapist: Therapist, booking_id: int, letter: DoctorLetter, now: datetime.datetime | None = None
) -> HealthScreen:
    """Records the doctor's letter the booking's therapist saw, before or at the session.

    Rules: only the booking's own therapist (anyone else gets Booking.DoesNotExist, a 404); only
    a booking whose answers need a doctor's OK, not cancelled, and with no letter recorded yet
    (the first record stands); the letter as letter_check says. Raises LetterRefused."""
    now = now or timezone.now()
    letter_check(letter, now=now)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id, therapist=therapist)
        screen = HealthScreen.objects.filter(booking=booking).first()
        if screen is None or not health.needs_doctors_ok(screen.answered_yes):
            raise LetterRefused("This client's answers need no doctor's agreement. Nothing was saved.")
        if booking.status in (Booking.Status.CANCELLED, Booking.Status.NO_SHOW):
            raise LetterRefused(f"This booking is {booking.get_status_display().lower()}. Nothing was saved.")
        if screen.doctor_ok_seen_at is not None:
            raise LetterRefused("The doctor's letter is already recorded for this booking. Nothing was changed.")
        letter_write(screen=screen, therapist=therapist, letter=letter, now=now)
    return screen
