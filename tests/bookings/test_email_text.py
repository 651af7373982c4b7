"""Every email's plain-text part and subject read as typed: nothing HTML-escaped in them, while
the HTML part still escapes what it must. Names with an apostrophe, an ampersand and angle
brackets go through every kind of email the app sends."""

import datetime
import re

import pytest

from bookings.messaging import email_content
from bookings.models import Booking, OutboundEmail, SessionNote
from clinic.emails import render_email
from clinic.problems import Problem
from therapists.models import RegistrationEvent, Therapist

from ..clock import NOW, days_from_now
from ..factories import make_booking, waitlist_email_extra

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

CLIENT = "Seán O'Brien & <Sons>"
THERAPIST = "Asha O'Neil & <Co>"
TIP = 'Don\'t skip the "slow" heel raises & rest.'
ESCAPED = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")


@pytest.fixture
def booking(asha):
    """A session asha, renamed to THERAPIST, gave CLIENT three hours ago."""
    asha.display_name = THERAPIST
    asha.save(update_fields=["display_name"])
    booking = make_booking(
        therapist=asha,
        client_name=CLIENT,
        start=NOW - datetime.timedelta(hours=3),
        status=Booking.Status.ATTENDED,
    )
    SessionNote.objects.create(
        booking=booking, areas_worked=["back-calf-left"], pressure_used=6, problem=Problem.ACHILLES, personal_tip=TIP
    )
    return booking


def assert_plain(subject: str, text: str, html: str) -> None:
    assert not ESCAPED.search(subject), subject
    assert not ESCAPED.search(text), text
    assert "&lt;" in html or "&#x27;" in html or "&amp;" in html  # the HTML part still escapes


@pytest.mark.parametrize("kind", [kind for kind in OutboundEmail.Kind.values if kind not in OutboundEmail.REGISTRATION])
def test_every_booking_email_reads_as_typed_in_plain_text(booking, kind, alice):
    extra = {"previous_start": booking.start.isoformat()}
    if kind in OutboundEmail.WAITLIST:
        alice.first_name = CLIENT[:150]
        alice.save(update_fields=["first_name"])
        extra.update(waitlist_email_extra(kind, booking, alice))
    email = OutboundEmail(
        booking=booking,
        kind=kind,
        to_email="sean@example.com",
        due_at=NOW,
        extra=extra,
    )
    email.save()

    subject, text, html = render_email(kind, email_content.email_context(email))

    assert_plain(subject, text, html)
    assert THERAPIST in text or "Seán" in text or TIP in text


def registration_email(therapist, kind, audience, **extra) -> OutboundEmail:
    return OutboundEmail.objects.create(
        therapist=therapist,
        kind=kind,
        to_email="x@example.com",
        due_at=NOW,
        extra={**extra, "audience": audience},
    )


@pytest.mark.parametrize("audience", ["therapist", "admin"])
@pytest.mark.parametrize(
    "kind", [kind for kind in RegistrationEvent.Kind.values if kind not in ("submitted", "updated")]
)
def test_every_registration_email_reads_as_typed_in_plain_text(booking, victor, kind, audience):
    therapist = Therapist.objects.get(pk=booking.therapist_id)
    event = RegistrationEvent.objects.create(
        therapist=therapist,
        kind=kind,
        actor=None if kind == "expired" else victor,
        at=NOW,
        status_after=therapist.registration_status,
        expires_on=days_from_now(15),
        seen_on_register="Listed: Sports & Remedial <Massage>",
        note='Shown as "Sports & Remedial" <not> listed.',
    )
    email_kind = (
        OutboundEmail.Kind.REGISTRATION_EXPIRED if kind == "expired" else OutboundEmail.Kind.REGISTRATION_DECISION
    )
    email = registration_email(therapist, email_kind, audience, event_id=event.pk)

    subject, text, html = render_email(email.kind, email_content.email_context(email))

    assert_plain(subject, text, html)
    assert THERAPIST in subject + text


@pytest.mark.parametrize("audience", ["therapist", "admin"])
def test_the_registration_reminder_reads_as_typed_in_plain_text(booking, audience):
    email = registration_email(
        booking.therapist,
        OutboundEmail.Kind.REGISTRATION_REMINDER,
        audience,
        days_left=7,
        expires_on=days_from_now(7).isoformat(),
    )

    subject, text, html = render_email(email.kind, email_content.email_context(email))

    assert_plain(subject, text, html)
    assert THERAPIST in subject + text


def test_the_check_cannot_pass_on_an_escaped_text():
    with pytest.raises(AssertionError):
        assert_plain("Booked", "Seán O&#x27;Brien has booked", "&lt;")
