"""The answers to waitlist offers: taking it, saying no, and no answer in time (the lapse).

Every path locks the offer's hold (its HELD booking row) and then the offer, in that order, so
two answers to offers of one time (everyone offered it inside 3 hours), or an answer and the
lapse, wait for each other instead of crossing: the first to take the time wins, and the rest
are told it has gone."""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from bookings.messaging.outbox import outbound_email_schedule
from bookings.models import Booking, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.models.waitlist import hold_let_go
from clinic.errors import ServiceError

Status = WaitlistOffer.Status


class OfferError(ServiceError):
    pass


def offers_lapse(*, now: datetime.datetime) -> int:
    """Ends the open offers whose time to answer has passed and, once none of a hold's is open,
    lets the hold go and passes its time on. One being answered right now is left to that
    answer (SKIP LOCKED) and looked at again next run."""
    lapsed = 0
    for offer_id in WaitlistOffer.objects.filter(status=Status.OPEN, respond_by__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            offer = _locked(offer_id, skip_locked=True)
            if offer is not None and offer.status == Status.OPEN and offer.respond_by <= now:
                _end(offer, Status.LAPSED, now)
                lapsed += 1
    return lapsed


def offer_decline(*, offer_id: int, client, now: datetime.datetime | None = None) -> None:
    """The client says no: their offer ends, and the time passes to the next entry once no one
    else is still offered it. Their place on the list stays. Raises OfferError when the offer
    is not theirs or has ended."""
    now = now or timezone.now()
    with transaction.atomic():
        _end(_answerable(offer_id, client, now), Status.DECLINED, now)


def offer_accept(
    *, offer_id: int, client, book: Callable[[], Booking], now: datetime.datetime | None = None
) -> Booking:
    """Books the held time for the client: the hold is let go and ``book`` (booking_create with
    the client's answers) books it in the same transaction, so every rule of a booking, the
    health screen included, is checked again; any refusal it raises leaves the hold as it was.
    Anyone else offered the same time is told it has gone. Raises OfferError when the offer is
    not theirs, has been answered, has been taken by someone else or has lapsed."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _answerable(offer_id, client, now)
        Booking.objects.filter(pk=offer.hold_id).update(status=Booking.Status.CANCELLED, cancelled_at=now)
        booking = book()
        offer.status, offer.answered_at = Status.ACCEPTED, now
        offer.save(update_fields=["status", "answered_at"])
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(ended_at=now, ended_why=WaitlistEntry.Ended.BOOKED)
        _tell_the_others(offer, now)
    return booking


def _tell_the_others(taken: WaitlistOffer, now: datetime.datetime) -> None:
    """The other open offers of the same time end as taken, each with an email saying so."""
    others = WaitlistOffer.objects.filter(hold_id=taken.hold_id, status=Status.OPEN).select_related("entry__client")
    for other in others:
        outbound_email_schedule(
            booking=taken.hold,
            kind=OutboundEmail.Kind.WAITLIST_TAKEN,
            to_email=other.entry.email,
            due_at=now,
            extra={"offer_id": other.pk},
        )
    others.update(status=Status.TAKEN, answered_at=now)


def _locked(offer_id: int, *, skip_locked: bool = False) -> WaitlistOffer | None:
    """The offer with its hold, the hold's row locked and then the offer's. None when there is
    no such offer or, with ``skip_locked``, when an answer holds them now."""
    hold_id = WaitlistOffer.objects.filter(pk=offer_id).values_list("hold_id", flat=True).first()
    if hold_id is None:
        return None
    hold = Booking.objects.select_for_update(skip_locked=skip_locked).filter(pk=hold_id).first()
    if hold is None:
        return None
    offer = WaitlistOffer.objects.select_for_update().get(pk=offer_id)
    offer.hold = hold
    return offer


def _answerable(offer_id: int, client, now: datetime.datetime) -> WaitlistOffer:
    """The client's open offer, locked; OfferError saying why not."""
    if not WaitlistOffer.objects.filter(pk=offer_id, entry__client=client).exists():
        raise OfferError("We could not find that offer.")
    offer = _locked(offer_id)
    if offer.status == Status.TAKEN:
        raise OfferError("Someone else who was offered this time took it first. Your place on the waitlist is kept.")
    if offer.status != Status.OPEN:
        raise OfferError("This offer has already been answered, so nothing has changed.")
    if offer.respond_by <= now:
        raise OfferError("The time to answer this offer has passed, and it has gone to the next person waiting.")
    return offer


def _end(offer: WaitlistOffer, status: str, now: datetime.datetime) -> None:
    """The offer answered no (or not at all). Once none of its hold's offers is open, the hold
    is cancelled and its time offered on at once."""
    offer.status, offer.answered_at = status, now
    offer.save(update_fields=["status", "answered_at"])
    if not WaitlistOffer.objects.filter(hold_id=offer.hold_id, status=Status.OPEN).exists():
        hold_let_go(offer.hold, now)
