"""What the booking form adds when staff book a client in (a walk-in at the desk, a call): the
client found by name, email or phone from the clinic's earlier bookings, their contact details
copied onto the form, and the treatment room, chosen or left for the first free one to be
suggested. The form itself is the client's own (bookings.views.book.book_details): the same
health questions, read out, and the client's agreement recorded as given through staff."""

import datetime
import re

from django.db.models import Q, Value
from django.db.models.functions import Replace

from bookings.models import Booking
from bookings.slots.selectors import free_slot_at
from clinic.models import Room, SessionType
from therapists.models import Therapist

# Enough to tell two clients apart on the phone; more means the search needs another word.
CLIENTS_SHOWN = 10
# Digits enough to be a phone number rather than part of a name or an address.
PHONE_DIGITS_TO_SEARCH = 6


def clients_found(*, user, words: str) -> list[Booking]:
    """Up to CLIENTS_SHOWN clients whose earlier bookings match ``words`` (part of a name or
    an email address, or six or more digits of a phone number), each the most recent booking
    for that address. Reception (the clinic diary permission) searches the whole clinic; a
    therapist only their own clients. Held records are never found. One query."""
    words = " ".join(words.split())[:100]
    if len(words) < 2:
        return []
    digits = re.sub(r"\D", "", words)
    matches = Q(client_name__icontains=words) | Q(client_email__icontains=words)
    if len(digits) >= PHONE_DIGITS_TO_SEARCH:
        matches |= Q(phone_digits__contains=digits[-10:])
    bookings = Booking.objects.not_restricted().annotate(
        phone_digits=Replace(
            Replace(Replace("client_phone", Value(" "), Value("")), Value("-"), Value("")), Value("+44"), Value("0")
        )
    )
    if not user.has_perm("bookings.view_clinic_diary"):
        bookings = bookings.filter(therapist__user=user)
    found: dict[str, Booking] = {}
    for booking in bookings.filter(matches).only("client_name", "client_email", "client_phone", "start")[:200]:
        key = booking.client_email.lower()
        if key not in found or booking.start > found[key].start:
            found[key] = booking
    return sorted(found.values(), key=lambda b: b.client_name.lower())[:CLIENTS_SHOWN]


def client_copied(*, user, booking_id: str | None) -> dict:
    """The name, email and phone of the client of an earlier booking (``booking_id`` as the
    walk-in page's link gives it), for the form's fields: empty unless it is one ``user``
    could have found with clients_found."""
    if not (booking_id or "").isdigit() or len(booking_id) > 12:
        return {}
    bookings = Booking.objects.not_restricted().filter(pk=int(booking_id))
    if not user.has_perm("bookings.view_clinic_diary"):
        bookings = bookings.filter(therapist__user=user)
    found = bookings.values("client_name", "client_email", "client_phone").first()
    if found is None:
        return {}
    return {"name": found["client_name"], "email": found["client_email"], "phone": found["client_phone"]}


def room_choices(
    *, session_type: SessionType, therapist_id: int | None, start: datetime.datetime | None, now: datetime.datetime
) -> list[tuple[str, str]]:
    """The rooms free for the session at ``start`` with that therapist, in the clinic's order, as
    the staff form's choices, led by "the first free room": empty when the clinic keeps no room
    for the session, or the time is not free (the booking then says why)."""
    if start is None or therapist_id is None or not Therapist.objects.filter(pk=therapist_id).exists():
        return []
    slot = free_slot_at(therapist_id=therapist_id, session_type=session_type, start=start, now=now, notice=False)
    if slot is None or not slot.room_ids:
        return []
    rooms = Room.objects.in_bulk(slot.room_ids)
    first = rooms[slot.room_ids[0]]
    return [("", f"The first free room ({first.name})")] + [
        (str(pk), rooms[pk].name) for pk in slot.room_ids if pk in rooms
    ]
