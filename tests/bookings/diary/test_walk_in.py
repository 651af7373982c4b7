"""Reception books a walk-in from the clinic grid: a free gap opens the walk-in page at that
therapist, day and time; staff find the client, pick a time (the online notice does not apply to
them, every other rule does), choose or accept the room, and read out the health questions. Past
days show no gaps; today's start at the next quarter hour, under a line at the time now."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, HealthConsent
from clinic.models import RoomClosure

from ...clock import NOW, TODAY, at, days_from_now
from ...factories import (
    blocks,
    details_url,
    form_data,
    grant_clinic_diary,
    make_bookable_therapist,
    make_booking,
    make_room,
    make_session_type,
    make_user,
    make_working_hours,
    second_details_step,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

WALK_IN = "/diary/clinic/book/"


@pytest.fixture
def as_rita(client, db):
    """Reception: staff with the clinic diary permission."""
    client.force_login(grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita")))
    return client


def walk_in_page(client, **query) -> str:
    response = client.get(WALK_IN, query)
    assert response.status_code == 200
    return response.content.decode()


# The grid -----------------------------------------------------------------------------------


def test_a_day_that_has_passed_shows_no_free_gaps_and_no_now_line(as_rita, asha):
    html = as_rita.get(f"/diary/clinic/{days_from_now(-1).isoformat()}/").content.decode()
    assert not [block for block in blocks(html) if "cd-free" in block]
    assert 'data-testid="now-line"' not in html


def test_todays_gaps_start_at_the_next_quarter_hour_under_a_line_at_the_time_now(as_rita, asha):
    # NOW is 09:30 on a day Asha works 09:00-17:00: the 09:00-09:30 past is not offered.
    html = as_rita.get(f"/diary/clinic/{TODAY.isoformat()}/").content.decode()
    assert [block for block in blocks(html) if "cd-free" in block] == [
        "cd-free c-2 r-08 s-30 | Free 09:30–17:00 : book a client in with Asha Patel".replace("r-08", "r-8")
    ]
    assert 'data-testid="now-line"><span>Now 09:30</span>' in html
    assert 'class="cd-now r-8"' in html  # 08:00 is row 2, a row per quarter hour
    assert "start_from=09:30" in html


def test_a_later_day_has_gaps_but_no_now_line(as_rita, asha):
    html = as_rita.get(f"/diary/clinic/{days_from_now(1).isoformat()}/").content.decode()
    assert "Free 09:00–17:00" in html
    assert 'data-testid="now-line"' not in html


# The walk-in page ------------------------------------------------------------------------------


def test_opened_from_a_gap_it_asks_which_session_without_calling_it_a_mistake(as_rita, asha, sports):
    html = walk_in_page(as_rita, therapist=asha.pk, date=TODAY.isoformat(), start_from="09:30")
    assert "Book a client in" in html
    assert "Choose the session the client would like." not in html
    assert "Free times" not in html


def test_staff_see_times_inside_the_online_notice_from_the_gaps_start(as_rita, asha, sports):
    # Clients must book two hours ahead (11:30 at the earliest); a walk-in can start at 09:45.
    html = walk_in_page(as_rita, therapist=asha.pk, session_type=sports.pk, date=TODAY.isoformat(), start_from="10:00")
    assert "Free times for a Sports massage with Asha Patel" in html
    assert ">10:00</time>" in html and ">15:45</time>" in html  # the last that ends, with the buffer, by 17:00
    assert ">09:45</time>" not in html  # before the gap the grid opened
    assert "Show the 2 earlier times that day"  # 09:30 (now) and 09:45 in html

    whole_day = walk_in_page(as_rita, therapist=asha.pk, session_type=sports.pk, date=TODAY.isoformat())
    assert ">09:45</time>" in whole_day
    assert ">09:15</time>" not in whole_day  # it has started


def test_a_session_the_therapist_does_not_offer_is_said_and_no_time_shown(as_rita, asha, sports):
    other = make_session_type("Relaxation massage", offered_by_all=False)
    html = walk_in_page(as_rita, therapist=asha.pk, session_type=other.pk, date=TODAY.isoformat())
    assert "Asha Patel does not offer a Relaxation massage" in html
    assert "Free times" not in html


def test_a_past_day_or_nonsense_is_said_on_the_page(as_rita, asha, sports):
    html = walk_in_page(as_rita, therapist=asha.pk, session_type=sports.pk, date=days_from_now(-1).isoformat())
    assert "That day has passed" in html and "Free times" not in html
    assert walk_in_page(as_rita, therapist="x", session_type="9999", date="soon", start_from="25:99")


def test_clients_are_found_by_name_email_or_phone(as_rita, asha, sports, alice):
    make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(days_from_now(-20), "10:00"),
        client_phone="07700 900123",
    )
    for words in ("Alice", "ALICE@example", "07700900123", "+44 7700 900123"):
        html = walk_in_page(as_rita, find=words)
        assert "Book for Alice" in html, words
    assert "No client matches" in walk_in_page(as_rita, find="Zebedee")


def test_a_therapist_finds_only_their_own_clients_and_books_only_themselves(client, asha, bob, sports, alice):
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(days_from_now(-20), "10:00"))
    client.force_login(asha.user)
    html = walk_in_page(client, find="Alice")
    assert "Book for Alice" not in html
    assert "Bob Okafor" not in html  # the therapist picker holds only Asha


def test_clients_and_guests_may_not_open_it(client, alice):
    assert client.get(WALK_IN).status_code == 302  # to the login page
    client.force_login(alice)
    assert client.get(WALK_IN).status_code == 403


def test_the_page_costs_the_same_queries_however_many_clients_match(as_rita, asha, sports, alice):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            walk_in_page(as_rita, therapist=asha.pk, session_type=sports.pk, date=TODAY.isoformat(), find="alice")
        return len(captured)

    make_booking(client=alice, therapist=asha, session_type=sports, start=at(days_from_now(-20), "10:00"))
    queries()  # the first request reads what later ones have cached (the session, permissions)
    few = queries()
    for n in range(15):
        make_booking(
            therapist=asha,
            session_type=sports,
            start=at(days_from_now(-30 - n), "10:00"),
            client_name=f"Alice {n}",
            client_email=f"alice{n}@example.com",
            client_phone="07700 900000",
        )
    assert queries() == few


# From a time to a booking -----------------------------------------------------------------------


def test_a_walk_in_in_ten_minutes_is_booked_with_the_room_chosen_and_consent_through_staff(
    as_rita, asha, sports, alice
):
    first, second = make_room("Room A", suits=[sports]), make_room("Room B", suits=[sports])
    earlier = make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(days_from_now(-20), "10:00"),
        client_phone="07700 900123",
    )
    start = at(TODAY, "09:45")  # fifteen minutes from NOW

    form = as_rita.get(
        details_url(sports), {"therapist": asha.pk, "start": start.isoformat(), "room": first.pk, "client": earlier.pk}
    ).content.decode()
    assert 'value="Alice' in form and 'value="alice@example.com"' in form and 'value="07700 900123"' in form
    about_the_client = second_details_step(as_rita, sports, form_data(asha, start, room=str(first.pk)))
    assert "The first free room (Room A)" in about_the_client and ">Room B</option>" in about_the_client

    response = as_rita.post(
        details_url(sports),
        form_data(asha, start, name="Alice Walker", email="alice@example.com", room=str(second.pk)),
        follow=True,
    )

    booking = Booking.objects.get(booked_by__isnull=False)
    assert (booking.start, booking.room, booking.booked_by.username) == (start, second, "rita")
    assert "Alice Walker is booked in with Asha Patel in Room B." in response.content.decode()
    consent = HealthConsent.objects.get(booking=booking)
    assert consent.given_how == "booking form, filled in by staff for the client"


def test_a_client_cannot_book_inside_the_notice_nor_choose_a_room(client, asha, sports):
    room = make_room("Room A", suits=[sports])
    response = client.post(details_url(sports), form_data(asha, at(TODAY, "09:45"), room=str(room.pk)))
    assert response.status_code == 400
    assert not Booking.objects.exists()
    assert "Room" not in [field.label for field in response.context["form"]]


@pytest.mark.parametrize(
    "trouble, message",
    [
        ("past", "That time has passed."),
        ("over_booking", "Sorry, that time has just been taken."),
        ("not_offered", "does not offer"),
        ("room_closed", "That room is not free then."),
    ],
)
def test_bad_staff_bookings_are_refused_clearly_and_write_nothing(as_rita, asha, bob, sports, alice, trouble, message):
    room = make_room("Room A", suits=[sports])
    spare = make_room("Room B", suits=[sports])
    start, therapist, fields = at(TODAY, "11:00"), asha, {}
    if trouble == "past":
        start = at(TODAY, "09:00")
    elif trouble == "over_booking":
        make_booking(client=alice, therapist=asha, session_type=sports, start=at(TODAY, "10:30"), room=spare)
    elif trouble == "not_offered":
        sports.therapists.remove(bob)
        make_working_hours(bob)
        therapist = bob
    elif trouble == "room_closed":
        RoomClosure.objects.create(room=room, start=at(TODAY, "10:00"), end=at(TODAY, "13:00"))
        fields["room"] = str(room.pk)
    before = Booking.objects.count()

    response = as_rita.post(details_url(sports), form_data(therapist, start, **fields))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Booking.objects.count() == before


def test_a_red_flag_read_out_at_the_desk_stops_the_booking(as_rita, asha, sports):
    response = as_rita.post(
        details_url(sports), form_data(asha, at(TODAY, "11:00"), health_urgent=["chest_or_breathless"])
    )
    assert "get checked" in response.content.decode().lower()
    assert not Booking.objects.exists()


def test_a_second_therapist_joins_the_choices_for_reception(as_rita, asha, sports):
    lena = make_bookable_therapist("lena", display_name="Lena Ortiz")
    sports.therapists.add(lena)
    make_working_hours(lena, [(TODAY.weekday(), dt.time(12), dt.time(14))])
    html = walk_in_page(as_rita, therapist=lena.pk, session_type=sports.pk, date=TODAY.isoformat())
    assert "Lena Ortiz" in html and ">12:00</time>" in html and ">12:45</time>" in html
    assert ">13:00</time>" not in html  # with the clinic's buffer it would end after 14:00
    assert NOW.hour == 9  # the clock these times are read against


def test_the_clinic_day_has_a_button_to_book_a_client_in_on_days_still_to_come(as_rita, asha):
    today = as_rita.get(f"/diary/clinic/{TODAY.isoformat()}/").content.decode()
    assert f'href="/diary/clinic/book/?date={TODAY.isoformat()}">Book a client in</a>' in today
    past = as_rita.get(f"/diary/clinic/{days_from_now(-1).isoformat()}/").content.decode()
    assert ">Book a client in</a>" not in past
