"""The figures, counted by the database for a period (and, optionally, one therapist or one
session type). Each dataclass names its figures and how they are defined; the page shows the
definitions beside them."""

import dataclasses
import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Cast, Coalesce, Lower, TruncDate, TruncWeek

from bookings.clinical.outcome_chart import PAIN_POINTS
from bookings.models import Booking, OutcomeScore, WaitlistOffer
from bookings.models.waitlist import fill_counts
from bookings.reports.chart import Week
from bookings.reports.period import Period
from clinic.london import LONDON
from clinic.problems import Problem
from therapists.models import Therapist

Status = Booking.Status
THIRTY_DAYS = datetime.timedelta(days=30)


@dataclasses.dataclass(frozen=True)
class Attendance:
    attended: int
    no_shows: int
    late_cancellations: int
    free_cancellations: int
    revenue_expected: Decimal  # attended sessions at their session's price

    @property
    def no_show_rate(self) -> float | None:
        """No-shows / (attended + no-shows)."""
        seen = self.attended + self.no_shows
        return self.no_shows / seen if seen else None

    @property
    def late_cancel_rate(self) -> float | None:
        """Late cancellations / every booking of the period (attended, no-show or cancelled)."""
        every = self.attended + self.no_shows + self.late_cancellations + self.free_cancellations
        return self.late_cancellations / every if every else None


@dataclasses.dataclass(frozen=True)
class Clients:
    new: int  # first attended session ever in the period
    returning: int  # attended in the period, and before it


@dataclasses.dataclass(frozen=True)
class Rebooking:
    attended: int
    on_the_day: int  # the client booked a later session by the end of the session's day
    within_30_days: int  # ... within 30 days of the session's start

    @property
    def on_the_day_share(self) -> float | None:
        return self.on_the_day / self.attended if self.attended else None

    @property
    def within_30_days_share(self) -> float | None:
        return self.within_30_days / self.attended if self.attended else None


@dataclasses.dataclass(frozen=True)
class FillRate:
    freed: int  # single times of the period given up (cancellations, moves, offers passed on)
    filled: int  # of those, taken from the waitlist

    @property
    def share(self) -> float | None:
        return self.filled / self.freed if self.freed else None


def real_bookings():
    """Bookings, not waitlist holds: a hold is no booking, held or let go (then it is
    "cancelled", but nobody's)."""
    holds = WaitlistOffer.objects.filter(hold=OuterRef("pk"))
    return Booking.objects.exclude(status=Status.HELD).exclude(Exists(holds))


def _bookings(period: Period, therapist_id: int | None, session_type_id: int | None, room_id: int | None = None):
    rows = real_bookings().filter(start__gte=period.begins, start__lt=period.ends)
    if therapist_id is not None:
        rows = rows.filter(therapist_id=therapist_id)
    if session_type_id is not None:
        rows = rows.filter(session_type_id=session_type_id)
    if room_id is not None:
        rows = rows.filter(room_id=room_id)
    return rows


def attendance(period: Period, *, therapist_id=None, session_type_id=None, room_id=None) -> Attendance:
    """One query."""
    counted = _bookings(period, therapist_id, session_type_id, room_id).aggregate(
        attended=Count("pk", filter=Q(status=Status.ATTENDED)),
        no_shows=Count("pk", filter=Q(status=Status.NO_SHOW)),
        late=Count("pk", filter=Q(status=Status.CANCELLED, late_cancellation=True)),
        free=Count("pk", filter=Q(status=Status.CANCELLED, late_cancellation=False)),
        revenue=Sum("session_type__price", filter=Q(status=Status.ATTENDED)),
    )
    return Attendance(
        attended=counted["attended"],
        no_shows=counted["no_shows"],
        late_cancellations=counted["late"],
        free_cancellations=counted["free"],
        revenue_expected=counted["revenue"] or Decimal("0"),
    )


def _client_key():
    """A client: their account, or for a guest their address (lower case)."""
    return Coalesce(Cast("client_id", CharField()), Lower("client_email"), output_field=CharField())


def _same_client_has(rows):
    """Whether ``rows`` hold a booking of the outer row's client: by account, or for a guest by
    address (theirs as a guest or, later, with an account). Each is one indexed lookup (the
    client's key, UPPER(client_email)), and only one runs for a row: a computed key compared
    row by row took over 8 seconds at 50,000 bookings."""
    by_account = Exists(rows.filter(client_id=OuterRef("client_id")))
    by_address = Exists(rows.filter(client_email__iexact=OuterRef("client_email")))
    return Case(When(client__isnull=False, then=by_account), default=by_address, output_field=BooleanField())


def clients(period: Period, *, therapist_id=None, session_type_id=None, room_id=None) -> Clients:
    """One query: the clients with an attended session in the period, split by whether they
    had one before it (with any therapist)."""
    earlier = Booking.objects.filter(status=Status.ATTENDED, start__lt=period.begins)
    counted = (
        _bookings(period, therapist_id, session_type_id, room_id)
        .filter(status=Status.ATTENDED)
        .annotate(key=_client_key(), before=_same_client_has(earlier))
        .aggregate(
            returning=Count("key", distinct=True, filter=Q(before=True)),
            new=Count("key", distinct=True, filter=Q(before=False)),
        )
    )
    return Clients(new=counted["new"], returning=counted["returning"])


def rebooking(period: Period, *, therapist_id=None, session_type_id=None, room_id=None) -> Rebooking:
    """One query: of the period's attended sessions, those whose client made a later booking
    (with anyone, not cancelled later or not) on the session's London day or earlier, and
    within 30 days of it."""
    later = real_bookings().filter(start__gt=OuterRef("start"))
    on_the_day = later.annotate(created_day=TruncDate("created_at", tzinfo=LONDON)).filter(
        created_day__lte=OuterRef("day")
    )
    soon = later.filter(
        created_at__lte=ExpressionWrapper(OuterRef("start") + THIRTY_DAYS, output_field=DateTimeField())
    )
    counted = (
        _bookings(period, therapist_id, session_type_id, room_id)
        .filter(status=Status.ATTENDED)
        .annotate(day=TruncDate("start", tzinfo=LONDON))
        .annotate(rebooked_on_the_day=_same_client_has(on_the_day), rebooked_soon=_same_client_has(soon))
        .aggregate(
            attended=Count("pk"),
            on_the_day=Count("pk", filter=Q(rebooked_on_the_day=True)),
            soon=Count("pk", filter=Q(rebooked_soon=True)),
        )
    )
    return Rebooking(counted["attended"], counted["on_the_day"], counted["soon"])


def weekly(period: Period, *, therapist_id=None, session_type_id=None, room_id=None) -> list[Week]:
    """Attended and no-shows per London week (Monday first), in one grouped query."""
    rows = (
        _bookings(period, therapist_id, session_type_id, room_id)
        .filter(status__in=[Status.ATTENDED, Status.NO_SHOW])
        .annotate(week=TruncWeek("start", tzinfo=LONDON))
        .values("week")
        .annotate(
            attended=Count("pk", filter=Q(status=Status.ATTENDED)),
            no_shows=Count("pk", filter=Q(status=Status.NO_SHOW)),
        )
        .order_by("week")
    )
    return [Week(_as_date(row["week"]), row["attended"], row["no_shows"]) for row in rows]


def _as_date(value) -> datetime.date:
    return value.astimezone(LONDON).date() if isinstance(value, datetime.datetime) else value


def registration_checks_ending(today: datetime.date) -> tuple[int, int]:
    """Therapists whose CNHC check ends in the next 30 and the next 60 days (one query)."""
    ending = Therapist.objects.filter(
        registration_status=Therapist.RegistrationStatus.VERIFIED, registration_expires_on__gte=today
    ).aggregate(
        in_30=Count("pk", filter=Q(registration_expires_on__lte=today + datetime.timedelta(days=30))),
        in_60=Count("pk", filter=Q(registration_expires_on__lte=today + datetime.timedelta(days=60))),
    )
    return ending["in_30"], ending["in_60"]


def fill_rate(period: Period, *, therapist_id=None) -> FillRate:
    """Two queries."""
    freed, filled = fill_counts(begins=period.begins, ends=period.ends, therapist_id=therapist_id)
    return FillRate(freed=freed, filled=filled)


# Fewer clients than this in a group and its outcome is not shown: nobody can be picked out.
SMALLEST_GROUP = 5


@dataclasses.dataclass(frozen=True)
class Outcome:
    session: str
    problem: str
    clients: int
    sessions: int  # attended, with pain rated when booking and at the check-in
    improved: int  # of those, pain down at least 2 points and 30% of where it started

    @property
    def share(self) -> float:
        return self.improved / self.sessions


def outcomes(period: Period, *, therapist_id=None, session_type_id=None, room_id=None) -> tuple[list[Outcome], int]:
    """Per session type and problem (the therapist's notes), the share of attended sessions
    whose pain improved meaningfully between booking and the check-in: (the groups of at least
    SMALLEST_GROUP clients, how many smaller groups were left out). One query."""
    pain = OutcomeScore.objects.filter(booking=OuterRef("pk"), kind=OutcomeScore.Kind.PAIN)
    rows = (
        _bookings(period, therapist_id, session_type_id, room_id)
        .filter(status=Status.ATTENDED, session_note__isnull=False)
        .annotate(
            before=Subquery(pain.filter(taken=OutcomeScore.Taken.BOOKING).values("score")[:1]),
            after=Subquery(pain.filter(taken=OutcomeScore.Taken.CHECK_IN).values("score")[:1]),
        )
        .filter(before__isnull=False, after__isnull=False)
        .annotate(gain=F("before") - F("after"))
        .annotate(gain_tenfold=F("gain") * 10, start_threefold=F("before") * 3)
        .values("session_type__name", "session_note__problem")
        .annotate(
            sessions=Count("pk"),
            clients=Count(_client_key(), distinct=True),
            improved=Count("pk", filter=Q(gain__gte=PAIN_POINTS, gain_tenfold__gte=F("start_threefold"))),
        )
        .order_by("session_type__name", "session_note__problem")
    )
    shown = [
        Outcome(
            row["session_type__name"],
            Problem(row["session_note__problem"]).label,
            row["clients"],
            row["sessions"],
            row["improved"],
        )
        for row in rows
        if row["clients"] >= SMALLEST_GROUP
    ]
    return shown, len(rows) - len(shown)
