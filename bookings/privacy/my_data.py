"""A client's own data: everything the clinic holds on them, to take away (bookings.privacy.export),
and erasure within the law's limits (clinical records are kept for the retention period first).

CLIENT_DATA is the inventory: every model of the bookings app that holds a client's data, with
where the download shows it and what erasure does to it. A test walks the app's models and fails
when one is missing, so a new model is given a place here before it ships."""

import dataclasses
import datetime
import functools
import operator

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bookings.messaging.tokens import links_revoke
from bookings.models import (
    AftercareOptOut,
    Booking,
    BookingContactChange,
    ErasureRequest,
    HealthConsent,
    HealthDataAccess,
    HealthScreen,
    MarketingConsent,
    OutboundEmail,
    OutcomeScore,
    SessionNote,
    TreatmentConsent,
    WaitlistEntry,
)
from bookings.privacy.claims import bookings_for_account
from bookings.privacy.export import my_data_export
from bookings.privacy.marketing import marketing_consent_withdraw
from clinic.errors import ServiceError
from clinic.london import LONDON
from therapists.staff import is_staff_member

__all__ = ["CLIENT_DATA", "ERASED_NAME", "ErasureRefused", "booking_personal_data_erase", "my_data_export"]

ERASED_NAME = "Erased client"
# Erased rows that must keep an address (the field is required) get one that reaches no one.
ERASED_DOMAIN = "erased.invalid"


@dataclasses.dataclass(frozen=True)
class Held:
    """How one model's rows about a client are handed over and erased.

    ``exported_as`` is the download's key that carries them ("bookings[].outcome_scores": a
    key of each booking), or None with ``not_exported_because``. ``erased`` is DELETED,
    ANONYMISED (the row stays, nothing in it names the client) or KEPT, with ``why``."""

    exported_as: str | None
    erased: str
    why: str
    not_exported_because: str = ""


DELETED, ANONYMISED, KEPT = "deleted", "anonymised", "kept"

CLIENT_DATA: dict[str, Held] = {
    "bookings.Booking": Held(
        "bookings",
        ANONYMISED,
        "Name, email, phone, account, feedback and reason erased; the row keeps the diary whole.",
    ),
    "bookings.HealthScreen": Held(
        "bookings[].health_answers", DELETED, "Health answers, the doctor's OK and the trimester go together."
    ),
    "bookings.OutcomeScore": Held("bookings[].outcome_scores", DELETED, "Pain and activities in her own words."),
    "bookings.SessionNote": Held("bookings[].session_notes", DELETED, "The therapist's notes."),
    "bookings.SessionNoteAmendment": Held(
        "bookings[].session_notes.amendments", DELETED, "Deleted with the note they amend."
    ),
    "bookings.TreatmentConsent": Held(
        "bookings[].consent_to_treatment", DELETED, "Part of the clinical record: kept and erased with the notes."
    ),
    "bookings.HealthConsent": Held(
        "bookings[].health_consents", ANONYMISED, "Unlinked from the account; the wording stays as evidence."
    ),
    "bookings.HealthDataAccess": Held(
        "bookings[].health_data_looked_at",
        ANONYMISED,
        "Kept as the record of who looked, with the client's address replaced.",
    ),
    "bookings.OutboundEmail": Held(
        "bookings[].emails_sent_to_you", ANONYMISED, "Address, extra facts and any error text replaced."
    ),
    "bookings.BookingContactChange": Held(
        "bookings[].contact_changes", ANONYMISED, "Kept as the record of who changed what, without the addresses."
    ),
    "bookings.BookingLink": Held(
        None,
        KEPT,
        "Revoked; a row holds only a hash of the token, which names no one.",
        not_exported_because="only a hash of a link already in her emails",
    ),
    "bookings.MarketingConsent": Held(
        "marketing_consents", ANONYMISED, "Withdrawn, then its address replaced; the wording stays as evidence."
    ),
    "bookings.AftercareOptOut": Held("aftercare_emails_stopped", DELETED, "Nothing is sent to an erased address."),
    "bookings.ErasureRequest": Held(
        "erasure_requests",
        KEPT,
        "The record that erasure was asked for and done: an anonymous account, or the guest's "
        "address replaced once nothing is held.",
    ),
    "bookings.BookingPayment": Held(
        "bookings[].payment",
        KEPT,
        "The terms she agreed and Stripe's references to her card: part of the clinic's accounts, "
        "which the law keeps for six years; it names no one once the booking is anonymised.",
    ),
    "bookings.Charge": Held(
        "bookings[].payment.charges", KEPT, "What was asked of her card: kept with the accounts, naming no one."
    ),
    "bookings.LedgerEntry": Held(
        "bookings[].payment.ledger", KEPT, "Money taken and refunded: kept with the accounts, never edited."
    ),
    "bookings.WaitlistEntry": Held("waitlist", DELETED, "Her places on the waitlist go, and the offers made to them."),
    "bookings.WaitlistOffer": Held(
        "waitlist[].offers", DELETED, "Deleted with the entry; an open offer's hold (it names no one) is let go."
    ),
    "bookings.ErasureRequest_bookings_held": Held(
        None,
        KEPT,
        "Links a request to the (anonymous) bookings it held.",
        not_exported_because="the request's own entry says what was held",
    ),
}


def _waitlist_erase(places, addresses: list[str], now: datetime.datetime) -> None:
    """Her places on the list (``places``) go with their offers; a hold kept for her alone is
    let go (one shared with others still offered it stays theirs). The waitlist's emails to
    her are about a hold or a place, not a booking of hers: their address and facts are
    replaced here, and any not yet sent are cancelled."""
    if addresses:  # as typed, in any case
        to_her = functools.reduce(operator.or_, (Q(to_email__iexact=address) for address in addresses))
        about_her = OutboundEmail.objects.filter(to_her, kind__in=OutboundEmail.WAITLIST)
        about_her.filter(status__in=OutboundEmail.PENDING).update(status=OutboundEmail.Status.CANCELLED)
        about_her.update(to_email=f"erased@{ERASED_DOMAIN}", extra={}, last_error="")
    holds = list(
        Booking.objects.filter(
            status=Booking.Status.HELD, waitlist_offers__entry__in=places, waitlist_offers__status="open"
        ).values_list("pk", flat=True)
    )
    places.delete()
    Booking.objects.filter(pk__in=holds).exclude(waitlist_offers__status="open").update(
        status=Booking.Status.CANCELLED, cancelled_at=now
    )


def erased_address(booking_id: int) -> str:
    return f"erased-{booking_id}@{ERASED_DOMAIN}"


class ErasureRefused(ServiceError):
    """An erasure that must not happen yet, or not from here; the message says why and what to do."""


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
    """Removes the client's identity and health data from one booking, as CLIENT_DATA says:
    health answers (the doctor's OK and the trimester with them), outcome scores and notes
    are deleted; the booking row, its emails, contact changes, access log and consents stay
    anonymous so the diary's history and the log still add up. Its email links stop
    working, and an erasure request that held it no longer names a guest."""
    address = erased_address(booking.pk)
    links_revoke(booking_id=booking.pk)
    for screen in HealthScreen.objects.filter(booking=booking).exclude(doctor_letter_copy=""):
        screen.doctor_letter_copy.delete(save=False)  # the file, not only its row
    HealthScreen.objects.filter(booking=booking).delete()
    OutcomeScore.objects.filter(booking=booking).delete()
    # The consent rows stay as evidence of what was agreed, and name no one once unlinked.
    HealthConsent.objects.filter(booking=booking).update(client=None)
    SessionNote.objects.filter(booking=booking).delete()
    TreatmentConsent.objects.filter(booking=booking).delete()
    # An SMTP error quotes the address it could not reach.
    OutboundEmail.objects.filter(booking=booking).update(to_email=address, extra={}, last_error="")
    HealthDataAccess.objects.filter(booking=booking).update(client_email=address)
    BookingContactChange.objects.filter(booking=booking).update(
        old_email=address, new_email=address, reason="Erased with the client's data."
    )
    ErasureRequest.objects.filter(bookings_held=booking).exclude(guest_email="").update(guest_email=address)
    # A client who cancelled for themselves is named by that link too; staff who did stay named.
    Booking.objects.filter(pk=booking.pk, cancelled_by=F("client")).update(cancelled_by=None)
    Booking.objects.filter(pk=booking.pk).update(
        client=None,
        client_name=ERASED_NAME,
        client_email=address,
        client_phone="",
        feedback="",
        cancellation_reason="",
        restricted_until=None,
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
        if request.guest_email:
            # Nothing is held: the request stays as the record that it was done, naming no one.
            request.guest_email = erased_address(erased[0].pk) if erased else f"erased@{ERASED_DOMAIN}"
    request.save()
    request.bookings_held.set(held)
    # Restricted while held (bookings.privacy.held): marked, out of staff lists, opened only
    # with a reason.
    Booking.objects.filter(pk__in=[b.pk for b in held]).update(restricted_until=request.hold_until)
    return request


def _stop_mail_to(addresses: list[str], now: datetime.datetime) -> None:
    AftercareOptOut.objects.filter(email__in=addresses).delete()
    for address in addresses:
        marketing_consent_withdraw(email=address, how="erasure of the client's data", now=now)
        # Withdrawn, the row is evidence of what was agreed and when; the address adds nothing.
        MarketingConsent.objects.filter(email__iexact=address, withdrawn_at__isnull=False).update(
            email=f"erased@{ERASED_DOMAIN}"
        )


def _refuse_upcoming(bookings: list[Booking], now: datetime.datetime, *, whose: str, where: str = "") -> None:
    upcoming = [b for b in bookings if b.start > now and b.status in Booking.OPEN_STATUSES]
    if upcoming:
        one = len(upcoming) == 1
        raise ErasureRefused(
            f"{whose} {len(upcoming)} upcoming booking{'' if one else 's'}. "
            f"Please cancel {'it' if one else 'each of them'}{where} first, then ask again."
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
        _refuse_upcoming(bookings, now, whose="You have", where=" from My bookings")
        addresses = sorted(
            {e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
            | ({user.email.lower()} if user.email else set())
        )
        _stop_mail_to(addresses, now)
        EmailAddress.objects.filter(user=user).delete()
        _waitlist_erase(WaitlistEntry.objects.filter(client=user), addresses, now)
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
        places = WaitlistEntry.objects.filter(client__isnull=True, guest_email__iexact=email)
        if not bookings and not places.exists():
            raise ErasureRefused(f"No bookings or waitlist places were made with {email}: there is nothing to erase.")
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
        _waitlist_erase(places, [email], now)
        return _erase_or_hold(bookings, ErasureRequest(guest_email=email, run_by=run_by, requested_at=now), now)
