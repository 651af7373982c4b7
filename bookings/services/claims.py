"""Whose a booking is: the account that has verified the email address it was made with.

Bookings are linked to accounts by that identity, never by a typed string alone: a guest
booking waits, unlinked, until someone proves they hold its address. Linked bookings are the
client's record (earlier sessions a therapist may see); an unlinked one made later with a
verified address is listed under that account's "My bookings" but joins no record.
"""

from ..models import Booking


def bookings_claim(*, user, email: str) -> int:
    """Links to ``user`` every booking made with ``email`` that no account holds yet. Call
    it only once ``user`` has verified ``email``. Returns how many were linked; running it
    again links nothing more."""
    return Booking.objects.filter(client__isnull=True, client_email__iexact=email).update(client=user)
