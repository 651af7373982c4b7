"""Whose a booking is: the account it is linked to (Booking.client), and nothing else.

A link is made in two ways only: a signed-in client books for themselves (booking_create is
given client=), or someone verifies the address a booking was made with (bookings_claim, on
allauth's email_confirmed). Nothing is matched by email at read time: an address typed into a
booking, or written into it later by staff, proves nothing about who holds it. So a guest
booking made with an address an account has already verified stays a guest booking, reached
through the links in its emails, and a booking whose address staff changed joins no account
when that address is verified (services.booking_changes.booking_contact_update logs the
change; it never sets the client).
"""

from django.db.models import Exists, OuterRef, QuerySet

from bookings.models import Booking, BookingContactChange


def bookings_claim(*, user, email: str) -> int:
    """Links to ``user`` every booking made with ``email`` that no account holds yet. Call
    it only once ``user`` has verified ``email``. A booking whose address was written in by a
    contact change is left alone: whoever typed it there did not book with it. Returns how
    many were linked; running it again links nothing more."""
    changed_to_this_address = BookingContactChange.objects.filter(booking=OuterRef("pk"), new_email__iexact=email)
    return (
        # A guest's record held after their erasure request joins no account: it is restricted.
        Booking.objects.not_restricted()
        .filter(client__isnull=True, client_email__iexact=email)
        .exclude(Exists(changed_to_this_address))
        .update(client=user)
    )


def bookings_for_account(*, user) -> QuerySet[Booking]:
    """The bookings linked to an account, newest first (1 query): what My bookings, My data
    and the client's record list as theirs. Listing links nothing."""
    return Booking.objects.filter(client=user).select_related("therapist", "session_type").order_by("-start")
