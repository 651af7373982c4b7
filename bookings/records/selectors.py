import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from bookings.clinical import aftercare, body_chart, health, outcome_chart
from bookings.models import HEALTH_DATA_PERMISSION, Booking, HealthScreen, OutcomeScore, SessionNote
from bookings.privacy.claims import bookings_for_account
from bookings.privacy.health_consent import with_consent_withdrawn


@dataclass(frozen=True)
class LastSession:
    """The client's latest earlier session (attended, with notes) and the flare rule it sets."""

    booking: Booking  # its session_note loaded
    flare: aftercare.FlareAdvice | None  # only when the client said this session made things worse


def last_session(*, booking: Booking) -> LastSession | None:
    """The client's latest attended session with notes before this booking, for the booking
    page, the notes form and the pressure check; None for a guest or a first visit.

    The flare rule follows this session alone: it applies when the client said it made things
    worse. A flare two sessions ago that the session since answered without trouble is history
    (the client record shows it), not a rule, so every page gives the same advice.

    Earlier sessions are the same client's by identity (the account that verified the
    booking's address), never by a typed email: anyone can type anyone's address."""
    if booking.client_id is None:
        return None
    earlier = (
        Booking.objects.filter(
            client_id=booking.client_id,
            status=Booking.Status.ATTENDED,
            start__lt=booking.start,
            session_note__isnull=False,
            # Held after erasure or not, as the booking itself is: a held record is never
            # shown from another booking's page.
            restricted_until__isnull=not booking.is_restricted,
        )
        .exclude(pk=booking.pk)
        .select_related("session_note")
        .order_by("-start")
        .first()
    )
    if earlier is None:
        return None
    note = earlier.session_note
    flare = (
        aftercare.flare_advice(problem=note.problem, pressure_used=note.pressure_used)
        if earlier.feedback_is_flare
        else None
    )
    return LastSession(earlier, flare)


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
            return [
                (label, _describe(f, self.values[f]))
                for f, label in NOTE_FIELD_LABELS.items()
                if f in self.values and (self.values[f] or f not in SHOWN_ONLY_WHEN_WRITTEN)
            ]
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
    # Consent to treatment: when the therapist confirmed it, and who; None if never confirmed.
    consent: tuple[datetime.datetime, str] | None = None
    # The client withdrew consent to keep their health answers and the viewer is not this
    # session's therapist: the answers are not shown (answers is empty).
    health_hidden: bool = False


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
    if not booking.is_restricted:
        # A record held after erasure shows only once opened with a reason, from itself.
        sessions = sessions.not_restricted()
    return sessions.exclude(status=Booking.Status.CANCELLED)


def client_progress(*, booking: Booking, viewer) -> Progress:
    """The outcome chart for the booking's client, over the sessions the viewer may read (one
    query for the scores). A session whose health consent the client withdrew keeps its
    scores out of the chart for everyone but that session's own therapist, as its answers."""
    series: dict[tuple[str, bool], list[outcome_chart.Reading]] = defaultdict(list)
    readable = with_consent_withdrawn(_record_sessions(booking=booking, viewer=viewer)).filter(
        Q(consent_withdrawn=False) | Q(therapist__user_id=viewer.pk)
    )
    scores = OutcomeScore.objects.filter(booking__in=readable.values("pk")).order_by("taken_at", "pk")
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
    "pressure_reason": "Why this pressure",
    "problem": "Problem",
    "findings": "Found",
    "techniques": "Techniques used",
    "client_response": "The client's response",
    "advice_given": "Advice given",
    "personal_tip": "Tip for the client",
}


# Optional free text: left out of the notes as written when empty, rather than shown as "None".
SHOWN_ONLY_WHEN_WRITTEN = {"pressure_reason", *SessionNote.WRITTEN}


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


def _consent(session: Booking) -> tuple[datetime.datetime, str] | None:
    consent = getattr(session, "treatment_consent", None)
    return (consent.confirmed_at, _author(consent.confirmed_by)) if consent else None


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
        with_consent_withdrawn(_record_sessions(booking=booking, viewer=viewer))
        .select_related(
            "therapist",
            "session_type",
            "health_screen",
            "session_note__written_by__therapist",
            "treatment_consent__confirmed_by__therapist",
        )
        .prefetch_related("session_note__amendments__amended_by__therapist")
        .order_by("-start")
    )
    entries = []
    for session in sessions:
        screen = getattr(session, "health_screen", None)
        note = getattr(session, "session_note", None)
        hidden = session.consent_withdrawn and session.therapist.user_id != viewer.pk
        entries.append(
            RecordEntry(
                booking=session,
                answers=[health.QUESTIONS[key].text for key in screen.answered_yes if key in health.QUESTIONS]
                if screen and not hidden
                else [],
                notes=note_history(note) if note else [],
                consent=_consent(session),
                health_hidden=hidden,
            )
        )
    return ClientRecord(entries=entries, linked=linked, progress=client_progress(booking=booking, viewer=viewer))


def last_health_answers(*, user) -> HealthScreen | None:
    """The client's most recent health answers, from their latest booking that has them: what a
    returning client confirms or changes (the booking form, a waitlist offer). One query."""
    return (
        HealthScreen.objects.filter(booking__client=user).select_related("booking").order_by("-booking__start").first()
    )
