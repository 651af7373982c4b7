"""What a client's emails say and their calendar shows stays true: a booking waiting for the
therapist's review is a request (tentative in the calendar) until accepted; a move and a
cancellation update the same calendar event (one UID, a rising SEQUENCE); a decline says why
and what next. The therapist's feed follows."""

import icalendar
import pytest

from bookings.diary.feed import diary_calendar
from bookings.messaging import email_content
from bookings.models import OutboundEmail
from bookings.services.booking import HealthAnswers, booking_reschedule
from bookings.services.booking_changes import booking_cancel, booking_review_accept
from clinic.emails import render_email
from clinic.problems import Problem

from ..clock import NOW, at, days_from_now
from ..factories import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Kind = OutboundEmail.Kind
NEEDS_REVIEW = HealthAnswers(("local_issues",), Problem.KNEE_PAIN, None, "", True)
TUESDAY = days_from_now(6)  # next Tuesday


def latest(booking, kind) -> OutboundEmail:
    # Read afresh, as the send task does: the email is built from the booking as it is now.
    return OutboundEmail.objects.filter(booking_id=booking.pk, kind=kind).order_by("-pk").first()


def calendar_event(email: OutboundEmail) -> tuple[icalendar.Calendar, icalendar.Event]:
    [(filename, content, mimetype)] = email_content.email_attachments(email)
    assert (filename, mimetype) == ("booking.ics", "text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def rendered(email: OutboundEmail) -> tuple[str, str]:
    subject, text, _html = render_email(email.kind, email_content.email_context(email))
    return subject, text


def test_a_booking_awaiting_review_is_emailed_as_a_request_and_is_tentative(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"), answers=NEEDS_REVIEW)

    assert not booking.emails.filter(kind=Kind.BOOKING_CONFIRMATION).exists()
    request = latest(booking, Kind.BOOKING_REQUESTED)
    subject, text = rendered(request)
    assert "not yet confirmed" in subject
    assert "Your therapist will look over your booking and confirm it" in text
    assert "booked" not in subject.lower()
    calendar, event = calendar_event(request)
    assert (calendar["method"], event["status"], event["sequence"]) == ("REQUEST", "TENTATIVE", 0)


def test_accepting_it_sends_the_confirmation_and_confirms_the_same_event(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"), answers=NEEDS_REVIEW)
    _, tentative = calendar_event(latest(booking, Kind.BOOKING_REQUESTED))

    booking_review_accept(booking_id=booking.pk, therapist=asha, now=NOW)

    confirmation = latest(booking, Kind.BOOKING_CONFIRMATION)
    subject, text = rendered(confirmation)
    assert subject.startswith("Confirmed:")
    assert "Your therapist has confirmed your booking." in text
    _, event = calendar_event(confirmation)
    assert event["uid"] == tentative["uid"]
    assert (event["status"], event["sequence"]) == ("CONFIRMED", 1)


def test_an_ordinary_booking_is_confirmed_at_once(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    assert not booking.emails.filter(kind=Kind.BOOKING_REQUESTED).exists()
    subject, _ = rendered(latest(booking, Kind.BOOKING_CONFIRMATION))
    assert subject.startswith("Booked:")


def test_a_move_sends_a_request_with_the_new_time_and_a_higher_sequence(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    _, first = calendar_event(latest(booking, Kind.BOOKING_CONFIRMATION))

    booking_reschedule(booking_id=booking.pk, start=at(days_from_now(6), "14:00"), now=NOW)

    calendar, event = calendar_event(latest(booking, Kind.BOOKING_MOVED))
    assert calendar["method"] == "REQUEST"
    assert event["uid"] == first["uid"]
    assert event["sequence"] > first["sequence"]
    assert event.decoded("dtstart") == at(days_from_now(6), "14:00")
    assert event["organizer"].startswith("mailto:") and event["attendee"] == "mailto:alice@example.com"


def test_a_cancellation_sends_a_calendar_cancel_for_the_same_event(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    booking_reschedule(booking_id=booking.pk, start=at(days_from_now(6), "14:00"), now=NOW)
    _, moved = calendar_event(latest(booking, Kind.BOOKING_MOVED))

    booking_cancel(booking_id=booking.pk, now=NOW)

    calendar, event = calendar_event(latest(booking, Kind.BOOKING_CANCELLED))
    assert (calendar["method"], event["status"]) == ("CANCEL", "CANCELLED")
    assert event["uid"] == moved["uid"]
    assert event["sequence"] > moved["sequence"]


def test_a_therapist_declining_a_request_says_why_and_what_next(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"), answers=NEEDS_REVIEW)

    booking_cancel(booking_id=booking.pk, cancelled_by=asha.user, reason="another_session", now=NOW)

    subject, text = rendered(latest(booking, Kind.BOOKING_CANCELLED))
    assert subject.startswith("Not confirmed:")
    assert "could not confirm your booking request" in text
    assert "Reason: A different session would suit you better; please call us to choose one." in text
    assert "What next:" in text
    assert not booking.emails.filter(kind=Kind.BOOKING_REQUESTED, status=OutboundEmail.Status.QUEUED).exists()


def test_the_therapists_feed_shows_the_same_event_state(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"), answers=NEEDS_REVIEW)
    booking_review_accept(booking_id=booking.pk, therapist=asha, now=NOW)
    booking_reschedule(booking_id=booking.pk, start=at(days_from_now(6), "15:00"), now=NOW)
    booking.refresh_from_db()
    _, emailed = calendar_event(latest(booking, Kind.BOOKING_MOVED))

    feed = icalendar.Calendar.from_ical(diary_calendar(therapist=asha, bookings=[booking], host="testserver", now=NOW))
    [event] = feed.walk("VEVENT")

    assert (event["sequence"], event["status"]) == (emailed["sequence"], "CONFIRMED") == (2, "CONFIRMED")
    assert event.decoded("dtstart") == emailed.decoded("dtstart")
