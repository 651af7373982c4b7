"""Why a start time is not free, and the sentence that tells the client so.

slot_refusal applies available_slots' rules (bookings.slots.selectors) to one instant, for a
time a booking service's re-check refused: a few queries, only after a refusal, so the client
is told why (too soon, past the horizon, outside the therapist's hours, no treatment room
open or turned over yet...) instead of "just been taken". refusal_message and
past_horizon_message put a refusal into words; the booking services raise them as SlotNotFree.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from bookings.models import Booking, BookingRules
from bookings.slots import availability
from bookings.slots.selectors import clinic_rules, rooms_for_session, without_notice
from clinic.models import RoomClosure, SessionType
from therapists.models import Therapist, TimeOff, WorkingHours

NOT_OFFERED = "not_offered"  # the therapist does not offer this session type


NOT_BOOKABLE = "not_bookable"  # no verified registration check covers that day

# The therapist is free, but no treatment room is, for a reason other than another session in it:
NO_ROOM_SUITS = "no_room_suits"  # no room in use suits the session
ROOM_CLOSED = "room_closed"  # every room that suits it is outside its hours or has time off then
ROOM_TURNOVER = "room_turnover"  # a room is free but for the turnover after a session, or its own


@dataclass(frozen=True)
class SlotRefusal:
    """Why a start was not free: an availability.Refusal value, NOT_OFFERED or NOT_BOOKABLE,
    with what the message about it needs."""

    reason: str
    therapist: Therapist | None
    rules: availability.Rules

    @property
    def therapist_unverified(self) -> bool:
        """Not bookable on any day, rather than on that day: the therapist asked for has no
        verified registration check (awaiting one, rejected, expired or suspended)."""
        return (
            self.reason == NOT_BOOKABLE
            and self.therapist is not None
            and self.therapist.registration_status != Therapist.RegistrationStatus.VERIFIED
        )


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
    *,
    therapist_id: int | None,
    session_type: SessionType,
    start: datetime.datetime,
    now: datetime.datetime,
    notice: bool = True,
) -> SlotRefusal:
    """Why ``start`` is not one of available_slots' free starts for the therapist (or, with
    therapist_id None, for any therapist): the same rules, applied to one instant, so a refused
    time says why instead of "just been taken". Only taken (another booking holds the time)
    means a real race. A few queries, only after a refusal. ``start`` must be an aware instant
    a London clock can show (the service checks). ``notice`` False: staff booking a client in,
    to whom the minimum notice does not apply (selectors.available_slots)."""
    clinic = clinic_rules(BookingRules.load())
    if not notice:
        clinic = without_notice(clinic)
    day = start.astimezone(availability.LONDON).date()
    therapists = Therapist.objects.all() if therapist_id is None else Therapist.objects.filter(pk=therapist_id)
    rows = list(therapists.bookable(on=day).offering(session_type)) if therapist_id is None else list(therapists)
    chosen = rows[0] if therapist_id is not None and rows else None
    chosen_rules = _own_rules(clinic, chosen, notice)

    # About the time itself, whoever is asked: too soon, or past the horizon.
    timing = availability.refusal(
        start=start, hours=[], rules=chosen_rules, session_minutes=session_type.duration_minutes, now=now
    )
    if timing in (availability.Refusal.TOO_SOON, availability.Refusal.PAST_HORIZON):
        return SlotRefusal(timing.value, chosen, chosen_rules)
    if therapist_id is not None and (reason := _not_bookable_or_offered(chosen, session_type, day)):
        return SlotRefusal(reason, chosen, chosen_rules)
    if not rows:
        offered = Therapist.objects.offering(session_type).exists()
        return SlotRefusal(NOT_BOOKABLE if offered else NOT_OFFERED, None, clinic)
    reasons = _reasons_on_the_day(rows, session_type, start, day, now, clinic, notice)
    if None in reasons:
        # Free by a therapist's own rules, yet refused: a room, or someone's booking came and went.
        return SlotRefusal(_room_reason(session_type, start) or availability.Refusal.TAKEN.value, chosen, chosen_rules)
    return SlotRefusal(min(reasons, key=_NEAREST_FIRST.index), chosen, chosen_rules)


def _own_rules(clinic: availability.Rules, therapist: Therapist | None, notice: bool = True) -> availability.Rules:
    if therapist is None:
        return clinic
    return clinic.for_therapist(
        buffer_minutes=therapist.buffer_minutes, min_notice_minutes=therapist.min_notice_minutes if notice else 0
    )


def _not_bookable_or_offered(chosen: Therapist | None, session_type: SessionType, day: datetime.date) -> str | None:
    """NOT_BOOKABLE or NOT_OFFERED for the therapist asked for, or None: a query or two."""
    if chosen is None or not Therapist.objects.bookable(on=day).filter(pk=chosen.pk).exists():
        return NOT_BOOKABLE
    if not Therapist.objects.filter(pk=chosen.pk).offering(session_type).exists():
        return NOT_OFFERED
    return None


def _reasons_on_the_day(
    rows: list[Therapist],
    session_type: SessionType,
    start: datetime.datetime,
    day: datetime.date,
    now: datetime.datetime,
    clinic: availability.Rules,
    notice: bool = True,
) -> list[str | None]:
    """Each therapist's reason for refusing ``start``, by their hours, time off and bookings
    that day (``day``, start's London date), None for one free by them: three queries, however
    many therapists."""
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
            rules=_own_rules(clinic, therapist, notice),
            session_minutes=session_type.duration_minutes,
            now=now,
        )
        reasons.append(reason.value if reason else None)
    return reasons


def _room_reason(session_type: SessionType, start: datetime.datetime) -> str | None:
    """Why no room that suits the session is free from ``start``, if it is not for another
    session in the room (that is a time taken): no room suits it, every one is closed then (its
    hours, its time off), or one is free but for a turnover. None when a room is free, or the
    session needs none. Up to three queries."""
    rooms = rooms_for_session(session_type=session_type)
    if not rooms.tracked:
        return None
    if not rooms.rooms:
        return NO_ROOM_SUITS
    end = start + datetime.timedelta(minutes=session_type.duration_minutes)
    ids = [room.id for room in rooms.rooms]
    closed: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, busy_start, busy_end in RoomClosure.objects.filter(
        room_id__in=ids, start__lt=end + datetime.timedelta(days=1), end__gt=start - datetime.timedelta(days=1)
    ).values_list("room_id", "start", "end"):
        closed[pk].append(availability.Busy(busy_start, busy_end))
    in_use: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, busy_start, busy_end in (
        Booking.objects.holding_time()
        .filter(room_id__in=ids, start__lt=end + datetime.timedelta(days=1), room_until__gt=start)
        .values_list("room_id", "start", "end")
    ):
        in_use[pk].append(availability.Busy(busy_start, busy_end))

    def any_free(*, turnover: bool, busy: dict[int, list[availability.Busy]]) -> bool:
        rooms_then = [
            replace(room, turnover_minutes=room.turnover_minutes if turnover else 0, busy=busy[room.id])
            for room in rooms.rooms
        ]
        (free,) = availability.rooms_free_at([start], rooms=rooms_then, session_minutes=session_type.duration_minutes)
        return bool(free)

    if not any_free(turnover=False, busy=closed):
        return ROOM_CLOSED
    sessions_only = {pk: closed[pk] + in_use[pk] for pk in ids}
    if not any_free(turnover=False, busy=sessions_only):
        return None  # another session holds every room then: taken
    return ROOM_TURNOVER


def past_horizon_message(last_day: datetime.date) -> str:
    """What a client is told about a day past the booking horizon, ``last_day`` being the last
    one they may book (selectors.last_bookable_day)."""
    return f"We take bookings up to {last_day.day} {last_day:%B %Y}. Please choose an earlier day."


def minutes_in_words(minutes: int) -> str:
    """A notice period as a client reads it, in days, hours and minutes: "45 minutes",
    "2 hours", "1 day, 7 hours and 28 minutes" (no zero parts; "0 minutes" for none)."""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{count} {unit}{'' if count == 1 else 's'}"
        for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ]
    if not parts:
        return "0 minutes"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def refusal_message(refused: SlotRefusal, *, session_type: SessionType, now: datetime.datetime) -> str:
    """What a client is told when the time they chose was refused and it was not a race (for a
    taken time the service says "just been taken"): the reason in words, and what to do."""
    therapist = refused.therapist
    who = therapist.display_name if therapist else "None of our therapists"
    if refused.reason == NOT_OFFERED:
        if therapist:
            return f"{who} does not offer {session_type.name.lower()}. Please choose another therapist or session."
        return f"None of our therapists offers {session_type.name.lower()} at the moment."
    if refused.reason == NOT_BOOKABLE:
        if refused.therapist_unverified:
            return "That therapist cannot be booked at the moment. Please choose another."
        if therapist:
            return f"{who} cannot be booked on that day. Please choose an earlier day or another therapist."
        return "None of our therapists can be booked on that day. Please choose an earlier day."
    Refusal = availability.Refusal
    match refused.reason:
        case Refusal.TOO_SOON.value:
            return (
                f"That time is too soon to book: {'sessions with ' + who if therapist else 'sessions'} can be "
                f"booked up to {minutes_in_words(refused.rules.min_notice_minutes)} before they start. "
                "Please choose a later time."
            )
        case Refusal.PAST_HORIZON.value:
            return past_horizon_message(availability.last_bookable_day(now, refused.rules))
        case Refusal.OUTSIDE_HOURS.value:
            if therapist:
                return f"{who} is not working at that time. Please choose one of the times shown."
            return "None of our therapists is working at that time. Please choose one of the times shown."
        case Refusal.OFF_GRID.value:
            return (
                f"Sessions start every {refused.rules.step_minutes} minutes, and that time is not one of them. "
                "Please choose one of the times shown."
            )
        case Refusal.AWAY.value:
            return f"{who} {'is' if therapist else 'are'} away at that time. Please choose another."
    return _room_message(refused.reason, session_type)


def _room_message(reason: str, session_type: SessionType) -> str:
    session = session_type.name.lower()
    if reason == NO_ROOM_SUITS:
        return f"None of our treatment rooms is set up for {session} at the moment. Please choose another session."
    if reason == ROOM_CLOSED:
        return f"None of our treatment rooms for {session} is open at that time. Please choose one of the times shown."
    if reason == ROOM_TURNOVER:
        return (
            f"No treatment room for {session} is free at that time: each needs time after a session to be "
            "made ready. Please choose one of the times shown."
        )
    raise AssertionError(reason)
