"""Every kind of email, at the moment it reaches the mail server just after 20:00 London: what
the clinic sends a client on its own schedule (reminders, aftercare, "book again") is put back
for 08:00, unsent; a direct answer to what the client has just done, news of a change to their
booking, and the staff's own email go at once. The batch was claimed at 19:59:59, so only the
check made just before each send can hold it."""

import datetime
import types

import pytest
from django.core import mail

from bookings.messaging import outbox
from bookings.models import Booking, OutboundEmail, SessionNote
from bookings.privacy.marketing import marketing_consent_give
from clinic.london import LONDON
from clinic.problems import Problem
from therapists.models import RegistrationEvent, Therapist

from ..factories import make_booking, waitlist_email_extra

pytestmark = pytest.mark.django_db

Kind, Status = OutboundEmail.Kind, OutboundEmail.Status

# Decided here, apart from the model's lists, so a kind nobody has placed fails below.
HELD_IN_QUIET_HOURS = {
    Kind.BOOKING_CONFIRMATION: False,
    Kind.BOOKING_REQUESTED: False,
    Kind.BOOKING_REMINDER: True,
    Kind.BOOKING_MOVED: False,
    Kind.BOOKING_CANCELLED: False,
    Kind.STAFF_BOOKED: False,
    Kind.STAFF_MOVED: False,
    Kind.STAFF_CANCELLED: False,
    Kind.AFTERCARE_TODAY: True,
    Kind.AFTERCARE_NEXT_DAY: True,
    Kind.AFTERCARE_CHECK_IN: True,
    Kind.THERAPIST_FLARE_ALERT: False,
    Kind.BOOK_AGAIN: True,
    Kind.REGISTRATION_DECISION: False,
    Kind.REGISTRATION_EXPIRED: False,
    Kind.REGISTRATION_REMINDER: False,
    Kind.WAITLIST_OFFER: True,
    Kind.WAITLIST_TAKEN: True,
    Kind.WAITLIST_ENDED: True,
    Kind.WAITLIST_CONFIRM: False,
    Kind.PAYMENT_NOTICE: False,
}

CLAIMED = datetime.datetime(2026, 11, 24, 19, 59, 59, tzinfo=LONDON)
NEXT_MORNING = datetime.datetime(2026, 11, 25, 8, 0, tzinfo=LONDON)


@pytest.fixture
def each_send_takes_a_second(monkeypatch):
    """The outbox's own clock (and only its) moves a second per reading: the batch's start,
    then each email as it reaches the server, so the first email goes at 20:00:00."""
    readings = iter(range(1000))
    monkeypatch.setattr(outbox, "time", types.SimpleNamespace(monotonic=lambda: float(next(readings))))


@pytest.fixture
def session(bob, alice):
    """Alice's session with bob that afternoon, attended, with its notes."""
    booking = make_booking(
        therapist=bob,
        client=alice,
        start=datetime.datetime(2026, 11, 24, 17, 0, tzinfo=LONDON),
        status=Booking.Status.ATTENDED,
    )
    SessionNote.objects.create(
        booking=booking, areas_worked=["back-calf-left"], pressure_used=5, problem=Problem.ACHILLES
    )
    return booking


def email_of(kind: str, session: Booking, victor) -> OutboundEmail:
    due = datetime.datetime(2026, 11, 24, 19, 30, tzinfo=LONDON)
    if kind not in OutboundEmail.REGISTRATION:
        if kind == Kind.BOOK_AGAIN:
            marketing_consent_give(email=session.client_email, how="test")
        extra = {"previous_start": session.start.isoformat()}
        if kind in OutboundEmail.WAITLIST:
            extra.update(waitlist_email_extra(kind, session, session.client))
        return outbox.outbound_email_schedule(
            booking=session, kind=kind, to_email=session.client_email, due_at=due, extra=extra
        )
    therapist = Therapist.objects.get(pk=session.therapist_id)
    extra = {"audience": "therapist", "days_left": 7, "expires_on": "2026-12-01"}
    if kind != Kind.REGISTRATION_REMINDER:
        expired = kind == Kind.REGISTRATION_EXPIRED
        event = RegistrationEvent.objects.create(
            therapist=therapist,
            kind=RegistrationEvent.Kind.EXPIRED if expired else RegistrationEvent.Kind.APPROVED,
            actor=None if expired else victor,
            at=due,
            status_after=therapist.registration_status,
            expires_on=datetime.date(2027, 11, 24),
            seen_on_register="Listed: Sports Massage",
        )
        extra["event_id"] = event.pk
    return outbox.outbound_email_schedule(
        therapist=therapist, kind=kind, to_email=therapist.user.email, due_at=due, extra=extra
    )


def test_every_kind_is_placed_once_in_the_outbox_and_here():
    placed = OutboundEmail.ANY_HOUR + OutboundEmail.SENDING_HOURS_ONLY

    assert sorted(placed) == sorted(Kind.values), "place each kind in exactly one of the model's lists"
    assert set(HELD_IN_QUIET_HOURS) == set(Kind.values), "decide here whether a new kind may wake someone"
    assert {kind for kind, held in HELD_IN_QUIET_HOURS.items() if held} == set(OutboundEmail.SENDING_HOURS_ONLY)


@pytest.mark.parametrize("kind", Kind.values)
def test_each_kind_reaching_the_server_at_eight_in_the_evening(kind, session, victor, each_send_takes_a_second):
    held = HELD_IN_QUIET_HOURS[kind]  # a KeyError: a new kind nobody has placed
    email = email_of(kind, session, victor)

    result = outbox.outbound_emails_send(email_ids=[email.pk], now=CLAIMED)

    email.refresh_from_db()
    if not held:
        assert (result, len(mail.outbox), email.status) == ({email.pk: Status.SENT}, 1, Status.SENT)
        return
    assert result == {email.pk: Status.QUEUED}
    assert mail.outbox == []
    assert (email.status, email.due_at, email.attempts, email.claimed_at) == (Status.QUEUED, NEXT_MORNING, 0, None)
    # Handed back unsent, it goes with the morning.
    assert outbox.outbound_emails_send(email_ids=[email.pk], now=NEXT_MORNING) == {email.pk: Status.SENT}
    assert len(mail.outbox) == 1
