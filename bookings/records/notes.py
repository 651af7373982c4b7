"""Correcting session notes: every change after they are written is an amendment (who, when,
what changed from what, why), and the notes as first written stay readable.

Only the session's own therapist amends its notes. Within SessionNote.SILENT_EDIT_WINDOW of
writing them they may correct without a reason (the change is still recorded); after it the
notes are locked against silent edits and an amendment needs a reason. The pressure rule of the
first notes holds for amendments too: raising the pressure (or changing the problem) into what
would need a reason needs one here, whatever the time."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.clinical import body_chart
from bookings.clinical.pressure import pressure_warnings
from bookings.models import SessionNote, SessionNoteAmendment
from bookings.records.selectors import last_session
from clinic.errors import ServiceError
from therapists.models import Therapist


class AmendmentRefused(ServiceError):
    """Something the therapist should read: nothing was changed."""


def session_note_amend(
    *, therapist: Therapist, booking_id: int, values: dict, reason: str, now: datetime.datetime | None = None
) -> SessionNoteAmendment:
    """Applies ``values`` (any of SessionNote.AMENDABLE) to the booking's notes and records the
    change. The note's row is locked for the change, so two amendments at once are applied
    one after the other and each records what it really changed.

    Raises SessionNote.DoesNotExist for a booking without notes, and AmendmentRefused for
    another therapist's notes, no change, no reason once the notes are locked, or notes that
    would not be valid (an unknown body region, say)."""
    now = now or timezone.now()
    reason = reason.strip()
    values = {field: value.strip() if isinstance(value, str) else value for field, value in values.items()}
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().select_related("booking").get(booking_id=booking_id)
        if note.booking.therapist_id != therapist.pk:
            raise AmendmentRefused("Only the therapist who gave the session can amend its notes.")
        for field in ("areas_worked", "areas_to_avoid"):
            if field in values and not body_chart.unknown(values[field]):
                values = {**values, field: body_chart.in_chart_order(values[field])}
        changes = {
            field: [getattr(note, field), value]
            for field, value in values.items()
            if field in SessionNote.AMENDABLE and getattr(note, field) != value
        }
        if not changes:
            raise AmendmentRefused("Nothing changed: the notes already say that.")
        if note.is_locked(now) and not reason:
            raise AmendmentRefused("These notes were written more than 24 hours ago: say why you are changing them.")
        _refuse_riskier_pressure_without_reason(note, changes)
        for field, (_, value) in changes.items():
            setattr(note, field, value)
        try:
            note.full_clean(exclude=["booking", "written_by"])  # unknown body regions, among others
        except ValidationError as error:
            raise AmendmentRefused(" ".join(error.messages)) from error
        note.save(update_fields=list(changes))
        return SessionNoteAmendment.objects.create(
            note=note, amended_by=therapist.user, amended_at=now, changes=changes, reason=reason
        )


def _refuse_riskier_pressure_without_reason(note: SessionNote, changes: dict) -> None:
    """The first notes' pressure rule (bookings.clinical.pressure.pressure_warnings), applied
    to the notes as amended when the pressure goes up or the problem changes: the reason for
    risky pressure must then be given afresh in "Why this pressure?", not left as it was."""
    old_pressure, new_pressure = changes.get("pressure_used", [note.pressure_used] * 2)
    if new_pressure <= old_pressure and "problem" not in changes:
        return
    last = last_session(booking=note.booking)
    warnings = pressure_warnings(
        problem=changes.get("problem", [None, note.problem])[1],
        pressure=new_pressure,
        last_pressure=last.booking.session_note.pressure_used if last else None,
        flared=bool(last and last.flare),
    )
    if warnings and not changes.get("pressure_reason", [None, ""])[1].strip():
        raise AmendmentRefused(
            " ".join(
                [
                    *warnings,
                    "Say why in \u201cWhy this pressure?\u201d, or choose a lighter pressure. Nothing was changed.",
                ]
            )
        )
