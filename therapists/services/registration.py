"""The CNHC registration check workflow: the therapist submits, an admin decides, the daily task expires.

States: awaiting check -> verified (until an expiry date) | rejected; verified -> expired (by the
daily task) ; any -> suspended (by an admin) -> awaiting check (when an admin lifts it).
Every change of state writes a RegistrationEvent in the same transaction, naming who and when.
"""

import datetime
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.errors import ServiceError
from clinic.free_times import free_times_changed

from ..models import RegistrationEvent, Therapist
from ..selectors import can_verify
from ..signals import registration_event_recorded
from .text import clean_choices, clean_text

logger = logging.getLogger(__name__)
Status = Therapist.RegistrationStatus
Kind = RegistrationEvent.Kind

LONGEST_CHECK = datetime.timedelta(days=2 * 366)
# Events people are told about; submissions and edits only join the queue.
NOTIFIED_KINDS = [Kind.APPROVED, Kind.REJECTED, Kind.SUSPENDED, Kind.REOPENED, Kind.EXPIRED]


def renewal_limit_message(renews_on: datetime.date) -> str:
    return (
        f"A check cannot hold past the therapist's CNHC renewal date, {renews_on.day} {renews_on:%B %Y}. "
        "Choose that date or an earlier one."
    )


class RegistrationError(ServiceError):
    """A registration decision that is not allowed; the message is shown to the person."""


def _record(
    therapist: Therapist,
    kind: str,
    *,
    actor,
    note: str = "",
    seen_on_register: str = "",
    expires_on: datetime.date | None = None,
) -> RegistrationEvent:
    event = RegistrationEvent.objects.create(
        therapist=therapist,
        kind=kind,
        actor=actor,
        at=timezone.now(),
        status_after=therapist.registration_status,
        cnhc_number=therapist.cnhc_number,
        cnhc_renews_on=therapist.cnhc_renews_on,
        expires_on=expires_on,
        seen_on_register=seen_on_register,
        note=note,
        certificate=therapist.certificate.name or "",
    )
    # Every decision may make the therapist bookable or not: their slot lists are stale.
    free_times_changed(therapist_id=therapist.pk)
    if kind in NOTIFIED_KINDS:
        # Inside the transaction: listeners write what they owe people (the bookings app's
        # outbox rows) with the event, so a decision and its emails commit or vanish together.
        registration_event_recorded.send(sender=RegistrationEvent, event=event)
    return event


def registration_submit(
    *,
    therapist_id: int,
    submitted_by,
    cnhc_number: str,
    disciplines: Iterable[str],
    cnhc_renews_on: datetime.date,
    other_registers: str,
    certificate: UploadedFile | None = None,
    today: datetime.date | None = None,
) -> Therapist:
    """Saves a therapist's CNHC registration details and puts them in the check queue.

    Rules: only the therapist may submit their own details; the number is trimmed text, unique
    across therapists, never checked against a pattern; at least one discipline; the renewal date
    is not in the past (London date). A first submission, or one after a rejection or expiry, goes
    to "awaiting check". Changing the number or renewal date of a verified registration sends it
    back for a new check; other edits keep it verified. A suspended registration cannot be edited.

    Raises RegistrationError (not your registration, suspended) or ValidationError (by field).
    ``certificate`` must already have passed ``uploads.validate_certificate``.
    """
    cnhc_number, disciplines, other_registers = _cleaned_details(
        cnhc_number=cnhc_number,
        disciplines=disciplines,
        cnhc_renews_on=cnhc_renews_on,
        other_registers=other_registers,
        today=today or timezone.localdate(),
    )
    with transaction.atomic():
        # Locked so a decision being made on this registration right now waits for us (or we for it).
        therapist = Therapist.objects.select_for_update().get(pk=therapist_id)
        if therapist.user_id != submitted_by.pk:
            raise RegistrationError("You can only change your own registration.")
        if therapist.registration_status == Status.SUSPENDED:
            raise RegistrationError("Your registration is suspended. Please contact the clinic.")
        if Therapist.objects.filter(cnhc_number=cnhc_number).exclude(pk=therapist.pk).exists():
            raise ValidationError({"cnhc_number": "Another therapist already has this CNHC registration number."})

        changed = [
            label
            for label, old, new in [
                ("CNHC number", therapist.cnhc_number, cnhc_number),
                ("renewal date", therapist.cnhc_renews_on, cnhc_renews_on),
                ("disciplines", therapist.disciplines, disciplines),
                ("other registers", therapist.other_registers, other_registers),
                ("certificate", None, certificate),
            ]
            if old != new
        ]
        first_time = therapist.registration_submitted_at is None
        needs_check = _submission_needs_check(therapist, cnhc_number=cnhc_number, cnhc_renews_on=cnhc_renews_on)
        if not changed and not needs_check:
            return therapist

        therapist.cnhc_number = cnhc_number
        therapist.cnhc_renews_on = cnhc_renews_on
        therapist.disciplines = disciplines
        therapist.other_registers = other_registers
        old_certificate = therapist.certificate.name
        if certificate is not None:
            therapist.certificate = certificate
        _save_submission(therapist, needs_check=needs_check)
        _record(
            therapist,
            Kind.SUBMITTED if needs_check else Kind.UPDATED,
            actor=submitted_by,
            note="Changed: " + ", ".join(changed) if changed and not first_time else "",
        )
        if old_certificate and old_certificate != therapist.certificate.name:
            _delete_unless_decided_on(therapist, old_certificate)
    return therapist


def _cleaned_details(
    *,
    cnhc_number: str,
    disciplines: Iterable[str],
    cnhc_renews_on: datetime.date | None,
    other_registers: str,
    today: datetime.date,
) -> tuple[str, list[str], str]:
    """The submitted details as stored (number, disciplines, other registers), or a
    ValidationError naming each field that is wrong. Needs no database."""
    cnhc_number = clean_text(
        cnhc_number, field="cnhc_number", label="CNHC registration number", max_length=50, required=True
    )
    other_registers = clean_text(
        other_registers, field="other_registers", label="list of other registers", max_length=500, required=False
    )
    disciplines = clean_choices(disciplines, allowed=Therapist.Discipline.values, field="disciplines")
    if not disciplines:
        raise ValidationError({"disciplines": "Choose at least one discipline you are registered for."})
    if cnhc_renews_on is None:
        raise ValidationError({"cnhc_renews_on": "Enter the date your CNHC registration is next due for renewal."})
    if cnhc_renews_on < today:
        raise ValidationError(
            {"cnhc_renews_on": "The renewal date is in the past: renew with CNHC first, then enter the new date."}
        )
    return cnhc_number, disciplines, other_registers


def _submission_needs_check(therapist: Therapist, *, cnhc_number: str, cnhc_renews_on: datetime.date) -> bool:
    """A first submission, one after a rejection or expiry, or a verified registration whose
    number or renewal date changed goes (back) to the check queue; other edits keep it as it is."""
    if therapist.registration_submitted_at is None or therapist.registration_status in (
        Status.REJECTED,
        Status.EXPIRED,
    ):
        return True
    return therapist.registration_status == Status.VERIFIED and (
        cnhc_number != therapist.cnhc_number or cnhc_renews_on != therapist.cnhc_renews_on
    )


def _save_submission(therapist: Therapist, *, needs_check: bool) -> None:
    """Saves the submitted details, into the check queue when they need a check. The unique
    number is the database's to enforce: a race lost to another therapist is a field error."""
    if needs_check:
        therapist.registration_status = Status.AWAITING_CHECK
        therapist.registration_expires_on = None
        therapist.registration_submitted_at = timezone.now()
    try:
        with transaction.atomic():
            therapist.save()
    except IntegrityError:
        # Another therapist took the number between our check and our write.
        raise ValidationError({"cnhc_number": "Another therapist already has this CNHC registration number."}) from None


DECISIONS = [Kind.APPROVED, Kind.REJECTED, Kind.SUSPENDED]


def _delete_unless_decided_on(therapist: Therapist, name: str) -> None:
    """A replaced certificate is personal data with no further use, unless an admin's decision
    was made on it: then it stays as the evidence that decision rests on. Deleted only once
    the replacement commits, so a rolled-back change keeps its file."""
    if RegistrationEvent.objects.filter(therapist=therapist, kind__in=DECISIONS, certificate=name).exists():
        return
    storage = therapist.certificate.storage
    transaction.on_commit(lambda: storage.delete(name))


def _lock_for_decision(*, therapist_id: int, decided_by, allowed: Iterable[str]) -> Therapist:
    therapist = Therapist.objects.select_for_update().get(pk=therapist_id)
    if not can_verify(decided_by):
        raise RegistrationError("You do not have permission to decide on registrations.")
    if therapist.user_id == decided_by.pk:
        raise RegistrationError("You cannot decide on your own registration; another admin must check it.")
    if therapist.registration_status not in allowed:
        # Usually a second admin acting on a page opened before the first one decided.
        raise RegistrationError(
            f"This registration is now {therapist.get_registration_status_display().lower()}, "
            "so that decision no longer applies. Reload the page to see where it stands."
        )
    return therapist


def registration_approve(
    *,
    therapist_id: int,
    decided_by,
    seen_on_register: str,
    expires_on: datetime.date,
    cnhc_number_checked: str | None = None,
    today: datetime.date | None = None,
) -> RegistrationEvent:
    """Verifies a registration that is awaiting a check, until ``expires_on`` (a London date,
    the last day the check holds).

    Rules: the decider holds therapists.verify_registration and is not the therapist; the
    registration is awaiting a check; what the decider saw on CNHC's register is recorded
    (required); the expiry is not in the past, at most two years ahead, and not after the
    therapist's own CNHC renewal date (the register may drop them then); if the page told us
    which number the decider was looking at (``cnhc_number_checked``), it is still the number on
    file, so nobody approves details the therapist changed meanwhile.
    Raises RegistrationError or ValidationError (by field).
    """
    today = today or timezone.localdate()
    seen_on_register = clean_text(
        seen_on_register,
        field="seen_on_register",
        label="note of what you saw on the CNHC register",
        max_length=2000,
        required=True,
    )
    if expires_on is None:
        raise ValidationError({"expires_on": "Enter the date this check expires."})
    if expires_on < today:
        raise ValidationError({"expires_on": "The expiry date is in the past."})
    if expires_on > today + LONGEST_CHECK:
        raise ValidationError({"expires_on": "A check can hold for at most two years; choose an earlier date."})

    with transaction.atomic():
        therapist = _lock_for_decision(
            therapist_id=therapist_id, decided_by=decided_by, allowed=[Status.AWAITING_CHECK]
        )
        if therapist.registration_submitted_at is None:
            raise RegistrationError("This therapist has not submitted registration details yet.")
        if cnhc_number_checked is not None and cnhc_number_checked != therapist.cnhc_number:
            raise RegistrationError(
                "The therapist changed their details while you were checking. Reload the page and check again."
            )
        if therapist.cnhc_renews_on is not None and expires_on > therapist.cnhc_renews_on:
            raise ValidationError({"expires_on": renewal_limit_message(therapist.cnhc_renews_on)})
        therapist.registration_status = Status.VERIFIED
        therapist.registration_expires_on = expires_on
        therapist.save(update_fields=["registration_status", "registration_expires_on"])
        event = _record(
            therapist, Kind.APPROVED, actor=decided_by, seen_on_register=seen_on_register, expires_on=expires_on
        )
    return event


def registration_reject(*, therapist_id: int, decided_by, reason: str) -> RegistrationEvent:
    """Rejects a registration awaiting a check; the therapist is emailed the reason and sees it.

    Rules as for approval; a reason is required. Raises RegistrationError or ValidationError.
    """
    reason = clean_text(reason, field="reason", label="reason", max_length=2000, required=True)
    with transaction.atomic():
        therapist = _lock_for_decision(
            therapist_id=therapist_id, decided_by=decided_by, allowed=[Status.AWAITING_CHECK]
        )
        therapist.registration_status = Status.REJECTED
        therapist.save(update_fields=["registration_status"])
        event = _record(therapist, Kind.REJECTED, actor=decided_by, note=reason)
    return event


def registration_suspend(*, therapist_id: int, decided_by, reason: str) -> RegistrationEvent:
    """Suspends a registration at once (for example after a sanction shows on the register):
    the therapist stops being bookable and cannot edit it until an admin lifts the suspension.
    Admins are told which confirmed future bookings are affected.

    Rules as for approval; a reason is required. Raises RegistrationError or ValidationError.
    """
    reason = clean_text(reason, field="reason", label="reason", max_length=2000, required=True)
    allowed = [status for status in Status.values if status != Status.SUSPENDED]
    with transaction.atomic():
        therapist = _lock_for_decision(therapist_id=therapist_id, decided_by=decided_by, allowed=allowed)
        therapist.registration_status = Status.SUSPENDED
        therapist.save(update_fields=["registration_status"])
        event = _record(therapist, Kind.SUSPENDED, actor=decided_by, note=reason)
    return event


def registration_reopen(*, therapist_id: int, decided_by, note: str = "") -> RegistrationEvent:
    """Lifts a suspension. The registration goes back to the end of the queue awaiting a new
    check; it is not bookable until someone verifies it again.

    Rules as for approval. Raises RegistrationError or ValidationError.
    """
    note = clean_text(note, field="note", label="note", max_length=2000, required=False)
    with transaction.atomic():
        therapist = _lock_for_decision(therapist_id=therapist_id, decided_by=decided_by, allowed=[Status.SUSPENDED])
        therapist.registration_status = Status.AWAITING_CHECK
        therapist.registration_expires_on = None
        therapist.registration_submitted_at = timezone.now()
        therapist.save(update_fields=["registration_status", "registration_expires_on", "registration_submitted_at"])
        event = _record(therapist, Kind.REOPENED, actor=decided_by, note=note)
    return event


def registrations_expire_due(*, today: datetime.date) -> list[int]:
    """Marks verified registrations whose check ended before ``today`` (a London date) as
    expired and records it; the record's listeners tell the therapist and the admins.

    Bookability never waits for this task (``bookable(on=...)`` compares the date itself);
    this makes the state visible and tells people. Safe to run twice: the conditional update
    claims each registration once. Returns the ids of therapists expired by this run.
    """
    candidates = Therapist.objects.filter(registration_status=Status.VERIFIED, registration_expires_on__lt=today)
    expired = []
    for therapist_id in candidates.values_list("pk", flat=True):
        try:
            if _expire_one(therapist_id=therapist_id, today=today):
                expired.append(therapist_id)
        except Exception:
            # Rolled back whole (state and record), so tomorrow's run tries again; one
            # failing registration must not stop the others from expiring.
            logger.exception("Could not expire the registration of therapist %s", therapist_id)
    return expired


@transaction.atomic
def _expire_one(*, therapist_id: int, today: datetime.date) -> bool:
    claimed = Therapist.objects.filter(
        pk=therapist_id, registration_status=Status.VERIFIED, registration_expires_on__lt=today
    ).update(registration_status=Status.EXPIRED)
    if claimed != 1:
        return False  # another run got there first, or an admin decided meanwhile
    therapist = Therapist.objects.get(pk=therapist_id)
    ended_on = therapist.registration_expires_on
    _record(
        therapist,
        Kind.EXPIRED,
        actor=None,
        expires_on=ended_on,
        note=f"The check ended on {ended_on.day} {ended_on:%B %Y}.",
    )
    return True
