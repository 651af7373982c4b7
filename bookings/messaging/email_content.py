"""What each email says and carries (booking and registration emails alike): the template
context, attachments and headers for an OutboundEmail row, by its kind. The outbox
(bookings/messaging/outbox.py) decides when and whether to send; this module decides what. The
words themselves are in templates/emails/<kind>-*.txt/html."""

import datetime
import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bookings.clinical import aftercare
from bookings.messaging.affected import affected_from, bookings_affected_from
from bookings.messaging.calendar import booking_ics_for_client
from bookings.messaging.tokens import link_issue, offer_link_issue, place_link_issue
from bookings.models import Booking, BookingLink, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.models.payment_terms import money_of, pounds
from therapists.models import RegistrationEvent

Kind = OutboundEmail.Kind
Purpose = BookingLink.Purpose

# Client emails with a link to manage the booking. Each send issues its own link (the token is
# stored only hashed, so it cannot be looked up again); other emails issue none.
WITH_MANAGE_LINK = [Kind.BOOKING_CONFIRMATION, Kind.BOOKING_REQUESTED, Kind.BOOKING_REMINDER, Kind.BOOKING_MOVED]


def email_context(email: OutboundEmail) -> dict:
    """No email says anything about anyone's health: an email says there is something to
    read and links to a page, behind a login (staff) or an opaque link (clients)."""
    if email.kind in OutboundEmail.REGISTRATION:
        return _registration_context(email)
    if email.kind == Kind.WAITLIST_ENDED:
        return _waitlist_ended_context(email)
    if email.kind == Kind.WAITLIST_CONFIRM:
        return _waitlist_confirm_context(email)
    booking = email.booking
    return {
        "booking": booking,
        "client_name": booking.client_first_name,
        "therapist": booking.therapist,
        "session_type": booking.session_type,
        "room": booking.room,
        "start": timezone.localtime(booking.start),
        "end": timezone.localtime(booking.end),
        "cancellation_hours": settings.FREE_CANCELLATION_HOURS,
        "free_cancellation_until": timezone.localtime(booking.free_cancellation_until),
        "reminder_on_the_day": email.extra.get("when") == "today",
        "accepted_after_review": email.extra.get("accepted", False),
        "declined": email.extra.get("declined", False),
        **({"manage_url": _link(booking, Purpose.MANAGE, "booking_manage")} if email.kind in WITH_MANAGE_LINK else {}),
        # Staff open the booking itself, behind their login.
        **(
            {"booking_url": settings.SITE_URL + reverse("booking_detail", args=[booking.pk])}
            if email.kind in OutboundEmail.TO_STAFF
            else {}
        ),
        "previous_start": (
            timezone.localtime(datetime.datetime.fromisoformat(email.extra["previous_start"]))
            if "previous_start" in email.extra
            else None
        ),
        **(_aftercare_context(booking) if email.kind in OutboundEmail.AFTERCARE else {}),
        **(_waitlist_context(email) if email.kind in OutboundEmail.WAITLIST else {}),
        **(_money_context(email) if email.kind in WITH_MONEY else {}),
        **(
            {"unsubscribe_url": _link(booking, Purpose.UNSUBSCRIBE, "marketing_unsubscribe")}
            if email.kind == Kind.BOOK_AGAIN
            else {}
        ),
    }


def email_headers(email: OutboundEmail, context: dict) -> dict[str, str]:
    """Marketing carries a one-click unsubscribe (RFC 8058): a mail client POSTs
    "List-Unsubscribe=One-Click" to the URL, which stops marketing and nothing else."""
    if email.kind != Kind.BOOK_AGAIN:
        return {}
    return {
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _link(booking: Booking, purpose: str, url_name: str) -> str:
    return settings.SITE_URL + reverse(url_name, args=[link_issue(booking=booking, purpose=purpose)])


def _waitlist_context(email: OutboundEmail) -> dict:
    """A waitlist email is about a hold (a HELD booking), which names no one: the client is the
    offer's, and an offer carries one link to answer it and the time to answer by."""
    offer = WaitlistOffer.objects.select_related("entry__client", "entry__booking").get(pk=email.extra["offer_id"])
    moves = offer.entry.booking
    context = {
        "client_name": offer.entry.first_name,
        # "Earlier than my booking": taking it moves that booking.
        "moves_booking_at": timezone.localtime(moves.start) if moves else None,
    }
    if email.kind == Kind.WAITLIST_OFFER:
        context["offer_url"] = settings.SITE_URL + reverse("waitlist_offer", args=[offer_link_issue(offer=offer)])
        context["respond_by"] = timezone.localtime(offer.respond_by)
    return context


def _waitlist_ended_context(email: OutboundEmail) -> dict:
    """What the place was for, as written when it ended (``extra``), and where to join again."""
    return {
        "client_name": email.extra["client_name"] or "there",
        "session_name": email.extra["session"],
        "first_day": datetime.date.fromisoformat(email.extra["first_day"]),
        "last_day": datetime.date.fromisoformat(email.extra["last_day"]),
        "join_url": settings.SITE_URL + reverse("waitlist_join"),
    }


def _waitlist_confirm_context(email: OutboundEmail) -> dict:
    """The guest's place, and a fresh link to confirm (or leave) it, issued as it is sent."""
    entry = WaitlistEntry.objects.select_related("session_type", "therapist").get(pk=email.extra["entry_id"])
    return {
        "client_name": entry.first_name,
        "entry": entry,
        "added_by_phone": entry.added_by_id is not None,
        "place_url": settings.SITE_URL + reverse("waitlist_place", args=[place_link_issue(entry=entry)]),
    }


# The client's emails that say what the booking cost and what its terms are.
WITH_MONEY = [Kind.BOOKING_CONFIRMATION, Kind.BOOKING_REQUESTED, Kind.BOOKING_CANCELLED, Kind.PAYMENT_NOTICE]


def _money_context(email: OutboundEmail) -> dict:
    """The terms in words and what was paid (a receipt), for a booking with payment terms; a
    payment notice's amount and why. Never anything about the client's health."""
    money = money_of(email.booking)
    paid = sum(entry.amount_pence for entry, _ in money["ledger"] if entry.kind == "payment")
    return {
        "payment_terms": money["payment_terms"],
        "paid": pounds(paid) if paid else "",
        "notice_what": email.extra.get("what", ""),
        "notice_amount": pounds(int(email.extra.get("pence", 0))),
        "notice_why": email.extra.get("why", ""),
    }


def _aftercare_context(booking: Booking) -> dict:
    """The advice itself (by problem, pressure and session type) is on the page the link
    opens; the email carries only the red flags every client gets, whatever their session,
    because a warning that needs a click may not be read in time."""
    return {
        "aftercare_url": _link(booking, Purpose.AFTERCARE, "aftercare_page"),
        "red_flags": aftercare.RED_FLAGS,
        "stop_url": _link(booking, Purpose.STOP, "aftercare_stop"),
    }


# Client emails that carry the booking's calendar entry as it is when the email is sent: a
# request or confirmation (tentative or confirmed), the new time of a move, a cancellation.
WITH_CALENDAR = [Kind.BOOKING_CONFIRMATION, Kind.BOOKING_REQUESTED, Kind.BOOKING_MOVED, Kind.BOOKING_CANCELLED]


def email_attachments(email: OutboundEmail) -> list[tuple[str, bytes, str]]:
    if email.kind in WITH_CALENDAR:
        return [("booking.ics", booking_ics_for_client(email.booking), "text/calendar")]
    return []


ICS_METHOD = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def email_parts(email: OutboundEmail) -> list[tuple[str, bytes, str]]:
    """The attachments as sent. A calendar's Content-Type names its iTIP method (text/calendar;
    method=REQUEST or CANCEL; charset=utf-8), as RFC 6047 requires: without it some mail
    clients show the invitation with no accept or decline buttons. Django builds a text part's
    Content-Type from the mimetype given, then adds the charset."""
    parts = []
    for filename, content, mimetype in email_attachments(email):
        method = ICS_METHOD.search(content) if mimetype == "text/calendar" else None
        if method is not None:
            mimetype = f"text/calendar; method={method.group(1).decode()}"
        parts.append((filename, content, mimetype))
    return parts


def _registration_context(email: OutboundEmail) -> dict:
    """What a registration email says, read when it is sent: the admins' list of affected
    bookings is the list as it stands then."""
    therapist = email.therapist
    context = {"therapist": therapist, "audience": email.extra["audience"]}
    if email.kind == Kind.REGISTRATION_REMINDER:
        context.update(
            days_left=email.extra["days_left"], expires_on=datetime.date.fromisoformat(email.extra["expires_on"])
        )
        return context
    event = RegistrationEvent.objects.select_related("actor").get(pk=email.extra["event_id"])
    context.update(event=event, expires_on=event.expires_on)
    start = affected_from(event)
    if email.extra["audience"] == "admin" and start is not None:
        context["bookings"] = list(bookings_affected_from(therapist=therapist, start=start))
    return context
