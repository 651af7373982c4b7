"""Whose a booking is: the account that has verified the email address it was made with.

Bookings are linked to accounts by that identity, never by a typed string alone: a guest
booking waits, unlinked, until someone proves they hold its address. Linked bookings are the
client's record (earlier sessions a therapist may see); an unlinked one made later with a
verified address is listed under that account's "My bookings" but joins no record.
"""

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from bookings.models import Booking


def bookings_claim(*, user, email: str) -> int:
    """Links to ``user`` every booking made with ``email`` that no account holds yet. Call
    it only once ``user`` has verified ``email``. Returns how many were linked; running it
    again links nothing more."""
    return Booking.objects.filter(client__isnull=True, client_email__iexact=email).update(client=user)


def bookings_for_account(*, user) -> QuerySet[Booking]:
    """Every booking an account may list as its own, newest first (2 queries): those linked to
    it, and unlinked ones made with an address it has verified (a guest booking made after
    the account was). Listing one links nothing: see services.claims."""
    verified = [
        email.lower() for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ]
    return (
        Booking.objects.annotate(email_lower=Lower("client_email"))
        .filter(Q(client=user) | Q(client__isnull=True, email_lower__in=verified))
        .select_related("therapist", "session_type")
        .order_by("-start")
    )
