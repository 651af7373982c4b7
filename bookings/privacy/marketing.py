"""Marketing consent and the "book again" email.

Aftercare, confirmations and reminders are service messages about a booking. "Book again" is
marketing: it goes only to an address with a live consent (checked when it is planned and again
when it is sent), carries a one-click unsubscribe (RFC 8058), and withdrawing stops marketing
only, never a service message."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.clinical.aftercare import REBOOK_AFTER, within_sending_hours
from bookings.messaging import outbox
from bookings.models import Booking, MarketingConsent, OutboundEmail
from clinic.london import wall_clock_to_utc

WORDING_VERSION = "2026-12-05"
WORDING = (
    "Remind me when it is a good time to book again: an occasional message, stopped with one click. "
    "Confirmations and aftercare come either way."
)
BOOK_AGAIN_AT = datetime.time(10, 0)


def marketing_consent_active(*, email: str) -> bool:
    return MarketingConsent.objects.filter(email__iexact=email.strip(), withdrawn_at__isnull=True).exists()


def marketing_consent_give(*, email: str, how: str, now: datetime.datetime | None = None) -> MarketingConsent:
    """Records consent to WORDING (one live row per address; giving it again keeps the first)."""
    now = now or timezone.now()
    email = email.strip().lower()
    try:
        with transaction.atomic():
            return MarketingConsent.objects.create(
                email=email, wording=WORDING, wording_version=WORDING_VERSION, given_at=now, given_how=how
            )
    except IntegrityError:
        return MarketingConsent.objects.get(email=email, withdrawn_at__isnull=True)


def marketing_consent_withdraw(*, email: str, how: str, now: datetime.datetime | None = None) -> int:
    """Withdraws consent and cancels every pending marketing email to the address; service
    emails are untouched. Returns how many emails were cancelled. Doing it twice is harmless."""
    now = now or timezone.now()
    with transaction.atomic():
        MarketingConsent.objects.filter(email__iexact=email, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_how=how
        )
        return OutboundEmail.objects.filter(
            to_email__iexact=email, kind=OutboundEmail.Kind.BOOK_AGAIN, status__in=OutboundEmail.PENDING
        ).update(status=OutboundEmail.Status.CANCELLED)


def book_again_due(*, booking: Booking, problem: str) -> datetime.datetime:
    """At the domain's rebooking interval for the problem, 10:00 London on that day."""
    day = timezone.localtime(booking.end).date() + REBOOK_AFTER[problem]
    return within_sending_hours(wall_clock_to_utc(day, BOOK_AGAIN_AT))


def book_again_schedule(*, booking: Booking, problem: str) -> OutboundEmail | None:
    """Plans the "book again" email after an attended session, only with a live consent.
    Runs inside the transaction that records the session."""
    if not marketing_consent_active(email=booking.client_email):
        return None
    return OutboundEmail.objects.create(
        booking=booking,
        kind=OutboundEmail.Kind.BOOK_AGAIN,
        to_email=booking.client_email,
        due_at=book_again_due(booking=booking, problem=problem),
    )


def book_again_still_wanted(email: OutboundEmail) -> str | None:
    """Why a due "book again" email must not go (consent withdrawn, or the client has booked
    since), else None. Checked when it is sent, as consent can change in the weeks between."""
    if not marketing_consent_active(email=email.to_email):
        return "No marketing consent."
    if Booking.objects.filter(
        client_email__iexact=email.to_email, status__in=Booking.OPEN_STATUSES, start__gt=email.booking.end
    ).exists():
        return "The client has booked again."
    return None


def outbox_checks_register() -> None:
    """Has the outbox ask book_again_still_wanted before each "book again" email goes. Called
    once, from BookingsConfig.ready()."""
    outbox.still_wanted_register(OutboundEmail.Kind.BOOK_AGAIN, book_again_still_wanted)
