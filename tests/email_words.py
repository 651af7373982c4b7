"""What the email privacy tests share (tests/bookings/test_email_privacy.py and the tests of
subjects and cancellation reasons): Dana, a client who answered yes to every question that still
lets her book; the words no email may carry; every booking email's variants, rendered."""

import datetime
import re

from django.template.loader import render_to_string

from bookings.clinical import aftercare, health
from bookings.messaging import email_content
from bookings.models import Booking, HealthScreen, OutboundEmail, SessionNote
from clinic.emails import render_email
from clinic.models import SessionType
from clinic.problems import Problem

from .clock import NOW
from .factories import make_booking, make_session_type

Kind = OutboundEmail.Kind

# What Dana told the clinic: every answer that still lets her book online, and her notes.
DANA_ANSWERS = sorted(key for key, q in health.QUESTIONS.items() if q.outcome == health.Outcome.REVIEW)
DANA_NOTES = "Takes warfarin since the clot; left Achilles sore after the Brighton marathon"
DANA_TIP = "Ice the heel tonight and keep off the hills"

# Words that name a health matter whatever the data says.
ALWAYS_FORBIDDEN = [
    "worse",
    "flare",
    "flared",
    "pain",
    "painful",
    "injury",
    "injured",
    "pregnant",
    "pregnancy",
    "symptom",
    "symptoms",
    "condition",
    "health review",
    "health answers",
    "health screen",
    "contraindication",
]
# Words in the domain's labels and questions that say nothing about anyone's health (and the
# product's own words: its session types are what a client books, not what is wrong with them).
HARMLESS = {
    "about",
    "after",
    "and",
    "any",
    "area",
    "feel",
    "felt",
    "have",
    "having",
    "like",
    "massage",
    "near",
    "nobody",
    "one",
    "put",
    "right",
    "since",
    "that",
    "the",
    "there",
    "these",
    "this",
    "week",
    "where",
    "with",
    "would",
    "you",
    "your",
    "are",
    "been",
    "last",
    "hours",
    "when",
    "getting",
    "exact",
    "spot",
    "recently",
    "cannot",
    "new",
    "well",
    "not",
    "has",
    "had",
    "take",
    "takes",
    "along",
    "checked",
    "controlled",
    "for",
    "general",
    "keep",
    "left",
    "off",
    "open",
    "short",
    "tonight",
    "heavy",
    "weight",
}


def forbidden_terms() -> list[str]:
    session_type_words = {w.lower() for label in SessionType.Kind.labels for w in re.findall(r"[a-z]+", label.lower())}
    phrases = [*Problem.labels, *(q.text for q in health.QUESTIONS.values()), DANA_NOTES, DANA_TIP]
    words = {
        word
        for phrase in phrases
        for word in re.findall(r"[a-z]+", phrase.lower())
        if len(word) > 2 and word not in HARMLESS and word not in session_type_words
    }
    problem_keys = {key for key in Problem.values if key not in session_type_words}
    return sorted({*ALWAYS_FORBIDDEN, *(p.lower() for p in phrases), *problem_keys, *words})


def health_words_in(text: str) -> list[str]:
    # A link's random token can spell a short word ("-ill_"): it is random, so it is set aside.
    lowered = re.sub(r"[A-Za-z0-9_-]{40,}", "TOKEN", text).lower()
    return [term for term in forbidden_terms() if re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z])", lowered)]


def without_safety_advice(body: str, *, html: bool) -> str:
    """The body without the red-flag advice, which must be there, word for word, in every
    aftercare email."""
    safety = render_to_string(
        f"emails/_aftercare_safety.{'html' if html else 'txt'}",
        {"red_flags": aftercare.RED_FLAGS},
        using=None if html else "text",
    )
    assert safety.strip() in body
    return body.replace(safety.strip(), "")


def dana_booking(asha, *, kind: str, problem: str, status=Booking.Status.ATTENDED, **fields) -> Booking:
    session_type = make_session_type(f"{SessionType.Kind(kind).label}", kind=kind)
    booking = make_booking(
        therapist=asha,
        session_type=session_type,
        client_name="Dana Fisher",
        client_email="dana@example.com",
        start=NOW - datetime.timedelta(hours=3),
        status=status,
        **{"feedback": "flared", **fields},
    )
    HealthScreen.objects.create(
        booking=booking,
        answered_yes=DANA_ANSWERS,
        main_problem=problem,
        preferred_pressure=3,
        notes=DANA_NOTES,
        consent_given_at=NOW,
    )
    SessionNote.objects.create(
        booking=booking, areas_worked=["back-calf-left"], pressure_used=8, problem=problem, personal_tip=DANA_TIP
    )
    return booking


def booking_variants() -> list[tuple[str, dict, dict]]:
    """(kind, extra on the email, fields of the booking) for every booking email's variant."""
    return [
        (Kind.BOOKING_CONFIRMATION, {}, {}),
        (Kind.BOOKING_CONFIRMATION, {"accepted": True}, {}),
        (Kind.BOOKING_REQUESTED, {}, {"status": Booking.Status.AWAITING_REVIEW}),
        (Kind.BOOKING_REMINDER, {"when": "ahead"}, {}),
        (Kind.BOOKING_REMINDER, {"when": "today"}, {}),
        (Kind.BOOKING_MOVED, {"previous_start": NOW.isoformat()}, {}),
        (Kind.BOOKING_CANCELLED, {}, {"status": Booking.Status.CANCELLED, "late_cancellation": True}),
        (
            Kind.BOOKING_CANCELLED,
            {"declined": True},
            {"status": Booking.Status.CANCELLED, "cancellation_reason": "Asha is away that week."},
        ),
        (Kind.STAFF_BOOKED, {}, {"status": Booking.Status.CONFIRMED}),
        (Kind.STAFF_BOOKED, {}, {"status": Booking.Status.AWAITING_REVIEW}),
        (Kind.STAFF_MOVED, {"previous_start": NOW.isoformat()}, {}),
        (Kind.STAFF_CANCELLED, {}, {"status": Booking.Status.CANCELLED}),
        (Kind.AFTERCARE_TODAY, {}, {}),
        (Kind.AFTERCARE_NEXT_DAY, {}, {}),
        (Kind.AFTERCARE_CHECK_IN, {}, {}),
        (Kind.THERAPIST_FLARE_ALERT, {}, {"feedback": "worse"}),
        (Kind.THERAPIST_FLARE_ALERT, {}, {"feedback": "flared"}),
        (Kind.BOOK_AGAIN, {}, {}),
        (Kind.WAITLIST_OFFER, {}, {}),
        (Kind.WAITLIST_TAKEN, {}, {}),
        (Kind.WAITLIST_ENDED, {}, {}),
        (Kind.WAITLIST_CONFIRM, {}, {}),
        (Kind.PAYMENT_NOTICE, {"what": "refund", "pence": 1100, "why": "Cancelled in time"}, {}),
        (Kind.PAYMENT_NOTICE, {"what": "fee", "pence": 4400, "why": "No-show fee"}, {}),
    ]


def rendered(email: OutboundEmail) -> list[tuple[str, str]]:
    subject, text, html = render_email(email.kind, email_content.email_context(email))
    if email.kind in OutboundEmail.AFTERCARE:
        text, html = without_safety_advice(text, html=False), without_safety_advice(html, html=True)
    return [("subject", subject), ("text", text), ("html", html)]
