"""Joining and leaving the waitlist."""

import datetime

from django.utils import timezone

from bookings.models import WaitlistEntry
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
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """Puts the client on the list. Rules: an active session type, offered by the therapist
    named (any bookable therapist otherwise); days from today to the last bookable day, in
    order; at least one part of the day. Raises WaitlistError saying what to change."""
    now = now or timezone.now()
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
    unknown = set(windows) - set(WaitlistEntry.WINDOWS)
    if not windows or unknown:
        raise WaitlistError("Please choose at least one part of the day: morning, afternoon or evening.")
    return WaitlistEntry.objects.create(
        client=client,
        session_type=session_type,
        therapist_id=therapist_id,
        first_day=first_day,
        last_day=last_day,
        notice_hours=notice_hours,
        joined_at=now,
        **{name: name in windows for name in WaitlistEntry.WINDOWS},
    )


def entry_join_earlier(
    *, client, booking_id: int, windows: list[str], notice_hours: int, now: datetime.datetime | None = None
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
    if not windows or set(windows) - set(WaitlistEntry.WINDOWS):
        raise WaitlistError("Please choose at least one part of the day: morning, afternoon or evening.")
    return WaitlistEntry.objects.create(
        client=client,
        booking=booking,
        session_type=booking.session_type,
        therapist=booking.therapist,
        first_day=local_today(now),
        last_day=timezone.localtime(booking.start).date(),
        notice_hours=notice_hours,
        joined_at=now,
        **{name: name in windows for name in WaitlistEntry.WINDOWS},
    )


def entry_leave(*, entry_id: int, client, now: datetime.datetime | None = None) -> None:
    """Takes the client's own entry off the list; nobody else's. Raises WaitlistError."""
    ended = WaitlistEntry.objects.filter(pk=entry_id, client=client, ended_at__isnull=True).update(
        ended_at=now or timezone.now(), ended_why=WaitlistEntry.Ended.LEFT
    )
    if not ended:
        raise WaitlistError("We could not find that place on the waitlist. It may have ended already.")
