"""A client's own data: everything the clinic holds on them, to take away, and erasure
within the law's limits (clinical records are kept for the retention period first)."""

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.clinical import body_chart, health
from bookings.messaging.tokens import links_revoke
from bookings.models import (
    AftercareOptOut,
    Booking,
    ErasureRequest,
    HealthConsent,
    HealthDataAccess,
    HealthScreen,
    MarketingConsent,
    OutboundEmail,
    SessionNote,
)
from bookings.privacy.claims import bookings_for_account
from bookings.privacy.marketing import marketing_consent_withdraw
from clinic.errors import ServiceError
from clinic.london import LONDON
from therapists.staff import is_staff_member

ERASED_NAME = "Erased client"


class ErasureRefused(ServiceError):
    """An erasure that must not happen yet, or not from here; the message says why and what to do."""


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def my_data_export(*, user) -> dict:
    """Everything held on ``user``, and only on them: the account, every booking they may list
    as theirs with its health answers, session notes, the emails sent to them about it and
    every recorded look at its health data, their aftercare opt-out and erasure requests."""
    emails = list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary"))
    addresses = {address["email"].lower() for address in emails} | ({user.email.lower()} if user.email else set())
    bookings = list(
        bookings_for_account(user=user)
        .select_related("health_screen", "session_note")
        .prefetch_related("emails", "health_consents", "session_note__amendments__amended_by")
    )
    accesses = {}
    for access in HealthDataAccess.objects.filter(booking__in=bookings).select_related("accessed_by"):
        accesses.setdefault(access.booking_id, []).append(
            {
                "at": _iso(access.at),
                "by": access.accessed_by.get_full_name() or "clinic staff",
                "via": access.get_via_display(),
            }
        )
    return {
        "account": {
            "name": user.get_full_name(),
            "email_addresses": emails,
            "joined": _iso(user.date_joined),
        },
        "bookings": [_booking_export(booking, addresses, accesses.get(booking.pk, [])) for booking in bookings],
        "aftercare_emails_stopped": AftercareOptOut.objects.filter(email__in=addresses).exists(),
        "marketing_consents": [
            {
                "email": consent.email,
                "wording": consent.wording,
                "given_at": _iso(consent.given_at),
                "given_how": consent.given_how,
                "withdrawn_at": _iso(consent.withdrawn_at),
                "withdrawn_how": consent.withdrawn_how,
            }
            for consent in MarketingConsent.objects.filter(email__in=addresses).order_by("given_at")
        ],
        "erasure_requests": [
            {"requested_at": _iso(r.requested_at), "status": r.get_status_display(), "kept": r.kept}
            for r in ErasureRequest.objects.filter(user=user).order_by("requested_at")
        ],
    }


def _booking_export(booking: Booking, addresses: set[str], accesses: list[dict]) -> dict:
    screen: HealthScreen | None = getattr(booking, "health_screen", None)
    note: SessionNote | None = getattr(booking, "session_note", None)
    return {
        "session": booking.session_type.name,
        "therapist": booking.therapist.display_name,
        "when": f"{booking.start.astimezone(LONDON):%a %-d %b %Y, %H:%M}",
        "start": _iso(booking.start),
        "end": _iso(booking.end),
        "status": booking.get_status_display(),
        "name": booking.client_name,
        "email": booking.client_email,
        "phone": booking.client_phone,
        "made_at": _iso(booking.created_at),
        "cancelled_at": _iso(booking.cancelled_at),
        "your_answer_after_the_session": booking.get_feedback_display() if booking.feedback else None,
        "health_answers": {
            "answered_yes": [health.QUESTIONS[key].text for key in screen.answered_yes if key in health.QUESTIONS],
            "main_problem": screen.get_main_problem_display(),
            "preferred_pressure": screen.preferred_pressure,
            "notes": screen.notes,
            "consent_given_at": _iso(screen.consent_given_at),
        }
        if screen
        else None,
        "session_notes": {
            "areas_worked": body_chart.labels(note.areas_worked),
            "areas_to_avoid": body_chart.labels(note.areas_to_avoid),
            "pressure_used": note.pressure_used,
            "problem": note.get_problem_display(),
            "tip": note.personal_tip,
            "written_at": _iso(note.written_at),
            "pressure_reason": note.pressure_reason,
            "amendments": [
                {
                    "at": _iso(amendment.amended_at),
                    "by": amendment.amended_by.get_full_name() or "your therapist",
                    "changes": amendment.changes,
                    "reason": amendment.reason,
                }
                for amendment in note.amendments.all()
            ],
        }
        if note
        else None,
        "emails_sent_to_you": [
            {
                "kind": email.get_kind_display(),
                "to": email.to_email,
                "status": email.get_status_display(),
                "sent_at": _iso(email.sent_at),
            }
            for email in booking.emails.all()
            if email.to_email.lower() in addresses
        ],
        "health_data_looked_at": accesses,
        "health_consents": [
            {
                "wording": consent.wording,
                "wording_version": consent.wording_version,
                "given_at": _iso(consent.given_at),
                "given_how": consent.given_how,
                "withdrawn_at": _iso(consent.withdrawn_at),
                "withdrawn_how": consent.withdrawn_how,
            }
            for consent in sorted(booking.health_consents.all(), key=lambda consent: consent.given_at)
        ],
    }


def _one_month_after(day: datetime.date) -> datetime.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for last_day in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _is_clinical_record(booking: Booking) -> bool:
    return booking.status == Booking.Status.ATTENDED or hasattr(booking, "session_note")


def booking_personal_data_erase(booking: Booking) -> None:
    """Removes the client's identity and health data from one booking; the booking row stays
    (anonymous) so the diary's history and the access log still add up. Its email links stop
    working."""
    links_revoke(booking_id=booking.pk)
    HealthScreen.objects.filter(booking=booking).delete()
    # The consent rows stay as evidence of what was agreed, and name no one once unlinked.
    HealthConsent.objects.filter(booking=booking).update(client=None)
    SessionNote.objects.filter(booking=booking).delete()
    OutboundEmail.objects.filter(booking=booking).update(to_email=f"erased-{booking.pk}@erased.invalid", extra={})
    HealthDataAccess.objects.filter(booking=booking).update(client_email=f"erased-{booking.pk}@erased.invalid")
    Booking.objects.filter(pk=booking.pk).update(
        client=None,
        client_name=ERASED_NAME,
        client_email=f"erased-{booking.pk}@erased.invalid",
        client_phone="",
        feedback="",
        cancellation_reason="",
    )


def _erase_or_hold(bookings: list[Booking], request: ErasureRequest, now: datetime.datetime) -> ErasureRequest:
    """Erases the bookings without a clinical record now and holds the rest until the
    retention period after the last session ends, saying so on the request (saved)."""
    held = [b for b in bookings if _is_clinical_record(b)]
    erased = [b for b in bookings if not _is_clinical_record(b)]
    for booking in erased:
        booking_personal_data_erase(booking)
    request.respond_by = _one_month_after(now.astimezone(LONDON).date())
    request.erased_bookings = len(erased)
    request.held_bookings = len(held)
    if held:
        last_session = max(b.start for b in held).astimezone(LONDON).date()
        request.hold_until = _years_after(last_session, settings.CLINICAL_RECORD_RETENTION_YEARS)
        request.status = ErasureRequest.Status.HOLDING
        request.kept = (
            f"{len(held)} attended session{'s' if len(held) != 1 else ''} with notes, kept as clinical records "
            f"for {settings.CLINICAL_RECORD_RETENTION_YEARS} years after the last session, until "
            f"{request.hold_until:%-d %B %Y}."
        )
    else:
        request.status = ErasureRequest.Status.DONE
        request.completed_at = now
    request.save()
    request.bookings_held.set(held)
    return request


def _stop_mail_to(addresses: list[str], now: datetime.datetime) -> None:
    AftercareOptOut.objects.filter(email__in=addresses).delete()
    for address in addresses:
        marketing_consent_withdraw(email=address, how="erasure of the client's data", now=now)


def _refuse_upcoming(bookings: list[Booking], now: datetime.datetime, *, whose: str) -> None:
    upcoming = [b for b in bookings if b.start > now and b.status in Booking.OPEN_STATUSES]
    if upcoming:
        raise ErasureRefused(
            f"{whose} {len(upcoming)} upcoming booking{'s' if len(upcoming) != 1 else ''}. "
            "Please cancel them first, then ask again."
        )


def client_data_erase(*, user, now: datetime.datetime | None = None) -> ErasureRequest:
    """Erases at once what no retention duty covers and holds the clinical records.

    Rules: a client with upcoming bookings cancels them first, and staff accounts are closed
    by an admin (ErasureRefused). Bookings
    without a clinical record lose the client's name, contacts and health answers now;
    attended sessions with notes are kept, whole, until CLINICAL_RECORD_RETENTION_YEARS
    after the last one (London date), when erase_expired_records releases them. The account
    is closed and anonymised either way; the request records what was kept and why.
    """
    now = now or timezone.now()
    if is_staff_member(user):
        raise ErasureRefused("Staff accounts are closed by the clinic's admin, not from this page.")
    with transaction.atomic():
        bookings = list(bookings_for_account(user=user).select_related("session_note").select_for_update(of=("self",)))
        _refuse_upcoming(bookings, now, whose="You have")
        _stop_mail_to([e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)], now)
        EmailAddress.objects.filter(user=user).delete()
        user.username = f"erased-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        request = _erase_or_hold(bookings, ErasureRequest(user=user, requested_at=now), now)
        # Held records stay linked to the (now anonymous) account until they are released.
        Booking.objects.filter(pk__in=[b.pk for b in request.bookings_held.all()]).update(client=user)
    return request


def guest_data_erase(*, email: str, run_by, now: datetime.datetime | None = None) -> ErasureRequest:
    """The same erasure for a guest who booked without an account and asked the clinic, which
    has checked who they are: every booking made with the address and linked to no account.

    Refused (ErasureRefused, nothing changed) when no such booking exists, when the address
    belongs to an account (that client erases from My data, where they are signed in), or
    while a booking is still to come."""
    now = now or timezone.now()
    email = email.strip().lower()
    if (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or Booking.objects.filter(client_email__iexact=email, client__isnull=False).exists()
    ):
        raise ErasureRefused(
            f"{email} belongs to a client account: the client erases their data from My data, "
            "or an admin closes the account first."
        )
    with transaction.atomic():
        bookings = list(
            Booking.objects.filter(client_email__iexact=email, client__isnull=True)
            .select_related("session_note")
            .select_for_update(of=("self",))
        )
        if not bookings:
            raise ErasureRefused(f"No bookings were made with {email}: there is nothing to erase.")
        earlier = ErasureRequest.objects.filter(
            status=ErasureRequest.Status.HOLDING, bookings_held__in=bookings
        ).first()
        if earlier:
            raise ErasureRefused(
                f"{email}'s data was erased on {earlier.requested_at.astimezone(LONDON):%-d %B %Y}; its clinical "
                f"records are held until {earlier.hold_until:%-d %B %Y}, then erased."
            )
        _refuse_upcoming(bookings, now, whose=f"{email} has")
        _stop_mail_to([email], now)
        return _erase_or_hold(bookings, ErasureRequest(guest_email=email, run_by=run_by, requested_at=now), now)
