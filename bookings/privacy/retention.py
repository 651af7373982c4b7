"""Retention: what the clinic keeps, and for how long, applied to every client by one daily
task (beat), whether or not they ever asked for erasure.

- Clinical records (a booking attended or with notes: its health answers, notes and their
  amendments, outcome scores, doctor's-OK answers, consent records) go
  CLINICAL_RECORD_RETENTION_YEARS after the client's last such session: per account for a
  client who signed in, per booking for a guest (guest bookings are never matched by email);
  a client who gave a date of birth (under 18 when booking) keeps them at least until their
  25th birthday (bookings.clinical.minors), the later of the two.
- A booking that never took place (cancelled, a no-show without notes, never marked attended)
  loses the client's name, contacts and health answers NON_CLINICAL_RETENTION_DAYS after its
  date; the anonymous row stays, so the diary's history still adds up.
- A guest's waitlist place loses the guest's name and address NON_CLINICAL_RETENTION_DAYS
  after it ended; the anonymous row stays for the waitlist's fill rate. (A client's places go
  with their account.)
- Finished outbox rows (they name an address) go OUTBOX_RETENTION_DAYS after they were due;
  health-data access-log rows ACCESS_LOG_RETENTION_YEARS after the look.
- Clinical records held after an erasure request go on the request's hold_until.

Periods run in London dates: something from day D with a period of N goes on D + N. Every step
re-reads its rows under a lock inside its own transaction, so a run killed half-way loses
nothing and leaves nothing half erased, and a second run (or a racing one) finds nothing.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from bookings.clinical import minors
from bookings.models import Booking, ErasureRequest, HealthDataAccess, OutboundEmail, WaitlistEntry
from bookings.privacy.my_data import booking_personal_data_erase
from clinic.london import london_midnight

logger = logging.getLogger(__name__)

# booking_personal_data_erase leaves this address on a booking: it is how a run knows the
# booking is done, whatever else is left on the row.
ERASED_ADDRESS = Q(client_email__iendswith="@erased.invalid")
# The same rule as erasure on request (bookings.privacy.my_data): attended, or with notes.
CLINICAL_RECORD = Q(status=Booking.Status.ATTENDED) | Q(session_note__isnull=False)
NEVER_HELD = ~CLINICAL_RECORD
FINISHED_EMAIL = [OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED, OutboundEmail.Status.CANCELLED]


@dataclasses.dataclass
class RetentionRun:
    """What one run did, as counts only: it is logged, and nothing in it names anyone."""

    erasure_requests_completed: int = 0
    accounts_past_retention: int = 0
    clinical_bookings_erased: int = 0
    never_held_bookings_erased: int = 0
    emails_deleted: int = 0
    access_log_rows_deleted: int = 0
    guest_waitlist_places_anonymised: int = 0

    def counts(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


def _last_day_due(today: datetime.date, years: int) -> datetime.date:
    """The latest London date D whose period of ``years`` has ended by ``today``
    (years_after(D) <= today): what fell on D or before goes today."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    # 29 February ends on the 28th in a year without one, so it falls due with the 28th.
    while years_after(day + datetime.timedelta(days=1), years) <= today:
        day += datetime.timedelta(days=1)
    return day


def _before(day: datetime.date) -> datetime.datetime:
    """The first instant after London ``day``: what happened before it happened on ``day`` or earlier."""
    return london_midnight(day + datetime.timedelta(days=1))


def retention_apply(
    *, today: datetime.date, now: datetime.datetime | None = None, batch_size: int | None = None
) -> RetentionRun:
    """Applies the clinic's retention periods to every client, asked or not (the module's
    docstring says which period covers what), and logs what it did as counts.

    Rules: the clinical period runs from the LAST clinical session of an account, so a recent
    session keeps older ones; bookings still to come are never touched (every period ends
    after the booking's date); at most ``batch_size`` (RETENTION_BATCH_SIZE) of each kind go per
    run, the rest the next day. Raises nothing of its own: a database error ends the run with
    every finished step kept and the step in progress rolled back.
    """
    now = now or timezone.now()
    batch = batch_size or settings.RETENTION_BATCH_SIZE
    run = RetentionRun()
    run.erasure_requests_completed = erase_expired_records(today=today, now=now, limit=batch)
    run.accounts_past_retention, erased = _erase_accounts_clinical_records(today, batch)
    run.clinical_bookings_erased = erased + _erase_guest_clinical_records(today, batch)
    run.never_held_bookings_erased = _erase_never_held_bookings(today, batch)
    run.emails_deleted = _delete_in_batches(
        OutboundEmail.objects.filter(
            status__in=FINISHED_EMAIL,
            due_at__lt=_before(today - datetime.timedelta(days=settings.OUTBOX_RETENTION_DAYS)),
        ),
        batch,
    )
    run.access_log_rows_deleted = _delete_in_batches(
        HealthDataAccess.objects.filter(at__lt=_before(_last_day_due(today, settings.ACCESS_LOG_RETENTION_YEARS))),
        batch,
    )
    run.guest_waitlist_places_anonymised = _anonymise_guest_places(today, batch)
    # Counts only: a log line is read by people who may not read health data.
    logger.info("Retention run for %s: %s", today.isoformat(), ", ".join(f"{k} {v}" for k, v in run.counts().items()))
    return run


def erase_expired_records(
    *, today: datetime.date, now: datetime.datetime | None = None, limit: int | None = None
) -> int:
    """Erases the held clinical records whose retention ended by ``today`` (London). Running
    it again the same day finds nothing more to do. Returns how many requests it completed."""
    now = now or timezone.now()
    completed = 0
    due = ErasureRequest.objects.filter(status=ErasureRequest.Status.HOLDING, hold_until__lte=today).order_by("pk")
    for request_id in due.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            request = ErasureRequest.objects.select_for_update().get(pk=request_id)
            if request.status != ErasureRequest.Status.HOLDING:
                continue  # another run finished it
            for booking in request.bookings_held.all():
                booking_personal_data_erase(booking)
            request.status = ErasureRequest.Status.DONE
            request.completed_at = now
            request.kept += f" Erased on {today:%-d %B %Y}, when the retention period ended."
            # Only these: erasing the bookings replaced a guest's address on the request.
            request.save(update_fields=["status", "completed_at", "kept"])
            completed += 1
    return completed


def _erase_accounts_clinical_records(today: datetime.date, batch: int) -> tuple[int, int]:
    """Per account: every clinical record, once the period after the last one has ended.
    Returns (accounts, bookings erased)."""
    cutoff = _before(_last_day_due(today, settings.CLINICAL_RECORD_RETENTION_YEARS))
    due = (
        Booking.objects.filter(CLINICAL_RECORD, client__isnull=False)
        .exclude(ERASED_ADDRESS)
        .values("client")
        .annotate(last=Max("start"), youngest=Max("health_screen__date_of_birth"))
        .filter(last__lt=cutoff)
        .filter(_grown_up(today, "youngest"))
        .order_by("last", "client")
    )
    accounts = erased = 0
    for row in due[:batch]:
        with transaction.atomic():
            records = list(
                Booking.objects.filter(CLINICAL_RECORD, client_id=row["client"])
                .exclude(ERASED_ADDRESS)
                .annotate(health_screen_born=F("health_screen__date_of_birth"))
                .select_for_update(of=("self",))
            )
            # Re-read under the lock: a session recorded since the query restarts the clock.
            if not records or max(b.start for b in records) >= cutoff:
                continue
            born_by = _last_day_due(today, minors.RECORD_KEPT_UNTIL_AGE)
            if any(b.health_screen_born and b.health_screen_born > born_by for b in records):
                continue  # a date of birth given since the query keeps them
            for booking in records:
                booking_personal_data_erase(booking)
            accounts += 1
            erased += len(records)
    return accounts, erased


def _erase_guest_clinical_records(today: datetime.date, batch: int) -> int:
    """Per guest booking: nothing ties a guest's bookings together (an address is no
    identity), so each clinical record's period runs from its own session."""
    cutoff = _before(_last_day_due(today, settings.CLINICAL_RECORD_RETENTION_YEARS))
    return _erase_bookings(
        Booking.objects.filter(CLINICAL_RECORD, client__isnull=True, start__lt=cutoff).filter(_grown_up(today)),
        batch,
    )


def _grown_up(today: datetime.date, field: str = "health_screen__date_of_birth") -> Q:
    """Records whose client gave no date of birth, or turned RECORD_KEPT_UNTIL_AGE by ``today``."""
    born_by = _last_day_due(today, minors.RECORD_KEPT_UNTIL_AGE)
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": born_by})


def _erase_never_held_bookings(today: datetime.date, batch: int) -> int:
    cutoff = _before(today - datetime.timedelta(days=settings.NON_CLINICAL_RETENTION_DAYS))
    return _erase_bookings(Booking.objects.filter(NEVER_HELD, start__lt=cutoff), batch)


def _erase_bookings(due, batch: int) -> int:
    """Erases each booking of ``due`` (not yet erased) in its own transaction, re-checked
    under its lock; returns how many."""
    erased = 0
    for booking_id in due.exclude(ERASED_ADDRESS).order_by("start", "pk").values_list("pk", flat=True)[:batch]:
        with transaction.atomic():
            booking = due.exclude(ERASED_ADDRESS).select_for_update(of=("self",)).filter(pk=booking_id).first()
            if booking is None:
                continue  # erased, or changed, since the query
            booking_personal_data_erase(booking)
            erased += 1
    return erased


def _anonymise_guest_places(today: datetime.date, batch: int) -> int:
    """Up to ``batch`` guests' waitlist places ended long enough ago, in one transaction."""
    cutoff = _before(today - datetime.timedelta(days=settings.NON_CLINICAL_RETENTION_DAYS))
    with transaction.atomic():
        due = (
            WaitlistEntry.objects.filter(client__isnull=True, ended_at__lt=cutoff)
            .exclude(guest_email__iendswith="@erased.invalid")
            .order_by("pk")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:batch])
        return WaitlistEntry.objects.filter(pk__in=ids).update(
            guest_name="", guest_email="erased@erased.invalid", place_token_sha256=None
        )


def _delete_in_batches(due, batch: int) -> int:
    """Deletes up to ``batch`` rows of ``due``, oldest first, in one transaction."""
    with transaction.atomic():
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch])
        _, deleted = due.filter(pk__in=ids).delete()
    return deleted.get(due.model._meta.label, 0)
