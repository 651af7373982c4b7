import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet

from clinic.london import london_midnight
from clinic.models import SessionType
from therapists.models import RegistrationEvent, Therapist, TimeOff, WorkingHours

from . import aftercare, availability
from .models import Booking, BookingRules


@dataclass(frozen=True)
class EarlierFlare:
    """An earlier session the client said made things worse, and the flare rule it sets."""

    booking: Booking
    advice: aftercare.FlareAdvice


def booking_earlier_flare(*, booking: Booking) -> EarlierFlare | None:
    """The client's latest earlier session, with notes, that they said made things worse; None
    if there is none. The therapist's booking page shows its flare rule."""
    earlier = (
        Booking.objects.filter(
            client_email__iexact=booking.client_email,
            status=Booking.Status.ATTENDED,
            feedback__in=aftercare.FLARE_ANSWERS,
            start__lt=booking.start,
            session_note__isnull=False,
        )
        .select_related("session_note")
        .order_by("-start")
        .first()
    )
    if earlier is None:
        return None
    note = earlier.session_note
    return EarlierFlare(earlier, aftercare.flare_advice(problem=note.problem, pressure_used=note.pressure_used))


def session_type_list_active() -> QuerySet[SessionType]:
    """The session types a client can book, in menu order."""
    return SessionType.objects.filter(active=True)


@dataclass(frozen=True)
class Slot:
    """A free start time and the therapists free to take it (one, unless "any therapist")."""

    start: datetime.datetime
    therapist_ids: tuple[int, ...]


def available_slots(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    date_to: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
) -> list[Slot]:
    """Free starts for a session type on London dates date_from..date_to, for one therapist or,
    with therapist_id None, for any bookable therapist who offers that session type.

    Four queries whatever the range, the number of therapists or of bookings: the rules, the
    therapists, their working hours, and their time off and bookings together. A therapist is
    offered from the first day of the range up to the last day their registration check holds,
    so a range never shows a day after a check lapses, nor hides the days before it.
    ``rules``: the clinic's BookingRules, when the page has already loaded them.
    """
    rules = rules or BookingRules.load()
    clinic = availability.Rules(
        step_minutes=rules.slot_step_minutes,
        min_notice_minutes=rules.min_notice_minutes,
        horizon_days=rules.horizon_days,
        buffer_minutes=rules.buffer_minutes,
    )
    date_from = max(date_from, availability.local_today(now))
    date_to = min(date_to, availability.last_bookable_day(now, clinic))
    if date_from > date_to:
        return []

    therapists = Therapist.objects.bookable(on=date_from).offering(session_type)
    if therapist_id is not None:
        therapists = therapists.filter(pk=therapist_id)
    personal = {}
    last_day = {}
    for pk, buffer, notice, check_holds_until in therapists.values_list(
        "pk", "buffer_minutes", "min_notice_minutes", "registration_expires_on"
    ):
        personal[pk] = replace(
            clinic,
            buffer_minutes=clinic.buffer_minutes if buffer is None else buffer,
            min_notice_minutes=clinic.min_notice_minutes if notice is None else notice,
        )
        last_day[pk] = min(date_to, check_holds_until)
    if not personal:
        return []

    hours: dict[int, list[availability.WeeklyHours]] = defaultdict(list)
    for row in (
        WorkingHours.objects.filter(therapist_id__in=personal)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=date_to))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=date_from))
        .values_list("therapist_id", "weekday", "start_time", "end_time", "effective_from", "effective_until")
    ):
        hours[row[0]].append(availability.WeeklyHours(*row[1:]))

    # Wide enough for any wall-clock day in the range.
    window_start = datetime.datetime.combine(date_from, datetime.time(), tzinfo=datetime.UTC) - datetime.timedelta(
        hours=2
    )
    window_end = datetime.datetime.combine(date_to, datetime.time(), tzinfo=datetime.UTC) + datetime.timedelta(
        days=1, hours=2
    )
    # A booking is busy until blocks_until (its end plus the buffer it was booked with), the
    # same range the database's no-overlap constraint compares, so it joins the time off.
    time_off = TimeOff.objects.filter(therapist_id__in=hours, start__lt=window_end, end__gt=window_start).values_list(
        "therapist_id", "start", "end"
    )
    bookings = (
        Booking.objects.holding_time()
        .filter(therapist_id__in=hours, start__lt=window_end, blocks_until__gt=window_start)
        .values_list("therapist_id", "start", "blocks_until")
        .order_by()
    )
    busy: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, start, end in time_off.order_by().union(bookings, all=True):
        busy[pk].append(availability.Busy(start, end))

    free_for: dict[datetime.datetime, list[int]] = defaultdict(list)
    for pk, weekly in hours.items():
        for start in availability.free_starts(
            hours=weekly,
            busy=busy[pk],
            rules=personal[pk],
            session_minutes=session_type.duration_minutes,
            now=now,
            date_from=date_from,
            date_to=last_day[pk],
        ):
            free_for[start].append(pk)
    return [Slot(start, tuple(sorted(free_for[start]))) for start in sorted(free_for)]


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


def bookings_affected_from(*, therapist: Therapist, start: datetime.datetime) -> QuerySet[Booking]:
    """Bookings still to happen with the therapist from ``start`` on: those a lapsed or
    suspended registration leaves without a bookable therapist."""
    return (
        Booking.objects.filter(therapist=therapist, status__in=Booking.OPEN_STATUSES, start__gte=start)
        .select_related("session_type")
        .order_by("start")
    )


def affected_from(event: RegistrationEvent) -> datetime.datetime | None:
    """From when an event leaves bookings without a bookable therapist: a suspension at
    once, an expiry from the day after the check ended; other decisions affect none."""
    if event.kind == RegistrationEvent.Kind.EXPIRED:
        return london_midnight(event.expires_on + datetime.timedelta(days=1))
    if event.kind == RegistrationEvent.Kind.SUSPENDED:
        return event.at
    return None
