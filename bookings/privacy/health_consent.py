"""Consent to hold a client's health answers, as records.

Each booking's consent is a row with the exact words shown (WORDING, versioned), when and how
it was given. A signed-in client can withdraw it from "My data": from then the clinic may not
rely on it for their upcoming sessions (the therapist is told to ask again, and the client
can give it again for a booking); past records under the retention duty are kept, as the
privacy notice says. A new booking asks for it afresh, so withdrawing never blocks booking."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bookings.models import Booking, HealthConsent
from bookings.privacy.claims import bookings_for_account
from clinic.errors import ServiceError

WORDING_VERSION = "2026-12"
WORDING = (
    "I agree to the clinic keeping my health answers so my therapist can treat me safely. "
    "Only my therapist and the clinic's admins can see them."
)
WORDING_ON_BEHALF = (
    "The client agrees to the clinic keeping their health answers so their therapist can treat them safely, "
    "and knows only their therapist and the clinic's admins can see them."
)


class ConsentError(ServiceError):
    """Something the client should read: nothing was changed."""


def health_consent_record(
    *, booking: Booking, on_behalf: bool, now: datetime.datetime, how: str | None = None
) -> HealthConsent:
    """The consent given with a booking (inside the transaction that makes it)."""
    return HealthConsent.objects.create(
        booking=booking,
        client=booking.client,
        wording=WORDING_ON_BEHALF if on_behalf else WORDING,
        wording_version=WORDING_VERSION,
        given_at=now,
        given_how=how or ("booking form, filled in by staff for the client" if on_behalf else "booking form"),
    )


def health_consent_withdraw(*, user, now: datetime.datetime | None = None) -> int:
    """Withdraws every live health consent on the client's bookings. Returns how many.

    Raises ConsentError when there is none to withdraw (twice in a row, say)."""
    now = now or timezone.now()
    with transaction.atomic():
        withdrawn = HealthConsent.objects.filter(
            booking__in=bookings_for_account(user=user).values("pk"), withdrawn_at__isnull=True
        ).update(withdrawn_at=now, withdrawn_how="My data page")
    if not withdrawn:
        raise ConsentError("You have no health consent to withdraw: it is already withdrawn.")
    return withdrawn


def health_consent_give_again(*, user, booking_id: int, now: datetime.datetime | None = None) -> HealthConsent:
    """Gives consent again for one of the client's upcoming bookings whose consent they
    withdrew. Raises ConsentError for any other booking, or one whose consent is live."""
    now = now or timezone.now()
    booking = bookings_for_account(user=user).filter(pk=booking_id).first()
    if booking is None or not (booking.start > now and booking.status in Booking.OPEN_STATUSES):
        raise ConsentError("That is not one of your upcoming bookings.")
    try:
        with transaction.atomic():
            return HealthConsent.objects.create(
                booking=booking,
                client=user,
                wording=WORDING,
                wording_version=WORDING_VERSION,
                given_at=now,
                given_how="My bookings page, after withdrawing",
            )
    except IntegrityError:
        raise ConsentError("Your consent for that booking is already in place.") from None


def with_consent_withdrawn(bookings):
    """Annotates each booking with ``consent_withdrawn``: it has consent rows, none of them
    live (a subquery, no extra query)."""
    live = HealthConsent.objects.filter(booking=OuterRef("pk"), withdrawn_at__isnull=True)
    any_row = HealthConsent.objects.filter(booking=OuterRef("pk"))
    return bookings.annotate(consent_withdrawn=Exists(any_row) & ~Exists(live))


def consent_withdrawn_on(*, user) -> datetime.datetime | None:
    """When the client last withdrew their health consent, if they have not given it since
    (for the booking form to say so); None otherwise."""
    rows = HealthConsent.objects.filter(booking__in=bookings_for_account(user=user).values("pk"))
    # Withdrawing withdraws every live row at once, so a live row now was given since.
    if rows.filter(withdrawn_at__isnull=True).exists():
        return None
    last_withdrawal = rows.filter(withdrawn_at__isnull=False).order_by("-withdrawn_at").first()
    return last_withdrawal.withdrawn_at if last_withdrawal else None
