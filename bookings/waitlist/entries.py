"""Joining and leaving the waitlist: clients with an account, and guests (from the page, or
added by reception for a phone caller) whose place counts once their address is confirmed."""

import datetime

from django.utils import timezone

from bookings.messaging.outbox import outbound_email_schedule
from bookings.models import OutboundEmail, WaitlistEntry
from bookings.privacy.claims import bookings_for_account
from bookings.slots.selectors import last_bookable_day
from clinic.errors import ServiceError
from clinic.london import local_today
from clinic.models import SessionType
from therapists.models import Therapist


class WaitlistError(ServiceError):
    pass


def entry_join(
    *,
    client,
    session_type_id: int,
    therapist_id: int | None,
    first_day: datetime.date,
    last_day: datetime.date,
    windows: list[str],
    notice_hours: int,
    own_hours: tuple[datetime.time, datetime.time] | None = None,
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """Puts a client with an account on the list, their address confirmed by their account.
    Rules in _checked_wish. Raises WaitlistError saying what to change."""
    now = now or timezone.now()
    session_type = _checked_wish(session_type_id, therapist_id, first_day, last_day, now)
    when = _when(windows, own_hours)
    return WaitlistEntry.objects.create(
        client=client,
        confirmed_at=now,
        session_type=session_type,
        therapist_id=therapist_id,
        first_day=first_day,
        last_day=last_day,
        notice_hours=notice_hours,
        joined_at=now,
        **when,
    )


def entry_join_guest(
    *,
    name: str,
    email: str,
    session_type_id: int,
    therapist_id: int | None,
    first_day: datetime.date,
    last_day: datetime.date,
    windows: list[str],
    notice_hours: int,
    own_hours: tuple[datetime.time, datetime.time] | None = None,
    added_by=None,
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """Puts a guest on the list (from the page, or a phone caller added by reception, who is
    ``added_by``): the place counts once the address is confirmed by the link emailed to it
    now. Rules in _checked_wish, and a name and an address. Raises WaitlistError."""
    now = now or timezone.now()
    if not name.strip() or not email.strip():
        raise WaitlistError("Please give a name and an email address, so we can tell them when a time comes up.")
    session_type = _checked_wish(session_type_id, therapist_id, first_day, last_day, now)
    when = _when(windows, own_hours)
    entry = WaitlistEntry.objects.create(
        guest_name=name.strip(),
        guest_email=email.strip(),
        added_by=added_by,
        session_type=session_type,
        therapist_id=therapist_id,
        first_day=first_day,
        last_day=last_day,
        notice_hours=notice_hours,
        joined_at=now,
        **when,
    )
    outbound_email_schedule(
        kind=OutboundEmail.Kind.WAITLIST_CONFIRM, to_email=entry.guest_email, due_at=now, extra={"entry_id": entry.pk}
    )
    return entry


def _checked_wish(session_type_id, therapist_id, first_day, last_day, now) -> SessionType:
    """The session type, when what is asked for can ever be offered: an active session type,
    offered by the therapist named (any bookable therapist otherwise); days from today to the
    last bookable day, in order. Raises WaitlistError."""
    session_type = SessionType.objects.filter(pk=session_type_id, active=True).first()
    if session_type is None:
        raise WaitlistError("That session is not available to book.")
    if therapist_id is not None:
        offering = Therapist.objects.bookable(on=local_today(now)).offering(session_type).filter(pk=therapist_id)
        if not offering.exists():
            raise WaitlistError("That therapist does not offer this session. Please choose another, or any therapist.")
    today, horizon = local_today(now), last_bookable_day(now=now)
    if first_day < today:
        raise WaitlistError("The first day has passed. Please choose today or a later day.")
    if last_day < first_day:
        raise WaitlistError("The last day is before the first. Please put them in order.")
    if last_day > horizon:
        raise WaitlistError(f"We take bookings up to {horizon:%-d %B %Y}. Please choose a last day up to then.")
    return session_type


def _when(windows: list[str], own_hours: tuple[datetime.time, datetime.time] | None) -> dict:
    """The entry's hours as its fields: the client's own (from before until), or at least one
    part of the day. Raises WaitlistError."""
    if own_hours is not None:
        begins, ends = own_hours
        if ends <= begins:
            raise WaitlistError("Your own hours end before they start. Please put them in order.")
        return {"custom_from": begins, "custom_until": ends}
    if not windows or set(windows) - set(WaitlistEntry.WINDOWS):
        raise WaitlistError("Please choose at least one part of the day: morning, afternoon or evening.")
    return {name: name in windows for name in WaitlistEntry.WINDOWS}


def entry_join_earlier(
    *,
    client,
    booking_id: int,
    windows: list[str],
    notice_hours: int,
    own_hours: tuple[datetime.time, datetime.time] | None = None,
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """ "Earlier than my booking": the client waits for an earlier time with the same therapist
    and session, from today to the booking's day; taking one moves the booking. Rules: the
    client's own booking, still changeable; one such wait per booking; at least one part of the
    day. Raises WaitlistError."""
    now = now or timezone.now()
    booking = bookings_for_account(user=client).filter(pk=booking_id).first()
    if booking is None or not booking.is_changeable(now):
        raise WaitlistError("We could not find an upcoming booking of yours to move.")
    if WaitlistEntry.objects.filter(booking=booking, ended_at__isnull=True).exists():
        raise WaitlistError("You are already waiting for an earlier time for this booking.")
    when = _when(windows, own_hours)
    return WaitlistEntry.objects.create(
        client=client,
        confirmed_at=now,
        booking=booking,
        session_type=booking.session_type,
        therapist=booking.therapist,
        first_day=local_today(now),
        last_day=timezone.localtime(booking.start).date(),
        notice_hours=notice_hours,
        joined_at=now,
        **when,
    )


def entry_leave(*, entry_id: int, client, now: datetime.datetime | None = None) -> None:
    """Takes the client's own entry off the list; nobody else's. Raises WaitlistError."""
    ended = WaitlistEntry.objects.filter(pk=entry_id, client=client, ended_at__isnull=True).update(
        ended_at=now or timezone.now(), ended_why=WaitlistEntry.Ended.LEFT
    )
    if not ended:
        raise WaitlistError("We could not find that place on the waitlist. It may have ended already.")


def place_confirm(*, entry_id: int, now: datetime.datetime | None = None) -> WaitlistEntry:
    """A guest confirms their address from the emailed link: from now their place counts, in
    the order they joined. Confirming again changes nothing. Raises WaitlistError."""
    entry = WaitlistEntry.objects.filter(pk=entry_id, ended_at__isnull=True).first()
    if entry is None:
        raise WaitlistError("This place on the waitlist has ended.")
    if entry.confirmed_at is None:
        entry.confirmed_at = now or timezone.now()
        entry.save(update_fields=["confirmed_at"])
    return entry


def place_leave(*, entry_id: int, now: datetime.datetime | None = None) -> None:
    """A guest leaves from the emailed link (a client with an account uses My bookings)."""
    ended = WaitlistEntry.objects.filter(pk=entry_id, ended_at__isnull=True).update(
        ended_at=now or timezone.now(), ended_why=WaitlistEntry.Ended.LEFT
    )
    if not ended:
        raise WaitlistError("This place on the waitlist has ended already.")
