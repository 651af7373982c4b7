"""Booking gives a session a treatment room: the first free one that suits it, in the clinic's
order, and moving the booking finds it a room at the new time."""

import datetime as dt

import icalendar
import pytest

from bookings.models import Booking, HealthScreen, OutboundEmail
from bookings.services.booking import NoRoomSuits, SlotTaken, booking_reschedule
from clinic.models import RoomClosure
from clinic.selectors import clinic_get

from ..clock import NOW, at, days_from_now
from ..factories import book, make_bookable_therapist, make_booking, make_room, make_session_type, make_working_hours
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)


@pytest.fixture
def carol(db):
    """A third therapist, working the standard hours like asha."""
    therapist = make_bookable_therapist("carol", display_name="Carol Jones")
    make_working_hours(therapist)
    return therapist


def test_a_booking_gets_the_first_free_room_in_the_clinics_order_held_through_its_turnover(asha, carol, sports):
    second = make_room("Room B", suits=[sports], display_order=2, turnover_minutes=15)
    first = make_room("Room A", suits=[sports], display_order=1, turnover_minutes=10)

    by_asha = book(sports, asha, at(TUESDAY, "10:00"))
    by_carol = book(sports, carol, at(TUESDAY, "10:00"))

    assert (by_asha.room, by_asha.room_until) == (first, at(TUESDAY, "11:10"))
    assert (by_carol.room, by_carol.room_until) == (second, at(TUESDAY, "11:15"))


def test_when_every_room_is_taken_a_free_therapist_is_told_the_time_has_gone(asha, carol, sports):
    make_room("Room A", suits=[sports], turnover_minutes=10)
    book(sports, asha, at(TUESDAY, "10:00"))

    with pytest.raises(SlotTaken, match="just been taken") as refusal:
        book(sports, carol, at(TUESDAY, "10:30"))

    # The alternatives offered are times when Carol and the room are both free.
    assert refusal.value.alternatives
    assert all(
        slot.start >= at(TUESDAY, "11:10") or slot.start + dt.timedelta(minutes=70) <= at(TUESDAY, "10:00")
        for slot in refusal.value.alternatives
    )
    assert Booking.objects.count() == 1
    assert not OutboundEmail.objects.filter(booking__therapist=carol).exists()


def test_any_therapist_books_whoever_is_free_while_a_room_is(asha, carol, sports):
    make_room("Room A", suits=[sports])
    make_room("Room B", suits=[sports])

    first, second = book(sports, None, at(TUESDAY, "10:00")), book(sports, None, at(TUESDAY, "10:00"))

    assert {first.therapist, second.therapist} == {asha, carol}
    assert first.room != second.room
    with pytest.raises(SlotTaken):
        book(sports, None, at(TUESDAY, "10:00"))


def test_a_session_no_room_suits_is_refused_plainly_and_nothing_is_written(asha, sports):
    make_room("Quiet room", suits=[make_session_type("Relaxation massage")])

    with pytest.raises(NoRoomSuits, match="No treatment room in use suits a Sports massage"):
        book(sports, asha, at(TUESDAY, "10:00"))

    assert not Booking.objects.exists()
    assert not HealthScreen.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_session_that_needs_no_room_and_a_clinic_without_rooms_book_without_one(asha, sports):
    assert book(sports, asha, at(TUESDAY, "10:00")).room is None

    home_visit = make_session_type("Home visit", needs_room=False)
    make_room("Room A", suits=[sports, home_visit])

    visit = book(home_visit, asha, at(TUESDAY, "12:00"))
    assert (visit.room, visit.room_until) == (None, None)


def test_a_moved_booking_keeps_its_room_when_it_is_free_at_the_new_time(asha, sports):
    make_room("Room A", suits=[sports], display_order=1)
    second = make_room("Room B", suits=[sports], display_order=2)
    booking = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=second)

    moved = booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "14:00"), now=NOW)

    assert (moved.start, moved.room) == (at(TUESDAY, "14:00"), second)


def test_a_moved_booking_gets_another_room_when_its_own_is_closed_then(asha, sports):
    first = make_room("Room A", suits=[sports], display_order=1, turnover_minutes=5)
    second = make_room("Room B", suits=[sports], display_order=2, turnover_minutes=20)
    booking = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=first)
    RoomClosure.objects.create(room=first, start=at(TUESDAY, "13:00"), end=at(TUESDAY, "17:00"))

    moved = booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "14:00"), now=NOW)

    assert (moved.room, moved.room_until) == (second, at(TUESDAY, "15:20"))


def test_a_booking_made_before_rooms_gets_one_when_it_is_moved(asha, sports):
    booking = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    room = make_room("Room A", suits=[sports])

    moved = booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "11:00"), now=NOW)

    assert moved.room == room


def test_a_move_to_a_time_when_no_room_is_free_changes_nothing(asha, carol, sports):
    room = make_room("Room A", suits=[sports])
    booking = make_booking(therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    make_booking(therapist=carol, session_type=sports, start=at(TUESDAY, "14:00"), room=room)

    with pytest.raises(SlotTaken):
        booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "14:30"), now=NOW)

    booking.refresh_from_db()
    assert (booking.start, booking.status, booking.room) == (at(TUESDAY, "10:00"), Booking.Status.CONFIRMED, room)


def test_the_therapists_booking_page_says_which_room(client, asha, sports, alice):
    room = make_room("Quiet room", suits=[sports])
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"), room=room)
    client.force_login(asha.user)

    assert "with Asha Patel, in Quiet room." in client.get(f"/bookings/{booking.pk}/").content.decode()


def test_the_confirmation_and_its_calendar_entry_say_which_room(asha, sports):
    make_room("Quiet room", suits=[sports])
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    [message] = [sent for sent in send_due_emails(now=NOW) if sent.subject.startswith("Booked")]

    assert "in Quiet room" in message.body
    assert "Quiet room</td>" in message.alternatives[0][0]
    [(_, ics, _)] = message.attachments
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["LOCATION"]) == f"Quiet room, {clinic_get().address}"
    assert booking.room.name == "Quiet room"


def test_the_reminder_names_the_room_the_booking_has_by_then(asha, sports):
    make_room("Quiet room", suits=[sports])
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    send_due_emails(now=NOW)  # the confirmation, with the first room
    booking.room = make_room("Sports room", suits=[sports])
    booking.save(update_fields=["room"])
    OutboundEmail.objects.create(
        booking=booking, kind=OutboundEmail.Kind.BOOKING_REMINDER, to_email=booking.client_email, due_at=NOW
    )

    [reminder] = send_due_emails(now=NOW)

    assert "with Asha Patel, in Sports room" in reminder.body
    assert "with Asha Patel, in Sports room" in reminder.alternatives[0][0]
