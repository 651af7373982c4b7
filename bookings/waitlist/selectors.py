"""What the staff's waitlist page reads for one day, in a fixed number of queries however long
the list: the places waiting, the offers open, the free times each place could be offered by
hand, and the day's fill rate."""

import dataclasses
import datetime

from django.utils import timezone

from bookings.models import WaitlistEntry, WaitlistOffer
from bookings.models.waitlist import fill_counts
from bookings.slots.selectors import Slot, available_slots
from clinic.london import wall_clock_to_utc


@dataclasses.dataclass(frozen=True)
class Waiting:
    entry: WaitlistEntry
    # (therapist id, start) of each free time the place could be offered on the day.
    free: list[tuple[int, datetime.datetime]]


@dataclasses.dataclass(frozen=True)
class WaitlistDay:
    day: datetime.date
    waiting: list[Waiting]
    open_offers: list[WaitlistOffer]
    freed: int  # single times of that day given up (cancellations, moves, offers passed on)
    filled: int  # of those, taken from the waitlist

    @property
    def fill_rate(self) -> float | None:
        return self.filled / self.freed if self.freed else None


def waitlist_day(*, day: datetime.date, now: datetime.datetime | None = None) -> WaitlistDay:
    now = now or timezone.now()
    begins = wall_clock_to_utc(day, datetime.time(0))
    ends = wall_clock_to_utc(day + datetime.timedelta(days=1), datetime.time(0))
    entries = list(
        WaitlistEntry.objects.filter(ended_at__isnull=True, first_day__lte=day, last_day__gte=day)
        .exclude(offers__status=WaitlistOffer.Status.OPEN)
        .select_related("client", "session_type", "therapist", "booking")
    )
    free_by_session = {
        session_type.pk: available_slots(
            therapist_id=None, session_type=session_type, date_from=day, date_to=day, now=now
        )
        for session_type in {entry.session_type for entry in entries}
    }
    freed, filled = fill_counts(begins=begins, ends=ends)
    return WaitlistDay(
        day=day,
        waiting=[Waiting(entry, _free_for(entry, free_by_session[entry.session_type_id], now)) for entry in entries],
        open_offers=list(
            WaitlistOffer.objects.filter(
                hold__start__gte=begins, hold__start__lt=ends, status=WaitlistOffer.Status.OPEN
            )
            .select_related("entry__client", "hold__therapist", "hold__session_type")
            .order_by("hold__start", "pk")
        ),
        freed=freed,
        filled=filled,
    )


def _free_for(entry: WaitlistEntry, slots: list[Slot], now: datetime.datetime) -> list[tuple[int, datetime.datetime]]:
    """The free times on the day the place could take: its therapist (or anyone free), and for
    "earlier than my booking" only times before it. Staff may offer outside the parts of the
    day the client chose: they have asked them on the phone."""
    free = []
    for slot in slots:
        if entry.booking_id is not None and slot.start >= entry.booking.start:
            continue
        for therapist_id in slot.therapist_ids:
            if entry.therapist_id in (None, therapist_id):
                free.append((therapist_id, slot.start))
                break
    return free
