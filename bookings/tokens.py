"""Signed links that let a client manage a booking without an account."""

from django.core import signing

from .models import Booking

SALT = "bookings.manage"
# Longer than the booking horizon, so a link works until the session; after the start the
# page only shows the booking.
MAX_AGE = 60 * 60 * 24 * 200


def manage_token(booking: Booking) -> str:
    return signing.dumps({"booking": booking.pk, "email": booking.client_email.lower()}, salt=SALT, compress=True)


def booking_id_from_manage_token(token: str) -> tuple[int, str] | None:
    """(booking id, client email) for a genuine, unexpired token, else None."""
    return _booking_and(token, salt=SALT, key="email")


def _booking_and(token: str, *, salt: str, key: str) -> tuple[int, str] | None:
    """(booking id, the text under ``key``) from a genuine, unexpired token, else None."""
    try:
        data = signing.loads(token, salt=salt, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("booking"), int) or not isinstance(data.get(key), str):
        return None
    return data["booking"], data[key]


FEEDBACK_SALT = "bookings.aftercare-feedback"
STOP_SALT = "bookings.aftercare-stop"


def feedback_token(booking: Booking, answer: str) -> str:
    return signing.dumps({"booking": booking.pk, "answer": answer}, salt=FEEDBACK_SALT, compress=True)


def feedback_from_token(token: str) -> tuple[int, str] | None:
    """(booking id, answer) for a genuine, unexpired feedback link, else None."""
    return _booking_and(token, salt=FEEDBACK_SALT, key="answer")


def aftercare_stop_token(email: str) -> str:
    # No expiry: an unsubscribe link must keep working.
    return signing.dumps(email.lower(), salt=STOP_SALT, compress=True)


def email_from_stop_token(token: str) -> str | None:
    try:
        email = signing.loads(token, salt=STOP_SALT)
    except (signing.BadSignature, ValueError):
        return None
    return email if isinstance(email, str) else None
