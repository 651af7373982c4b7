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

from bookings.clinical import aftercare
from bookings.models import HealthScreen, OutboundEmail
from clinic.models import SessionType
from clinic.problems import Problem
from therapists.models import RegistrationEvent

from ..clock import NOW, days_from_now
from ..email_words import (
    DANA_ANSWERS,
    DANA_NOTES,
    DANA_TIP,
    booking_variants,
    dana_booking,
    health_words_in,
    rendered,
)
from ..factories import make_booking, make_user, waitlist_email_extra

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Kind = OutboundEmail.Kind


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
