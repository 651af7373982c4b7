import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower

from clinic.london import LONDON, london_midnight
from clinic.models import Room, RoomClosure, SessionType
from therapists.models import RegistrationEvent, Therapist, TimeOff, WorkingHours

from . import aftercare, availability, body_chart, health, outcome_chart
from .models import HEALTH_DATA_PERMISSION, Booking, BookingRules, OutcomeScore, SessionNote


@dataclass(frozen=True)
class EarlierFlare:
    """An earlier session the client said made things worse, and the flare rule it sets."""

    booking: Booking
    advice: aftercare.FlareAdvice


def last_session_before(*, booking: Booking) -> Booking | None:
    """The client's latest attended session with notes before this booking (by account, as
    booking_earlier_flare), for the notes form's flare rule; None for a guest or a first visit."""
    if booking.client_id is None:
        return None
    return (
        Booking.objects.filter(
            client_id=booking.client_id,
            status=Booking.Status.ATTENDED,
            start__lt=booking.start,
            session_note__isnull=False,
        )
        .exclude(pk=booking.pk)
        .select_related("session_note")
        .order_by("-start")
        .first()
    )


def booking_earlier_flare(*, booking: Booking) -> EarlierFlare | None:
    """The client's latest earlier session, with notes, that they said made things worse; None
    if there is none. The therapist's booking page shows its flare rule.

    Earlier sessions are the same client's by identity (the account that verified the
    booking's address), never by a typed email: anyone can type anyone's address."""
    if booking.client_id is None:
        return None
    earlier = (
        Booking.objects.filter(
            client_id=booking.client_id,
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


def bookings_for_account(*, user) -> QuerySet[Booking]:
    """Every booking an account may list as its own, newest first (2 queries): those linked to
    it, and unlinked ones made with an address it has verified (a guest booking made after
    the account was). Listing one links nothing: see services.claims."""
    verified = [
        email.lower() for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ]
    return (
        Booking.objects.annotate(email_lower=Lower("client_email"))
        .filter(Q(client=user) | Q(client__isnull=True, email_lower__in=verified))
        .select_related("therapist", "session_type")
        .order_by("-start")
    )


def session_type_list_active() -> QuerySet[SessionType]:
    """The session types a client can book, in menu order."""
    return SessionType.objects.filter(active=True)


@dataclass(frozen=True)
class Slot:
    """A free start time, the therapists free to take it (one, unless "any therapist") and the
    rooms free for it in the clinic's room order (none when the session needs no room)."""

    start: datetime.datetime
    therapist_ids: tuple[int, ...]
    room_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RoomsForSession:
    """The rooms a session type may be held in, in the clinic's order, without their busy
    times. ``tracked`` is False when the session needs no room, or the clinic has not added a
    room yet: then sessions are booked with a therapist only."""

    tracked: bool
    rooms: tuple[availability.RoomTimes, ...] = ()


def rooms_for_session(*, session_type: SessionType) -> RoomsForSession:
    """One query (none for a session that needs no room): every room with its opening hours,
    marked with whether it suits the session type."""
    if not session_type.needs_room:
        return RoomsForSession(tracked=False)
    suits = Room.session_types.through.objects.filter(room_id=OuterRef("pk"), sessiontype_id=session_type.pk)
    rows = (
        Room.objects.annotate(suits=Exists(suits))
        .values_list(
            "pk", "active", "suits", "turnover_minutes", "hours__weekday", "hours__start_time", "hours__end_time"
        )
        .order_by("display_order", "name", "pk", "hours__weekday", "hours__start_time")
    )
    rooms: dict[int, tuple[int, list[availability.WeeklyHours]]] = {}
    tracked = False
    for pk, active, suitable, turnover, weekday, opens, closes in rows:
        tracked = True
        if not (active and suitable):
            continue
        _, hours = rooms.setdefault(pk, (turnover, []))
        if weekday is not None:
            hours.append(availability.WeeklyHours(weekday, opens, closes))
    return RoomsForSession(
        tracked=tracked,
        rooms=tuple(availability.RoomTimes(pk, turnover, tuple(hours)) for pk, (turnover, hours) in rooms.items()),
    )


def _with_busy(rooms: RoomsForSession, busy: dict[int, list[availability.Busy]]) -> list[availability.RoomTimes]:
    return [replace(room, busy=busy[room.id]) for room in rooms.rooms]


def _room_busy_queries(room_ids, window_start: datetime.datetime, window_end: datetime.datetime, exclude_booking=None):
    """Time off and bookings holding the rooms in the window, as (room id, start, end, "room")
    rows to join a UNION ALL. A booking holds its room until room_until (its end plus the
    room's turnover), the range the database's no-overlap constraint compares."""
    closures = (
        RoomClosure.objects.filter(room_id__in=room_ids, start__lt=window_end, end__gt=window_start)
        .annotate(kind=Value("room"))
        .values_list("room_id", "start", "end", "kind")
        .order_by()
    )
    bookings = Booking.objects.holding_time().filter(
        room_id__in=room_ids, start__lt=window_end, room_until__gt=window_start
    )
    if exclude_booking is not None:
        bookings = bookings.exclude(pk=exclude_booking)
    bookings = bookings.annotate(kind=Value("room")).values_list("room_id", "start", "room_until", "kind").order_by()
    return closures, bookings


def rooms_free_for(
    *, session_type: SessionType, start: datetime.datetime, ignore_booking_id: int | None = None
) -> tuple[int, ...]:
    """The rooms, in the clinic's order, free for a session of this type from ``start`` plus
    each room's turnover (active, suiting it, open, no time off, no other booking but the
    one ignored). Two queries. Staff moving a booking between rooms use it; the therapist's
    diary does not come into it."""
    rooms = rooms_for_session(session_type=session_type)
    if not rooms.rooms:
        return ()
    end = start + datetime.timedelta(minutes=session_type.duration_minutes)
    closures, bookings = _room_busy_queries(
        [room.id for room in rooms.rooms],
        start - datetime.timedelta(days=1),
        end + datetime.timedelta(days=1),
        exclude_booking=ignore_booking_id,
    )
    busy: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, busy_start, busy_end, _ in closures.union(bookings, all=True):
        busy[pk].append(availability.Busy(busy_start, busy_end))
    (free,) = availability.rooms_free_at(
        [start], rooms=_with_busy(rooms, busy), session_minutes=session_type.duration_minutes
    )
    return free


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
    with therapist_id None, for any bookable therapist who offers that session type, and, for a
    session that needs a room, only where a room that suits it is free too (its turnover
    included).

    Five queries whatever the range, the number of therapists, rooms or bookings: the rules,
    the rooms with their hours, the therapists, their working hours, and the therapists' and
    rooms' time off and bookings together (four for a session that needs no room). A
    therapist is offered from the first day of the range up to the last day their
    registration check holds, so a range never shows a day after a check lapses, nor hides
    the days before it. ``rules``: the clinic's BookingRules, when the page has loaded them.
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
    rooms = rooms_for_session(session_type=session_type)
    if rooms.tracked and not rooms.rooms:
        return []  # the clinic keeps rooms, and none in use suits this session

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
    # same range the database's no-overlap constraint compares, so it joins the time off; the
    # rooms' time off and bookings join the same query.
    time_off = (
        TimeOff.objects.filter(therapist_id__in=hours, start__lt=window_end, end__gt=window_start)
        .annotate(kind=Value("therapist"))
        .values_list("therapist_id", "start", "end", "kind")
        .order_by()
    )
    bookings = (
        Booking.objects.holding_time()
        .filter(therapist_id__in=hours, start__lt=window_end, blocks_until__gt=window_start)
        .annotate(kind=Value("therapist"))
        .values_list("therapist_id", "start", "blocks_until", "kind")
        .order_by()
    )
    parts = [bookings]
    if rooms.rooms:
        parts.extend(_room_busy_queries([room.id for room in rooms.rooms], window_start, window_end))
    busy: dict[int, list[availability.Busy]] = defaultdict(list)
    room_busy: dict[int, list[availability.Busy]] = defaultdict(list)
    for pk, start, end, kind in time_off.union(*parts, all=True):
        (busy if kind == "therapist" else room_busy)[pk].append(availability.Busy(start, end))

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
    starts = sorted(free_for)
    if not rooms.rooms:
        return [Slot(start, tuple(sorted(free_for[start]))) for start in starts]
    free_rooms = availability.rooms_free_at(
        starts, rooms=_with_busy(rooms, room_busy), session_minutes=session_type.duration_minutes
    )
    return [
        Slot(start, tuple(sorted(free_for[start])), room_ids)
        for start, room_ids in zip(starts, free_rooms, strict=True)
        if room_ids
    ]


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


@dataclass(frozen=True)
class StripDay:
    """One day of the week strip: whether it has any free start for the search."""

    day: datetime.date
    free: bool


def slot_days(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    date_to: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
) -> set[datetime.date]:
    """The London dates in the range with at least one free start: one multi-day search, so
    four queries however many days."""
    found = available_slots(
        therapist_id=therapist_id, session_type=session_type, date_from=date_from, date_to=date_to, now=now, rules=rules
    )
    return {slot.start.astimezone(LONDON).date() for slot in found}


@dataclass(frozen=True)
class WeekStrip:
    """Seven days at a glance, and every free start in them: the day a client looks at is in
    its week, so its list comes from the same search."""

    days: list[StripDay]
    slots: list[Slot]

    def slots_on(self, day: datetime.date) -> list[Slot]:
        return [slot for slot in self.slots if slot.start.astimezone(LONDON).date() == day]


def week_strip(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
) -> WeekStrip:
    """Seven days from date_from (fewer at the booking horizon), each marked free or not, with
    their free starts: one multi-day search."""
    days = [date_from + datetime.timedelta(days=n) for n in range(7)]
    days = [day for day in days if day <= last_day]
    if not days:
        return WeekStrip([], [])
    found = available_slots(
        therapist_id=therapist_id, session_type=session_type, date_from=days[0], date_to=days[-1], now=now, rules=rules
    )
    free = {slot.start.astimezone(LONDON).date() for slot in found}
    return WeekStrip([StripDay(day, day in free) for day in days], found)


def first_free_day(
    *,
    therapist_id: int | None,
    session_type: SessionType,
    date_from: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
    rules: BookingRules | None = None,
) -> datetime.date | None:
    """The first London date from date_from with a free start, or None up to last_day.

    Searches a week, then windows doubling in length: the answer is usually in the first
    week (four queries), and a therapist with nothing free for months costs a handful of
    searches, not one per day. Each search offers a therapist only up to the last day their
    registration check holds, so a check lapsing inside a window hides no day before it."""
    start, length = date_from, 7
    while start <= last_day:
        end = min(start + datetime.timedelta(days=length - 1), last_day)
        free = slot_days(
            therapist_id=therapist_id, session_type=session_type, date_from=start, date_to=end, now=now, rules=rules
        )
        if free:
            return min(free)
        start, length = end + datetime.timedelta(days=1), length * 2
    return None


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


# The client's record --------------------------------------------------------------------


@dataclass(frozen=True)
class NoteVersion:
    """The notes as first written, or one amendment: who, when, what it said or changed."""

    at: datetime.datetime
    by: str
    values: dict  # the whole notes (the original) or, for an amendment, the changed fields
    reason: str = ""
    changes: dict | None = None  # {field: (old, new)} for an amendment

    @property
    def rows(self) -> list[tuple[str, str]]:
        """(label, words) per field, in the form's order (PostgreSQL's jsonb keeps no key
        order): the values as written, or "old → new" for an amendment."""
        if self.changes is None:
            return [(label, _describe(f, self.values[f])) for f, label in NOTE_FIELD_LABELS.items() if f in self.values]
        return [
            (label, f"{_describe(f, self.changes[f][0])} → {_describe(f, self.changes[f][1])}")
            for f, label in NOTE_FIELD_LABELS.items()
            if f in self.changes
        ]


@dataclass(frozen=True)
class RecordEntry:
    booking: Booking
    answers: list[str]  # the health questions answered yes, in words
    notes: list[NoteVersion]  # the original first, then each amendment in order


@dataclass(frozen=True)
class ClientRecord:
    entries: list[RecordEntry]
    # False for a guest booking: no account or verified address links other sessions to it.
    linked: bool
    progress: "Progress"


@dataclass(frozen=True)
class Progress:
    """The client's outcome scores over the sessions the viewer may read: a chart once a
    measure has two readings, and how many readings there are."""

    chart: outcome_chart.Chart | None
    readings: int


def _record_sessions(*, booking: Booking, viewer) -> QuerySet[Booking]:
    """The client's sessions the viewer may read (see client_record)."""
    sessions = bookings_for_account(user=booking.client) if booking.client_id else Booking.objects.filter(pk=booking.pk)
    if not viewer.has_perm(HEALTH_DATA_PERMISSION):
        sessions = sessions.filter(therapist__user=viewer)
    return sessions.exclude(status=Booking.Status.CANCELLED)


def client_progress(*, booking: Booking, viewer) -> Progress:
    """The outcome chart for the booking's client, over the sessions the viewer may read (one
    query for the scores)."""
    series: dict[tuple[str, bool], list[outcome_chart.Reading]] = defaultdict(list)
    scores = OutcomeScore.objects.filter(
        booking__in=_record_sessions(booking=booking, viewer=viewer).values("pk")
    ).order_by("taken_at", "pk")
    count = 0
    for kind, measure, score, taken, at in scores.values_list("kind", "measure", "score", "taken", "taken_at"):
        is_pain = kind == OutcomeScore.Kind.PAIN
        series[("Pain" if is_pain else measure, is_pain)].append(outcome_chart.Reading(at, score, taken))
        count += 1
    return Progress(outcome_chart.outcome_chart(series), count)


NOTE_FIELD_LABELS = {
    "areas_worked": "Areas worked",
    "areas_to_avoid": "Areas to avoid",
    "pressure_used": "Pressure used",
    "problem": "Problem",
    "personal_tip": "Tip for the client",
}


def _describe(field: str, value) -> str:
    if field in ("areas_worked", "areas_to_avoid"):
        return "; ".join(body_chart.labels(value)) or "None"
    if field == "pressure_used":
        return f"{value}/10"
    if field == "problem":
        return dict(SessionNote._meta.get_field("problem").choices).get(value, value)
    return value or "None"


def _author(user) -> str:
    """A therapist by the name clients know them by; anyone else by their account's name."""
    if user is None:
        return "the session's therapist"
    therapist = getattr(user, "therapist", None)
    return therapist.display_name if therapist else (user.get_full_name() or user.get_username())


def note_history(note) -> list[NoteVersion]:
    """The notes as first written (the current values with every amendment undone, newest
    first) and then each amendment: legible and attributable, whatever changed since."""
    amendments = list(note.amendments.all())
    original = {field: getattr(note, field) for field in SessionNote.AMENDABLE}
    for amendment in reversed(amendments):
        for field, (old, _new) in amendment.changes.items():
            original[field] = old
    versions = [NoteVersion(note.written_at, _author(note.written_by), original)]
    for amendment in amendments:
        versions.append(
            NoteVersion(
                amendment.amended_at,
                _author(amendment.amended_by),
                {field: new for field, (_old, new) in amendment.changes.items()},
                amendment.reason,
                {field: tuple(pair) for field, pair in amendment.changes.items()},
            )
        )
    return versions


def client_record(*, booking: Booking, viewer) -> ClientRecord:
    """Every session of the booking's client the viewer may read, newest first, with health
    answers, the check-in answer and the notes with their amendments: for a therapist the
    sessions they gave, for staff allowed to read health data all of them. The client is
    known by identity (the account, which covers addresses it verified), never by a typed
    email; a guest's record is that booking alone. Three queries whatever the number of
    sessions and amendments, and one for the outcome scores."""
    linked = booking.client_id is not None
    sessions = (
        _record_sessions(booking=booking, viewer=viewer)
        .select_related("therapist", "session_type", "health_screen", "session_note__written_by__therapist")
        .prefetch_related("session_note__amendments__amended_by__therapist")
        .order_by("-start")
    )
    entries = []
    for session in sessions:
        screen = getattr(session, "health_screen", None)
        note = getattr(session, "session_note", None)
        entries.append(
            RecordEntry(
                booking=session,
                answers=[health.QUESTIONS[key].text for key in screen.answered_yes if key in health.QUESTIONS]
                if screen
                else [],
                notes=note_history(note) if note else [],
            )
        )
    return ClientRecord(entries=entries, linked=linked, progress=client_progress(booking=booking, viewer=viewer))
