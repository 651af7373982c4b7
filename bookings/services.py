"""Writes to bookings."""

import datetime

from django.core.exceptions import ValidationError

from therapists.models import Therapist

from .models import Booking

OUTCOMES = (Booking.Status.ATTENDED, Booking.Status.NO_SHOW)


def booking_mark_outcome(
    *, therapist: Therapist, booking_id: int, outcome: str, now: datetime.datetime
) -> Booking:
    """Record whether the client came: ``outcome`` is attended or no-show.

    Rules: only the booking's own therapist may mark it (anyone else gets Booking.DoesNotExist,
    so a view answers 404); only a booking that has started; only a confirmed one (never a
    cancelled one, and an outcome once recorded stays). Raises ValidationError otherwise.
    """
    if outcome not in OUTCOMES:
        raise ValidationError("Choose attended or no-show.")
    booking = Booking.objects.get(pk=booking_id, therapist=therapist)
    # A conditional UPDATE, so two clicks (or two tabs) cannot both record an outcome.
    updated = Booking.objects.filter(
        pk=booking.pk, status=Booking.Status.CONFIRMED, start__lte=now
    ).update(status=outcome)
    if not updated:
        booking.refresh_from_db()
        if booking.status != Booking.Status.CONFIRMED:
            raise ValidationError(f"This booking is already marked {booking.get_status_display().lower()}.")
        raise ValidationError("You can mark a booking only once it has started.")
    booking.status = outcome
    return booking
