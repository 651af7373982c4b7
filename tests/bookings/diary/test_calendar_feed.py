import datetime as dt

import icalendar
import pytest
from django.test import Client

from bookings.models import Booking
from clinic.selectors import clinic_get
from therapists.models import TimeOff

from ...clock import NOW, at, days_from_now, london
from ...factories import make_booking, make_room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def make_link(client) -> str:
    client.post("/diary/calendar/")
    page = client.get("/diary/calendar/").content.decode()
    start = page.index("http://testserver/diary/feed/")
    return page[start : page.index('"', start)].removeprefix("http://testserver")


def events(response) -> list:
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_a_therapist_subscribes_to_their_bookings(client, as_asha, asha, alice, sports):
    # NOW is in January: a booking in June is in British Summer Time, one next week in GMT.
    june = dt.date(NOW.year, 6, 1)
    summer = make_booking(client=alice, therapist=asha, session_type=sports, start=at(june, "10:00"))
    winter = make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(days_from_now(7), "09:00"),
        status=Booking.Status.CANCELLED,
    )
    link = make_link(as_asha)
    as_asha.logout()

    response = client.get(link)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    by_uid = {str(event["UID"]): event for event in events(response)}
    assert set(by_uid) == {f"booking-{winter.pk}@testserver", f"booking-{summer.pk}@testserver"}
    in_june = by_uid[f"booking-{summer.pk}@testserver"]
    assert in_june.decoded("DTSTART") == london(june.year, june.month, june.day, 10)
    assert in_june["DTSTART"].params["TZID"] == "Europe/London"
    assert in_june.decoded("DTEND") - in_june.decoded("DTSTART") == dt.timedelta(hours=1)
    assert str(in_june["SUMMARY"]) == "Sports massage: Alice"
    assert str(in_june["STATUS"]) == "CONFIRMED"
    assert str(by_uid[f"booking-{winter.pk}@testserver"]["STATUS"]) == "CANCELLED"
    assert b"BEGIN:VTIMEZONE" in response.content


def test_the_uid_stays_the_same_when_the_booking_changes(client, as_asha, asha, alice, sports):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=1))
    link = make_link(as_asha)
    first = events(client.get(link))[0]["UID"]

    Booking.objects.filter(pk=booking.pk).update(
        start=NOW + dt.timedelta(days=2),
        end=NOW + dt.timedelta(days=2, hours=1),
        blocks_until=NOW + dt.timedelta(days=2, hours=1),
    )

    assert events(client.get(link))[0]["UID"] == first


def test_only_the_therapists_own_bookings_are_in_their_feed(client, as_asha, asha, bob, alice, sports):
    make_booking(client=alice, therapist=bob, session_type=sports, start=NOW + dt.timedelta(days=1))

    assert events(client.get(make_link(as_asha))) == []


def test_a_new_link_retires_the_old_one(client, as_asha):
    old = make_link(as_asha)
    new = make_link(as_asha)

    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


@pytest.mark.parametrize("token", ["wrong-token", "x" * 43, ""])
def test_a_wrong_token_is_not_found(client, asha, token):
    # asha has no link yet: an empty token must not match her empty feed_token.
    assert client.get(f"/diary/feed/{token}.ics").status_code == 404


def test_the_query_count_of_the_feed_does_not_grow_with_bookings(
    as_asha, asha, alice, sports, django_assert_num_queries
):
    link = make_link(as_asha)
    calendar_app = Client()  # no session: a calendar app holds only the link
    for count in (1, 20):
        for n in range(count):
            make_booking(
                client=alice, therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=n + 1, hours=count)
            )
        with django_assert_num_queries(3):  # therapist, bookings, time off
            calendar_app.get(link)


def test_time_off_shows_as_a_busy_block(client, as_asha, asha):
    first_day = days_from_now(10)
    block = TimeOff.objects.create(
        therapist=asha, start=at(first_day, "00:00"), end=at(first_day + dt.timedelta(days=3), "00:00")
    )

    (event,) = events(client.get(make_link(as_asha)))

    assert str(event["UID"]) == f"time-off-{block.pk}@testserver"
    assert str(event["SUMMARY"]) == "Time off: Holiday"
    assert event.decoded("DTSTART") == london(first_day.year, first_day.month, first_day.day)


def test_each_event_says_which_room_before_the_clinics_address(as_asha, asha, alice, sports, django_assert_num_queries):
    link = make_link(as_asha)
    calendar_app = Client()
    quiet, sports_room = make_room("Quiet room", suits=[sports]), make_room("Sports room", suits=[sports])
    for n, room in enumerate([quiet, sports_room, None]):
        make_booking(client=alice, therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=n + 1), room=room)
    address = clinic_get().address

    with django_assert_num_queries(3):  # the rooms come with the bookings
        response = calendar_app.get(link)

    assert [str(event["LOCATION"]) for event in events(response)] == [
        f"Quiet room, {address}",
        f"Sports room, {address}",
        address,
    ]
