"""Correcting session notes: every change after they are written is an amendment (who, when,
what changed from what, why), and the notes as first written stay readable.

Only the session's own therapist amends its notes. Within SessionNote.SILENT_EDIT_WINDOW of
writing them they may correct without a reason (the change is still recorded); after it the
notes are locked against silent edits and an amendment needs a reason."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.clinical import body_chart
from bookings.models import SessionNote, SessionNoteAmendment
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
