import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from bookings.models import Booking, BookingRules
from bookings.slots import availability
from clinic.models import SessionType
from therapists.models import Therapist, TimeOff, WorkingHours

NOT_OFFERED = "not_offered"  # the therapist does not offer this session type


NOT_BOOKABLE = "not_bookable"  # no verified registration check covers that day


@dataclass(frozen=True)
class SlotRefusal:
    """Why a start was not free: an availability.Refusal value, NOT_OFFERED or NOT_BOOKABLE,
    with what the message about it needs."""

    reason: str
    therapist: Therapist | None
    rules: availability.Rules


# For "first available": the reason of the therapist who came nearest to being free.
_NEAREST_FIRST = [
    availability.Refusal.TAKEN.value,
    availability.Refusal.AWAY.value,
    availability.Refusal.OFF_GRID.value,
    availability.Refusal.OUTSIDE_HOURS.value,
    NOT_BOOKABLE,
    NOT_OFFERED,
    availability.Refusal.TOO_SOON.value,  # a therapist's own, longer notice
    availability.Refusal.PAST_HORIZON.value,
]


def slot_refusal(
    *, therapist_id: int | None, session_type: SessionType, start: datetime.datetime, now: datetime.datetime
) -> SlotRefusal:
    """Why ``start`` is not one of available_slots' free starts for the therapist (or, with
    therapist_id None, for any therapist): the same rules, applied to one instant, so a refused
    time says why instead of "just been taken". Only taken (another booking holds the time)
    means a real race. A few queries, only after a refusal. ``start`` must be an aware instant
    a London clock can show (the service checks)."""
    rules = BookingRules.load()
    clinic = availability.Rules(
        step_minutes=rules.slot_step_minutes,
        min_notice_minutes=rules.min_notice_minutes,
        horizon_days=rules.horizon_days,
        buffer_minutes=rules.buffer_minutes,
    )
    day = start.astimezone(availability.LONDON).date()
    therapists = Therapist.objects.all() if therapist_id is None else Therapist.objects.filter(pk=therapist_id)
    rows = list(therapists.bookable(on=day).offering(session_type)) if therapist_id is None else list(therapists)
    chosen = rows[0] if therapist_id is not None and rows else None

    def personal(therapist: Therapist | None) -> availability.Rules:
        if therapist is None:
            return clinic
        return replace(
            clinic,
            buffer_minutes=clinic.buffer_minutes if therapist.buffer_minutes is None else therapist.buffer_minutes,
            min_notice_minutes=clinic.min_notice_minutes
            if therapist.min_notice_minutes is None
            else therapist.min_notice_minutes,
        )

    # About the time itself, whoever is asked: too soon, or past the horizon.
    timing = availability.refusal(
        start=start, hours=[], rules=personal(chosen), session_minutes=session_type.duration_minutes, now=now
    )
    if timing in (availability.Refusal.TOO_SOON, availability.Refusal.PAST_HORIZON):
        return SlotRefusal(timing.value, chosen, personal(chosen))
    if therapist_id is not None:
        if chosen is None or not Therapist.objects.bookable(on=day).filter(pk=chosen.pk).exists():
            return SlotRefusal(NOT_BOOKABLE, chosen, personal(chosen))
        if not Therapist.objects.filter(pk=chosen.pk).offering(session_type).exists():
            return SlotRefusal(NOT_OFFERED, chosen, personal(chosen))
    if not rows:
        offered = Therapist.objects.offering(session_type).exists()
        return SlotRefusal(NOT_BOOKABLE if offered else NOT_OFFERED, None, clinic)

    ids = [therapist.pk for therapist in rows]
    hours: dict[int, list[availability.WeeklyHours]] = defaultdict(list)
    for row in WorkingHours.objects.filter(therapist_id__in=ids, weekday=day.weekday()).values_list(
        "therapist_id", "weekday", "start_time", "end_time", "effective_from", "effective_until"
    ):
        hours[row[0]].append(availability.WeeklyHours(*row[1:]))
    window_start, window_end = start - datetime.timedelta(days=1), start + datetime.timedelta(days=1)
    time_off: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, busy_start, busy_end in TimeOff.objects.filter(
        therapist_id__in=ids, start__lt=window_end, end__gt=window_start
    ).values_list("therapist_id", "start", "end"):
        time_off[pk].append(availability.Busy(busy_start, busy_end))
    bookings: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, busy_start, busy_end in (
        Booking.objects.holding_time()
        .filter(therapist_id__in=ids, start__lt=window_end, blocks_until__gt=window_start)
        .values_list("therapist_id", "start", "blocks_until")
    ):
        bookings[pk].append(availability.Busy(busy_start, busy_end))

    reasons = []
    for therapist in rows:
        reason = availability.refusal(
            start=start,
            hours=hours[therapist.pk],
            time_off=time_off[therapist.pk],
            bookings=bookings[therapist.pk],
            rules=personal(therapist),
            session_minutes=session_type.duration_minutes,
            now=now,
        )
        # Free by the rules, yet refused: someone's booking came and went, or the lock moved on.
        reasons.append((reason or availability.Refusal.TAKEN).value)
    reason = min(reasons, key=_NEAREST_FIRST.index)
    return SlotRefusal(reason, chosen, personal(chosen))
