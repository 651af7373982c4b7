"""Offers of freed time to the waitlist, held by the database, and their answers.

Every minute (beat: bookings.waitlist_run) lapsed offers end and pass their time on, entries
whose days have passed end, and freed time due to be offered is offered to the first entry
that matches (urgent first, then in the order of joining) and whose session fits there under
the same re-check as a booking. The hold is a HELD booking written through the booking
claims (the therapist's lock, then one room), so the exclusion constraints keep everyone,
staff included, off that time while the offer is open. Offers are made only in London's
sending hours, and the time to answer counts only those hours, so an offer made at 19:55
runs on from 08:00."""

import datetime
from collections.abc import Callable

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.clinical import aftercare
from bookings.messaging.outbox import outbound_email_schedule
from bookings.models import Booking, BookingRules, FreedTime, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.services.booking_claims import RoomsTaken, room_claim, therapist_claim
from bookings.services.booking_writes import buffer_minutes_for
from bookings.slots.selectors import rooms_for_session
from clinic.errors import ServiceError
from clinic.free_times import free_times_changed
from clinic.london import LONDON, local_today

# Minutes to answer, by how far away the session is.
ANSWER_MINUTES_FAR = 30  # more than a day away
ANSWER_MINUTES_NEAR = 10  # within a day
FAR = datetime.timedelta(hours=24)
# What the diary shows as the client of a hold.
HOLD_NAME = "Held for a waitlist offer"
# Freed times looked at per run: a burst of cancellations is worked through over a few runs.
BATCH = 50


class OfferError(ServiceError):
    pass


def waitlist_run(*, now: datetime.datetime | None = None) -> int:
    """One run of the beat task: lapses, then ended entries, then new offers. Returns the
    number of offers made. Safe to run twice at once or twice over (rows are locked, SKIP
    LOCKED, and each freed time is considered once)."""
    now = now or timezone.now()
    offers_lapse(now=now)
    WaitlistEntry.objects.filter(ended_at__isnull=True, last_day__lt=local_today(now)).update(
        ended_at=now, ended_why=WaitlistEntry.Ended.PASSED
    )
    if aftercare.is_quiet_time(now):
        return 0  # nobody is offered a time at night: the freed times wait for the morning
    made = 0
    due = FreedTime.objects.filter(considered_at__isnull=True, offer_from__lte=now).order_by("offer_from", "pk")
    for freed_id in list(due.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            freed = FreedTime.objects.select_for_update(skip_locked=True).filter(pk=freed_id).first()
            if freed is None or freed.considered_at is not None:
                continue  # another run has it
            made += _offer(freed, now) is not None
            freed.considered_at = now
            freed.save(update_fields=["considered_at"])
    return made


def _offer(freed: FreedTime, now: datetime.datetime) -> WaitlistOffer | None:
    """An offer of the freed time to the first entry it suits, or None."""
    if freed.start <= now:
        return None
    day = freed.start.astimezone(LONDON).date()
    tried = WaitlistOffer.objects.filter(hold__therapist_id=freed.therapist_id, hold__start=freed.start)
    entries = (
        WaitlistEntry.objects.filter(ended_at__isnull=True, first_day__lte=day, last_day__gte=day)
        .filter(Q(therapist__isnull=True) | Q(therapist_id=freed.therapist_id))
        .exclude(pk__in=tried.values("entry_id"))
        .exclude(offers__status=WaitlistOffer.Status.OPEN)
        .select_related("session_type", "client")
    )
    for entry in entries:
        if entry.suits(freed.start, now) and (offer := _hold_and_offer(entry, freed.therapist_id, freed.start, now)):
            return offer
    return None


def _hold_and_offer(entry: WaitlistEntry, therapist_id: int, start: datetime.datetime, now) -> WaitlistOffer | None:
    """Holds the time for the entry (the same claims as a booking: the slot re-checked under
    the therapist's lock, then one room) and writes the offer and its email; None when the
    session does not fit there now. In a savepoint: a refusal leaves nothing behind."""
    session_type = entry.session_type
    rooms = rooms_for_session(session_type=session_type)
    if rooms.tracked and not rooms.rooms:
        return None
    try:
        with transaction.atomic():
            claimed = therapist_claim(
                session_type=session_type, therapist_id=therapist_id, start=start, now=now, rooms=rooms
            )
            if claimed is None:
                return None
            therapist, slot = claimed
            hold = room_claim(
                rooms=rooms,
                room_ids=slot.room_ids,
                session_type=session_type,
                start=start,
                write=lambda room: _hold_insert(entry, therapist, room, start),
            )
            offer = WaitlistOffer.objects.create(
                entry=entry, hold=hold, respond_by=_respond_by(therapist, start, now), created_at=now
            )
            free_times_changed(therapist_id=therapist.pk, room_ids=[hold.room_id])
            outbound_email_schedule(
                booking=hold, kind=OutboundEmail.Kind.WAITLIST_OFFER, to_email=entry.client.email, due_at=now
            )
            return offer
    except (RoomsTaken, IntegrityError, OperationalError):
        return None  # taken, or busy: the time is not offered this run


def _hold_insert(entry: WaitlistEntry, therapist, room, start: datetime.datetime) -> Booking:
    """The HELD booking row: it names no one (the offer knows its client, and an erasure then
    has nothing here to erase), with the therapist's buffer and the room's turnover as a
    booking has."""
    end = start + datetime.timedelta(minutes=entry.session_type.duration_minutes)
    return Booking.objects.create(
        client_name=HOLD_NAME,
        therapist=therapist,
        session_type=entry.session_type,
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


def offers_lapse(*, now: datetime.datetime) -> int:
    """Ends the open offers whose time to answer has passed and passes their time on."""
    lapsed = 0
    for offer_id in WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN, respond_by__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            offer = _open_offer(offer_id, lock_skip=True)
            if offer is not None and offer.respond_by <= now:
                _end(offer, WaitlistOffer.Status.LAPSED, now)
                lapsed += 1
    return lapsed


def offer_decline(*, offer_id: int, client, now: datetime.datetime | None = None) -> None:
    """The client says no: the hold is let go and the time passes to the next entry. Their
    place on the list stays. Raises OfferError when the offer is not theirs or has ended."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _answerable(offer_id, client, now)
        _end(offer, WaitlistOffer.Status.DECLINED, now)


def offer_accept(
    *, offer_id: int, client, book: Callable[[], Booking], now: datetime.datetime | None = None
) -> Booking:
    """Books the held time for the client: the hold is let go and ``book`` (booking_create with
    the client's answers) books it in the same transaction, so every rule of a booking, the
    health screen included, is checked again; any refusal it raises leaves the hold as it was.
    Raises OfferError when the offer is not theirs, has been answered or has lapsed."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _answerable(offer_id, client, now)
        Booking.objects.filter(pk=offer.hold_id).update(status=Booking.Status.CANCELLED, cancelled_at=now)
        booking = book()
        offer.status, offer.answered_at = WaitlistOffer.Status.ACCEPTED, now
        offer.save(update_fields=["status", "answered_at"])
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(ended_at=now, ended_why=WaitlistEntry.Ended.BOOKED)
    return booking


def _open_offer(offer_id: int, *, lock_skip: bool = False) -> WaitlistOffer | None:
    rows = WaitlistOffer.objects.select_for_update(of=("self",), skip_locked=lock_skip).select_related("hold", "entry")
    return rows.filter(pk=offer_id, status=WaitlistOffer.Status.OPEN).first()


def _answerable(offer_id: int, client, now: datetime.datetime) -> WaitlistOffer:
    """The client's open offer, locked; OfferError saying why not."""
    mine = WaitlistOffer.objects.filter(pk=offer_id, entry__client=client)
    if not mine.exists():
        raise OfferError("We could not find that offer.")
    offer = _open_offer(offer_id)
    if offer is None:
        raise OfferError("This offer has already been answered, so nothing has changed.")
    if offer.respond_by <= now:
        raise OfferError("The time to answer this offer has passed, and it has gone to the next person waiting.")
    return offer


def _end(offer: WaitlistOffer, status: str, now: datetime.datetime) -> None:
    """The offer answered no (or not at all): the hold cancelled, its time offered on at once."""
    offer.status, offer.answered_at = status, now
    offer.save(update_fields=["status", "answered_at"])
    hold = offer.hold
    Booking.objects.filter(pk=hold.pk).update(status=Booking.Status.CANCELLED, cancelled_at=now)
    free_times_changed(therapist_id=hold.therapist_id, room_ids=[hold.room_id])
    FreedTime.objects.create(therapist_id=hold.therapist_id, start=hold.start, offer_from=now)
