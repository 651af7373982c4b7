"""No email says anything about anyone's health. Every kind of email the app sends, in every
variant (each session type and problem, each aftercare step, review and flare, both audiences
of the registration emails), is rendered for a client who answered yes to every question that
still lets her book, wrote notes about her condition, and told the check-in it flared; and
neither the subject nor either body may carry a health word.

The forbidden words come from the domain itself (the problems' labels, the health screen's
questions) and from the client's own answers and notes, so a new problem or question is
covered without touching this test. The one exception is the red-flag advice every aftercare
email carries ("when to get checked"): the same words for every client whatever their session
(checked below), so it says nothing about her, and a safety warning should not need a click."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from bookings.clinical import aftercare, health
from bookings.messaging import email_content
from bookings.models import Booking, HealthScreen, OutboundEmail, SessionNote
from clinic.emails import render_email
from clinic.models import SessionType
from clinic.problems import Problem
from therapists.models import RegistrationEvent

from ..clock import NOW, days_from_now
from ..factories import make_booking, make_session_type, make_user, waitlist_email_extra

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

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


def test_the_safety_advice_is_the_same_for_everyone_and_names_no_problem():
    text = render_to_string("emails/_aftercare_safety.txt", {"red_flags": aftercare.RED_FLAGS}, using="text")
    assert "NHS 111" in text and "999" in text
    lowered = text.lower()
    for own in [*Problem.labels, *(a.name for a in aftercare.PROBLEM_ADVICE.values()), DANA_NOTES, DANA_TIP]:
        assert own.lower() not in lowered
    # Built from constants only: no variable about the client or the session goes in.
    templates = Path(settings.BASE_DIR) / "templates" / "emails"
    source = "".join((templates / f"_aftercare_safety.{ext}").read_text() for ext in ("txt", "html"))
    assert set(re.findall(r"{{\s*(\w+)", source)) == {"flag"}
    assert set(re.findall(r"{%\s*for \w+ in (\w+)", source)) == {"red_flags"}


def test_the_check_finds_what_it_should():
    assert "achilles" in health_words_in("Your next steps for Achilles pain")
    assert "worse" in health_words_in("Dana says it got WORSE")
    assert "warfarin" in health_words_in("she takes warfarin")
    assert health_words_in("Dana's booking needs health review") == ["health review"]
    assert health_words_in("Booked: Deep tissue massage with Asha Patel, Monday 21 January") == []


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


@pytest.mark.parametrize("kind", SessionType.Kind.values)
@pytest.mark.parametrize("problem", Problem.values)
def test_no_booking_email_carries_a_health_word(asha, kind, problem):
    asha.display_name = "Asha Patel"
    asha.save(update_fields=["display_name"])
    seen = set()
    for email_kind, extra, fields in booking_variants():
        fields = {"feedback": "flared", **fields}
        booking = dana_booking(asha, kind=kind, problem=problem, **fields)
        if email_kind in OutboundEmail.WAITLIST:
            dana = make_user(f"dana-{email_kind}", email=f"dana-{email_kind}@example.com", first_name="Dana")
            extra = {**extra, **waitlist_email_extra(email_kind, booking, dana)}
        email = OutboundEmail.objects.create(
            booking=booking, kind=email_kind, to_email="dana@example.com", due_at=NOW, extra=extra
        )
        for part, content in rendered(email):
            assert health_words_in(content) == [], f"{email_kind} {extra} {part}: {content}"
        assert "Dana" in rendered(email)[1][1] or "Dana" in rendered(email)[0][1]  # it is about her
        seen.add(email_kind)
        booking.delete()
    assert seen == set(Kind.values) - set(OutboundEmail.REGISTRATION)


@pytest.mark.parametrize("audience", ["therapist", "admin"])
@pytest.mark.parametrize("event_kind", [k for k in RegistrationEvent.Kind.values if k not in ("submitted", "updated")])
def test_no_registration_email_carries_a_health_word(asha, victor, audience, event_kind):
    # An admin's copy lists the affected bookings: Dana's is one of them.
    upcoming = make_booking(
        therapist=asha,
        client_name="Dana Fisher",
        client_email="dana@example.com",
        start=NOW + datetime.timedelta(days=3),
    )
    HealthScreen.objects.create(
        booking=upcoming,
        answered_yes=DANA_ANSWERS,
        main_problem=Problem.ACHILLES,
        notes=DANA_NOTES,
        consent_given_at=NOW,
    )
    event = RegistrationEvent.objects.create(
        therapist=asha,
        kind=event_kind,
        actor=None if event_kind == "expired" else victor,
        at=NOW,
        status_after=asha.registration_status,
        expires_on=days_from_now(15),
        seen_on_register="Listed, Sports Massage",
        note="Not on the register under that number.",
    )
    kind = Kind.REGISTRATION_EXPIRED if event_kind == "expired" else Kind.REGISTRATION_DECISION
    emails = [
        OutboundEmail.objects.create(
            therapist=asha,
            kind=kind,
            to_email="x@example.com",
            due_at=NOW,
            extra={"event_id": event.pk, "audience": audience},
        ),
        OutboundEmail.objects.create(
            therapist=asha,
            kind=Kind.REGISTRATION_REMINDER,
            to_email="x@example.com",
            due_at=NOW,
            extra={"audience": audience, "days_left": 7, "expires_on": days_from_now(7).isoformat()},
        ),
    ]
    for email in emails:
        for part, content in rendered(email):
            assert health_words_in(content) == [], f"{email.kind} {audience} {part}: {content}"
