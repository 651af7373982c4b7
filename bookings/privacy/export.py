"""A client's own data to take away: everything the clinic holds on them, and only that, in a
fixed number of queries however long their history (the My data page and its download).

bookings.privacy.my_data.CLIENT_DATA says, for every model that holds a client's data, where
it appears here; a test holds the two together."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch

from bookings.clinical import body_chart, health
from bookings.models import (
    AftercareOptOut,
    Booking,
    BookingContactChange,
    ErasureRequest,
    HealthDataAccess,
    HealthScreen,
    MarketingConsent,
    OutboundEmail,
    SessionNote,
    TreatmentConsent,
    WaitlistEntry,
    WaitlistOffer,
)
from bookings.models.payment_terms import Terms, terms_in_words
from bookings.privacy.claims import bookings_for_account
from clinic.london import LONDON


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _name(user, fallback: str) -> str:
    return (user.get_full_name() if user else "") or fallback


def my_data_export(*, user) -> dict:
    """Everything held on ``user``, and only on them: the account, every booking linked to it
    with its health answers (the doctor's OK and the trimester included), outcome scores,
    session notes, consents, contact changes, the emails sent to them about it (never their
    content) and every recorded look at its health data; their aftercare opt-out, marketing
    consents and erasure requests."""
    emails = list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary"))
    addresses = {address["email"].lower() for address in emails} | ({user.email.lower()} if user.email else set())
    bookings = list(
        bookings_for_account(user=user)
        .select_related(
            "health_screen__doctor_ok_seen_by", "session_note", "treatment_consent__confirmed_by", "payment"
        )
        .prefetch_related(
            "ledger",
            "charges",
            Prefetch("emails", OutboundEmail.objects.exclude(kind__in=OutboundEmail.TO_STAFF)),
            "health_consents",
            "outcome_scores",
            Prefetch("contact_changes", BookingContactChange.objects.select_related("changed_by")),
            Prefetch("health_accesses", HealthDataAccess.objects.select_related("accessed_by").order_by("at")),
            "session_note__amendments__amended_by",
        )
    )
    return {
        "account": {
            "name": user.get_full_name(),
            "email_addresses": emails,
            "joined": _iso(user.date_joined),
        },
        "bookings": [_booking_export(booking) for booking in bookings],
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
        "waitlist": [_waitlist_export(entry) for entry in _waitlist_entries(user)],
        "waitlist_emails_sent_to_you": [
            {"kind": email.get_kind_display(), "to": email.to_email, "status": email.get_status_display()}
            for email in OutboundEmail.objects.filter(kind__in=OutboundEmail.WAITLIST, to_email__in=addresses)
        ],
    }


def _waitlist_entries(user):
    offers = WaitlistOffer.objects.select_related("hold").order_by("created_at")
    return (
        WaitlistEntry.objects.filter(client=user)
        .select_related("session_type", "therapist", "booking")
        .prefetch_related(Prefetch("offers", offers))
        .order_by("joined_at")
    )


def _waitlist_export(entry: WaitlistEntry) -> dict:
    return {
        "session": entry.session_type.name,
        "therapist": entry.therapist.display_name if entry.therapist else "Any therapist",
        "from": entry.first_day.isoformat(),
        "until": entry.last_day.isoformat(),
        "times_of_day": entry.times_of_day,
        "shortest_notice_hours": entry.notice_hours,
        "earlier_than_your_booking_at": _iso(entry.booking.start) if entry.booking else None,
        "joined": _iso(entry.joined_at),
        "ended": _iso(entry.ended_at),
        "ended_why": entry.get_ended_why_display(),
        "offers": [
            {"start": _iso(o.hold.start), "answer_by": _iso(o.respond_by), "status": o.get_status_display()}
            for o in entry.offers.all()
        ],
    }


def _booking_export(booking: Booking) -> dict:
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
        "health_answers": _health_answers(getattr(booking, "health_screen", None)),
        "outcome_scores": [
            {
                "taken": score.get_taken_display(),
                "kind": score.get_kind_display(),
                # The activity in the client's own words; pain is stored under a fixed name.
                "measure": "Pain" if score.kind == score.Kind.PAIN else score.measure,
                "score": score.score,
                "taken_at": _iso(score.taken_at),
            }
            for score in sorted(booking.outcome_scores.all(), key=lambda score: (score.taken_at, score.pk))
        ],
        "payment": _payment(booking),
        "consent_to_treatment": _treatment_consent(getattr(booking, "treatment_consent", None)),
        "session_notes": _session_notes(getattr(booking, "session_note", None)),
        # The kind, address and dates only: the content is rebuilt from the booking when sent.
        "emails_sent_to_you": [
            {
                "kind": email.get_kind_display(),
                "to": email.to_email,
                "status": email.get_status_display(),
                "due_at": _iso(email.due_at),
                "sent_at": _iso(email.sent_at),
            }
            for email in booking.emails.all()
        ],
        "contact_changes": [
            {
                "at": _iso(change.at),
                "by": _name(change.changed_by, "clinic staff"),
                "from": change.old_email,
                "to": change.new_email,
                "reason": change.reason,
            }
            for change in booking.contact_changes.all()
        ],
        "health_data_looked_at": [
            {"at": _iso(access.at), "by": _name(access.accessed_by, "clinic staff"), "via": access.get_via_display()}
            for access in booking.health_accesses.all()
        ],
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


def _health_answers(screen: HealthScreen | None) -> dict | None:
    if screen is None:
        return None
    return {
        "answered_yes": [health.QUESTIONS[key].text for key in screen.answered_yes if key in health.QUESTIONS],
        "main_problem": screen.get_main_problem_display(),
        "preferred_pressure": screen.preferred_pressure,
        "notes": screen.notes,
        "pregnancy_trimester": screen.get_pregnancy_trimester_display() if screen.pregnancy_trimester else None,
        "date_of_birth": screen.date_of_birth.isoformat() if screen.date_of_birth else None,
        "parent_or_guardian": (
            {"name": screen.guardian_name, "agreed_and_comes_to_the_session": screen.guardian_consent}
            if screen.guardian_name
            else None
        ),
        "doctors_ok": {
            "you_said_your_doctor_agreed": screen.doctor_ok_confirmed,
            "therapist_saw_it_at": _iso(screen.doctor_ok_seen_at),
            "therapist_saw_it": _name(screen.doctor_ok_seen_by, "your therapist") if screen.doctor_ok_seen_at else None,
            "letter_from": screen.doctor_letter_from or None,
            "letter_dated": screen.doctor_letter_dated.isoformat() if screen.doctor_letter_dated else None,
            "a_copy_is_held": bool(screen.doctor_letter_copy),
        },
        "consent_given_at": _iso(screen.consent_given_at),
    }


def _payment(booking: Booking) -> dict | None:
    """The terms agreed, the charges asked of Stripe and the ledger (the card itself is held
    by Stripe, not here: only its reference)."""
    payment = getattr(booking, "payment", None)
    if payment is None:
        return None
    return {
        "terms": terms_in_words(Terms.agreed(payment)),
        "card_saved_at": _iso(payment.card_saved_at),
        "charges": [
            {"for": charge.get_purpose_display(), "pence": charge.amount_pence, "status": charge.get_status_display()}
            for charge in booking.charges.all()
        ],
        "ledger": [
            {"at": _iso(entry.at), "what": entry.get_kind_display(), "pence": entry.amount_pence, "why": entry.reason}
            for entry in booking.ledger.all()
        ],
    }


def _treatment_consent(consent: TreatmentConsent | None) -> dict | None:
    if consent is None:
        return None
    return {
        "confirmed_at": _iso(consent.confirmed_at),
        "confirmed_by": _name(consent.confirmed_by, "your therapist"),
        "wording": consent.wording,
    }


def _session_notes(note: SessionNote | None) -> dict | None:
    if note is None:
        return None
    return {
        "areas_worked": body_chart.labels(note.areas_worked),
        "areas_to_avoid": body_chart.labels(note.areas_to_avoid),
        "pressure_used": note.pressure_used,
        "problem": note.get_problem_display(),
        "tip": note.personal_tip,
        "written_at": _iso(note.written_at),
        "pressure_reason": note.pressure_reason,
        "findings": note.findings,
        "techniques": note.techniques,
        "your_response": note.client_response,
        "advice_given": note.advice_given,
        "amendments": [
            {
                "at": _iso(amendment.amended_at),
                "by": _name(amendment.amended_by, "your therapist"),
                "changes": amendment.changes,
                "reason": amendment.reason,
            }
            for amendment in note.amendments.all()
        ],
    }
