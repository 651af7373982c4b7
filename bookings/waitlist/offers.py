"""Offers of freed time to the waitlist, held by the database (the answers are in answers.py).

Every minute (beat: bookings.waitlist_run) lapsed offers end and pass their time on, entries
whose days have passed end, and freed time due to be offered is offered to the first entry
that matches (urgent first, then in the order of joining) and whose session fits there under
the same re-check as a booking; inside 3 hours of the session there is no time to go one by
one, so everyone matching with the same session is offered it at once and the first to take
it wins. The hold is a HELD booking written through the booking claims (the therapist's lock,
then one room), so the exclusion constraints keep everyone, staff included, off that time
while an offer of it is open. Offers are made only in London's sending hours, and the time to
answer counts only those hours, so an offer made at 19:55 runs on from 08:00."""

import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.clinical import aftercare
from bookings.messaging.outbox import outbound_email_schedule
from bookings.models import Booking, BookingRules, FreedTime, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.services.booking_claims import RoomsTaken, room_claim, therapist_claim
from bookings.services.booking_writes import buffer_minutes_for
from bookings.slots.selectors import available_slots, rooms_for_session
from bookings.waitlist.answers import OfferError, offers_lapse
from clinic.free_times import free_times_changed
from clinic.london import LONDON, local_today

# Minutes to answer, by how far away the session is.
ANSWER_MINUTES_FAR = 30  # more than a day away
ANSWER_MINUTES_NEAR = 10  # within a day
FAR = datetime.timedelta(hours=24)
# Closer than this to the session, everyone matching is offered it at once: first to take it wins.
EVERYONE_WITHIN = datetime.timedelta(hours=3)
# What the diary shows as the client of a hold.
HOLD_NAME = "Held for a waitlist offer"
# Freed times looked at per run: a burst of cancellations is worked through over a few runs.
BATCH = 50


def waitlist_run(*, now: datetime.datetime | None = None) -> int:
    """One run of the beat task: lapses, then ended entries, then new offers. Returns the
    number of offers made. Safe to run twice at once or twice over (rows are locked, SKIP
    LOCKED, and each freed time is considered once)."""
    now = now or timezone.now()
    offers_lapse(now=now)
    waiting = WaitlistEntry.objects.filter(ended_at__isnull=True)
    _end_passed(waiting.filter(last_day__lt=local_today(now)), now)
    # "Earlier than my booking" ends with the booking: cancelled, or started.
    waiting.filter(booking__isnull=False).exclude(
        booking__status__in=Booking.OPEN_STATUSES, booking__start__gt=now
    ).update(ended_at=now, ended_why=WaitlistEntry.Ended.GONE)
    if aftercare.is_quiet_time(now):
        return 0  # nobody is offered a time at night: the freed times wait for the morning
    made = 0
    due = FreedTime.objects.filter(considered_at__isnull=True, offer_from__lte=now).order_by("offer_from", "pk")
    for freed_id in list(due.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            freed = FreedTime.objects.select_for_update(skip_locked=True).filter(pk=freed_id).first()
            if freed is None or freed.considered_at is not None:
                continue  # another run has it
            made += len(_offer(freed, now))
            freed.considered_at = now
            freed.save(update_fields=["considered_at"])
    return made


def _end_passed(passed, now: datetime.datetime) -> None:
    """Places whose days have passed end, each with an email saying so (what it was for is
    written into the email: the place may be gone, by erasure, before the email is)."""
    with transaction.atomic():
        for entry in passed.select_related("client", "session_type").select_for_update(of=("self",)):
            if entry.confirmed_at is None:  # never confirmed: nothing more goes to that address
                entry.ended_at, entry.ended_why = now, WaitlistEntry.Ended.PASSED
                entry.save(update_fields=["ended_at", "ended_why"])
                continue
            entry.ended_at, entry.ended_why = now, WaitlistEntry.Ended.PASSED
            entry.save(update_fields=["ended_at", "ended_why"])
            outbound_email_schedule(
                kind=OutboundEmail.Kind.WAITLIST_ENDED,
                to_email=entry.email,
                due_at=now,
                extra={
                    "client_name": entry.first_name,
                    "session": entry.session_type.name,
                    "first_day": entry.first_day.isoformat(),
                    "last_day": entry.last_day.isoformat(),
                },
            )


def offer_by_hand(
    *, entry_id: int, therapist_id: int, start: datetime.datetime, now: datetime.datetime | None = None
) -> WaitlistOffer:
    """Staff offer a free time to one place on the list, outside the list's order (the client
    is on the phone, or the clinic knows best): the same hold, time to answer and email as any
    offer. Rules: the place is still waiting, with no offer open; the time suits what it waits
    for (its therapist; before its booking, for an earlier time); the time is free (re-checked
    under the therapist's lock). Raises OfferError saying which."""
    now = now or timezone.now()
    entry = (
        WaitlistEntry.objects.select_related("session_type", "client", "booking")
        .filter(pk=entry_id, ended_at__isnull=True)
        .first()
    )
    if entry is None:
        raise OfferError("That place on the waitlist has ended.")
    if entry.confirmed_at is None:
        raise OfferError("Their address is not confirmed yet: we have emailed them a link to confirm it.")
    if entry.offers.filter(status=WaitlistOffer.Status.OPEN).exists():
        raise OfferError("They already have an offer open. Please wait for their answer.")
    if entry.therapist_id not in (None, therapist_id) or (entry.booking and start >= entry.booking.start):
        raise OfferError("That time does not suit what they are waiting for. Please choose another.")
    with transaction.atomic():
        made = _hold_and_offer([entry], therapist_id, start, now)
    if not made:
        raise OfferError("That time is no longer free. Please choose another.")
    return made[0]


def _offer(freed: FreedTime, now: datetime.datetime) -> list[WaitlistOffer]:
    """The offers of the freed time: to the first entry it suits, or inside EVERYONE_WITHIN to
    every entry it suits with that entry's session (one each for an address); none when no
    entry's session fits there. A stretch is offered one place at a time (see _offer_stretch)."""
    if freed.end is not None:
        return _offer_stretch(freed, now)
    if freed.start <= now:
        return []
    day = freed.start.astimezone(LONDON).date()
    tried = WaitlistOffer.objects.filter(hold__therapist_id=freed.therapist_id, hold__start=freed.start)
    entries = [
        entry
        for entry in WaitlistEntry.objects.filter(
            ended_at__isnull=True, confirmed_at__isnull=False, first_day__lte=day, last_day__gte=day
        )
        .filter(Q(therapist__isnull=True) | Q(therapist_id=freed.therapist_id))
        .exclude(pk__in=tried.values("entry_id"))
        .exclude(offers__status=WaitlistOffer.Status.OPEN)
        .select_related("session_type", "client", "booking")
        if entry.suits(freed.start, now)
    ]
    everyone = freed.start - now <= EVERYONE_WITHIN
    for n, entry in enumerate(entries):
        offered = [entry]
        if everyone:
            for other in entries[n + 1 :]:
                if other.session_type_id == entry.session_type_id and other.email.lower() not in {
                    e.email.lower() for e in offered
                }:
                    offered.append(other)
        if made := _hold_and_offer(offered, freed.therapist_id, freed.start, now):
            return made
    return []


def _offer_stretch(freed: FreedTime, now: datetime.datetime) -> list[WaitlistOffer]:
    """An offer of the first free start in the stretch that suits the first place it can (in
    the list's order); the stretch is then looked at again next run, for the next place, until
    none is offered."""
    first_day, last_day = (moment.astimezone(LONDON).date() for moment in (max(freed.start, now), freed.end))
    entries = (
        WaitlistEntry.objects.filter(
            ended_at__isnull=True, confirmed_at__isnull=False, first_day__lte=last_day, last_day__gte=first_day
        )
        .filter(Q(therapist__isnull=True) | Q(therapist_id=freed.therapist_id))
        .exclude(offers__status=WaitlistOffer.Status.OPEN)
        .select_related("session_type", "client", "booking")
    )
    for entry in entries:
        days = (max(first_day, entry.first_day), min(last_day, entry.last_day))
        free = available_slots(
            therapist_id=freed.therapist_id,
            session_type=entry.session_type,
            date_from=days[0],
            date_to=days[1],
            now=now,
        )
        start = next((s.start for s in free if freed.start <= s.start < freed.end and entry.suits(s.start, now)), None)
        if start is not None and (made := _hold_and_offer([entry], freed.therapist_id, start, now)):
            FreedTime.objects.create(therapist_id=freed.therapist_id, start=freed.start, end=freed.end, offer_from=now)
            return made
    return []


def _hold_and_offer(
    entries: list[WaitlistEntry], therapist_id: int, start: datetime.datetime, now: datetime.datetime
) -> list[WaitlistOffer]:
    """Holds the time for the first entry's session (the same claims as a booking: the slot
    re-checked under the therapist's lock, then one room) and writes an offer and its email for
    each entry, all to be answered by the same time; none when the session does not fit there
    now. In a savepoint: a refusal leaves nothing behind."""
    session_type = entries[0].session_type
    rooms = rooms_for_session(session_type=session_type)
    if rooms.tracked and not rooms.rooms:
        return []
    try:
        with transaction.atomic():
            claimed = therapist_claim(
                session_type=session_type, therapist_id=therapist_id, start=start, now=now, rooms=rooms
            )
            if claimed is None:
                return []
            therapist, slot = claimed
            hold = room_claim(
                rooms=rooms,
                room_ids=slot.room_ids,
                session_type=session_type,
                start=start,
                write=lambda room: _hold_insert(session_type, therapist, room, start),
            )
            respond_by = _respond_by(therapist, start, now)
            made = []
            for entry in entries:
                offer = WaitlistOffer.objects.create(entry=entry, hold=hold, respond_by=respond_by, created_at=now)
                outbound_email_schedule(
                    booking=hold,
                    kind=OutboundEmail.Kind.WAITLIST_OFFER,
                    to_email=entry.email,
                    due_at=now,
                    extra={"offer_id": offer.pk},
                )
                made.append(offer)
            free_times_changed(therapist_id=therapist.pk, room_ids=[hold.room_id])
            return made
    except (RoomsTaken, IntegrityError, OperationalError):
        return []  # taken, or busy: the time is not offered this run


def _hold_insert(session_type, therapist, room, start: datetime.datetime) -> Booking:
    """The HELD booking row: it names no one (the offer knows its client, and an erasure then
    has nothing here to erase), with the therapist's buffer and the room's turnover as a
    booking has."""
    end = start + datetime.timedelta(minutes=session_type.duration_minutes)
    return Booking.objects.create(
        client_name=HOLD_NAME,
        therapist=therapist,
        session_type=session_type,
        start=start,
        end=end,
        blocks_until=end + datetime.timedelta(minutes=buffer_minutes_for(therapist)),
        room=room,
        room_until=end + datetime.timedelta(minutes=room.turnover_minutes) if room else None,
        status=Booking.Status.HELD,
    )


def _respond_by(therapist, start: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    """30 minutes of sending hours for a session more than a day away, 10 within a day; never
    past the last moment the time could be booked (its minimum notice), when a hold would only
    keep the time from everyone."""
    minutes = ANSWER_MINUTES_FAR if start - now > FAR else ANSWER_MINUTES_NEAR
    notice = therapist.min_notice_minutes
    if notice is None:
        notice = BookingRules.load().min_notice_minutes
    return min(answer_by(now, minutes), start - datetime.timedelta(minutes=notice))


def answer_by(now: datetime.datetime, minutes: int) -> datetime.datetime:
    """``minutes`` on from ``now``, counting only London's sending hours: the clock stops at
    20:00 and runs on at 08:00 (through a clock change too: each step is a real minute)."""
    moment = now
    for _ in range(minutes):
        moment = aftercare.within_sending_hours(moment) + datetime.timedelta(minutes=1)
    return moment
