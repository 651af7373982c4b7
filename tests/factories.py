"""Small factories for the people and things tests talk about."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from bookings.models import Booking, SessionType
from therapists.models import Therapist

PASSWORD = "correct-horse-battery"


def make_user(username: str, **fields):
    fields.setdefault("email", f"{username}@example.com")
    fields.setdefault("first_name", username.capitalize())
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)


def make_therapist(username: str, **fields) -> Therapist:
    user = make_user(username)
    fields.setdefault("display_name", f"{username.capitalize()} Therapist")
    return Therapist.objects.create(user=user, **fields)


def make_session_type(name: str = "Sports massage", **fields) -> SessionType:
    fields.setdefault("kind", SessionType.Kind.SPORTS)
    fields.setdefault("duration_minutes", 60)
    fields.setdefault("price", Decimal("55.00"))
    fields.setdefault("description", f"About {name}.")
    return SessionType.objects.create(name=name, **fields)


def make_booking(*, client, therapist, session_type, start, status=Booking.Status.CONFIRMED) -> Booking:
    return Booking.objects.create(
        client=client,
        therapist=therapist,
        session_type=session_type,
        start=start,
        end=start + datetime.timedelta(minutes=session_type.duration_minutes),
        status=status,
    )


def make_bookable_therapist(username: str, **fields) -> Therapist:
    """A therapist whose CNHC check an admin has recorded, valid for a year from 2026-11-22."""
    fields.setdefault("registration_status", Therapist.RegistrationStatus.VERIFIED)
    fields.setdefault("registration_expires_on", datetime.date(2027, 11, 22))
    return make_therapist(username, **fields)
