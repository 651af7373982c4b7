"""Whose a booking is: the account that has verified the email address it was made with.

Bookings are linked to accounts by that identity, never by a typed string alone: a guest
booking waits, unlinked, until someone proves they hold its address.
"""

from allauth.account.models import EmailAddress

from ..models import Booking


def account_for_email(email: str):
    """The account that has verified ``email``, or None."""
    address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    return address.user if address else None


def bookings_claim(*, user, email: str) -> int:
    """Links to ``user`` every booking made with ``email`` that no account holds yet. Call
    it only once ``user`` has verified ``email``. Returns how many were linked; running it
    again links nothing more."""
    return Booking.objects.filter(client__isnull=True, client_email__iexact=email).update(client=user)
