"""Links in emails: an opaque random token per link, stored only as its SHA-256 (BookingLink).

A token reveals nothing (no booking id, no email, no answer), can be revoked, and expires a
short time after the session: long enough to read aftercare and answer the check-in, not the
months a forwarded or leaked email stays in someone's mailbox. Looking a token up compares
hashes in the database's unique index, so there is no timing to measure in Python."""

import datetime
import hashlib
import secrets

from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking, BookingLink, WaitlistEntry, WaitlistOffer

Purpose = BookingLink.Purpose

# After the session ends, how long each kind of link keeps working. None: until revoked.
LIFETIME_AFTER_SESSION = {
    Purpose.MANAGE: datetime.timedelta(days=14),
    Purpose.AFTERCARE: datetime.timedelta(days=14),
    Purpose.STOP: None,
    Purpose.UNSUBSCRIBE: None,
}

# The page a link that is not (or no longer) valid shows, with a 404.
NOT_VALID = (
    "This link is not valid: it may have expired, been replaced by a newer email, or been mistyped. "
    "Please use the link in your latest email, or log in to see your bookings."
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_issue(*, booking: Booking, purpose: str) -> str:
    """A new link token for the booking; only its hash is stored. Each email gets its own.
    It expires LIFETIME_AFTER_SESSION after the session's end, whenever it was issued, so a
    booking moved later keeps links that end with its old time: the move email brings new ones."""
    token = secrets.token_urlsafe(32)
    lifetime = LIFETIME_AFTER_SESSION[Purpose(purpose)]
    BookingLink.objects.create(
        booking=booking,
        purpose=purpose,
        token_sha256=_digest(token),
        expires_at=None if lifetime is None else booking.end + lifetime,
    )
    return token


def link_booking_id(*, token: str, purpose: str, now: datetime.datetime | None = None) -> int | None:
    """The booking a genuine, unexpired, unrevoked token of this purpose opens, else None."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    return (
        BookingLink.objects.filter(token_sha256=_digest(token), purpose=purpose, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("booking_id", flat=True)
        .first()
    )


def links_revoke(*, booking_id: int, purposes: list[str] | None = None, now: datetime.datetime | None = None) -> int:
    """Revokes the booking's live links (of the given purposes, or all); returns how many.
    For a cancellation (manage and aftercare links) and an erasure (all of them)."""
    rows = BookingLink.objects.filter(booking_id=booking_id, revoked_at__isnull=True)
    if purposes is not None:
        rows = rows.filter(purpose__in=purposes)
    return rows.update(revoked_at=now or timezone.now())


def place_link_issue(*, entry: WaitlistEntry) -> str:
    """A new token for a guest's link to their waitlist place (confirm it, or leave); only its
    hash is kept, on the place, so the newest email's link is the one that works. It lasts as
    long as the place: an ended place opens nothing."""
    token = secrets.token_urlsafe(32)
    WaitlistEntry.objects.filter(pk=entry.pk).update(place_token_sha256=_digest(token))
    return token


def place_entry_id(*, token: str) -> int | None:
    """The waitlist place, still open, that a genuine token opens, else None."""
    if not token or len(token) > 100:
        return None
    return (
        WaitlistEntry.objects.filter(place_token_sha256=_digest(token), ended_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )


def offer_link_issue(*, offer: WaitlistOffer) -> str:
    """A new token for the link to one waitlist offer, issued as its email is sent; only its
    hash is kept, on the offer. The offer's own state (open, answered, lapsed) decides what
    the page lets the holder do."""
    token = secrets.token_urlsafe(32)
    WaitlistOffer.objects.filter(pk=offer.pk).update(link_sha256=_digest(token))
    return token


def offer_id_for(*, token: str) -> int | None:
    if not token or len(token) > 100:
        return None
    return WaitlistOffer.objects.filter(link_sha256=_digest(token)).values_list("pk", flat=True).first()
