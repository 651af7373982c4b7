"""No email's subject names a session type. A subject shows on a lock screen and in a list of
mail anyone nearby can read, and a session type's name can itself say something about the
client's health: a clinic selling "Pregnancy massage" would tell the world. Subjects say the time
and the therapist; the body, once the email is opened, may name the session."""

import datetime
import itertools

import pytest

from bookings.models import Booking, OutboundEmail
from clinic.models import SessionType
from therapists.models import RegistrationEvent

from ..clock import NOW, days_from_now
from ..email_words import booking_variants, rendered
from ..factories import make_booking, make_session_type, make_user, waitlist_email_extra

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Kind = OutboundEmail.Kind


def session_type_names_in(subject: str) -> list[str]:
    lowered = subject.lower()
    return [name for name in SessionType.objects.values_list("name", flat=True) if name.lower() in lowered]


def booking_emails(asha, pregnancy: SessionType):
    """One email of every booking kind and variant, each about its own booking of a pregnancy
    massage (deleted once rendered, so the next variant starts clean)."""
    for email_kind, extra, fields in booking_variants():
        booking = make_booking(
            therapist=asha,
            session_type=pregnancy,
            client_name="Dana Fisher",
            client_email="dana@example.com",
            start=NOW - datetime.timedelta(hours=3),
            **{"status": Booking.Status.ATTENDED, "feedback": "flared", **fields},
        )
        if email_kind in OutboundEmail.WAITLIST:
            dana = make_user(f"dana-{email_kind}", email=f"dana-{email_kind}@example.com", first_name="Dana")
            extra = {**extra, **waitlist_email_extra(email_kind, booking, dana)}
        yield OutboundEmail.objects.create(
            booking=booking, kind=email_kind, to_email="dana@example.com", due_at=NOW, extra=extra
        )
        booking.delete()


def registration_emails(asha, victor):
    """Every registration email, for both audiences: the admins' copies list the therapist's
    coming bookings, a pregnancy massage among them."""
    for audience in ("therapist", "admin"):
        for event_kind in ("approved", "rejected", "suspended", "reopened", "expired"):
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
            yield OutboundEmail.objects.create(
                therapist=asha,
                kind=kind,
                to_email="x@example.com",
                due_at=NOW,
                extra={"event_id": event.pk, "audience": audience},
            )
        yield OutboundEmail.objects.create(
            therapist=asha,
            kind=Kind.REGISTRATION_REMINDER,
            to_email="x@example.com",
            due_at=NOW,
            extra={"audience": audience, "days_left": 7, "expires_on": days_from_now(7).isoformat()},
        )


def test_no_subject_of_any_kind_names_a_session_type(asha, victor):
    make_session_type("Sports massage")
    make_session_type("Deep tissue massage", kind=SessionType.Kind.DEEP_TISSUE)
    pregnancy = make_session_type("Pregnancy massage", kind=SessionType.Kind.RELAXATION)
    make_booking(therapist=asha, session_type=pregnancy, start=NOW + datetime.timedelta(days=3))
    seen, bodies = set(), []
    # Rendered as each is made: a booking email's booking is deleted once the next is asked for.
    for email in itertools.chain(booking_emails(asha, pregnancy), registration_emails(asha, victor)):
        (_, subject), (_, text), _ = rendered(email)
        assert subject.strip(), email.kind
        assert session_type_names_in(subject) == [], f"{email.kind} {email.extra}: {subject}"
        seen.add(email.kind)
        bodies.append(text)

    assert seen == set(Kind.values)  # every kind the app sends
    # The session's name was there to leak: the bodies, read once opened, still name it.
    assert any("Pregnancy massage" in body for body in bodies)


def test_the_check_sees_a_session_type_in_a_subject():
    make_session_type("Pregnancy massage")
    assert session_type_names_in("Booked: pregnancy massage with Asha Patel") == ["Pregnancy massage"]
    assert session_type_names_in("Booked: your session with Asha Patel") == []
