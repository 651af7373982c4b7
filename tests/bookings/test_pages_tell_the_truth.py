"""Pages that never contradict themselves: "Next available" on the booking page always names
the first day after the one shown that has free times, the same day the sentence under it
names, never a day before it; the page after booking says what the booking's status says, and
gives what a client needs next (the calendar file, price, room, address and map)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from bookings.models import Booking
from clinic.models import Clinic
from clinic.selectors import clinic_forget

from ..clock import at, days_from_now, london
from ..factories import details_url, form_data, make_booking, make_room, make_user, make_working_hours, manage_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

FRIDAY = dt.date(2030, 1, 18)  # two days after NOW, a Wednesday
SATURDAY = FRIDAY + dt.timedelta(days=1)
MONDAY = FRIDAY + dt.timedelta(days=3)


@pytest.fixture
def friday_morning(clock):
    clock.move_to(london(2030, 1, 18, 8, 0))


@pytest.fixture
def bob_mondays_and_fridays(bob, sports):
    make_working_hours(bob, hours=[(0, dt.time(10), dt.time(17)), (4, dt.time(10), dt.time(17))])
    bob.session_types.add(sports)
    return bob


def slot_page(client, sports, therapist, day: dt.date) -> str:
    url = reverse("book_slots", args=[sports.pk]) + f"?therapist={therapist}&date={day.isoformat()}"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_saturday_with_no_times_points_on_to_monday_not_back_to_today(
    client, friday_morning, bob_mondays_and_fridays, sports
):
    html = slot_page(client, sports, bob_mondays_and_fridays.pk, SATURDAY)

    assert f'date={MONDAY.isoformat()}">Next available: Mon 21 Jan</a>' in html
    assert (
        f'The next free times are on <a href="?therapist={bob_mondays_and_fridays.pk}&amp;date={MONDAY.isoformat()}">Monday 21 January</a>'
        in html
    )
    assert "Next available: Fri 18 Jan" not in html


@pytest.mark.parametrize("therapist", ["bob", "any"])
def test_a_day_with_times_points_to_the_next_day_after_it(
    client, friday_morning, bob_mondays_and_fridays, sports, therapist
):
    value = bob_mondays_and_fridays.pk if therapist == "bob" else "any"

    html = slot_page(client, sports, value, FRIDAY)

    assert "Free times on Friday 18 January" in html
    assert "Next available: Mon 21 Jan" in html


def test_the_next_day_is_found_beyond_the_strip_when_its_later_days_have_none(
    client, friday_morning, bob_mondays_and_fridays, sports
):
    thursday = FRIDAY + dt.timedelta(days=6)  # the last day of the strip that starts today

    html = slot_page(client, sports, bob_mondays_and_fridays.pk, thursday)

    assert "Next available: Fri 25 Jan" in html
    assert "The next free times are on" in html and "Friday 25 January</a>" in html
    assert "Next available: Mon 21 Jan" not in html


def test_nothing_after_the_day_shown_says_so_without_pointing_back(client, friday_morning, bob, sports):
    make_working_hours(bob, hours=[(4, dt.time(10), dt.time(17))])
    bob.session_types.add(sports)
    bob.registration_expires_on = SATURDAY  # nothing can be booked with him after that
    bob.save(update_fields=["registration_expires_on"])

    html = slot_page(client, sports, bob.pk, FRIDAY)

    assert "Next available" not in html
    assert "No later free times up to" in html


# The page after booking --------------------------------------------------------------------

TUESDAY = days_from_now(6)
PREGNANT = {"health_history": ["pregnant"], "doctor_ok": "on", "pregnancy_trimester": "2"}


def booked_page(client, therapist, session_type, **answers) -> tuple[Booking, str]:
    """Books through the form as Gina Guest and follows it to the page after booking."""
    response = client.post(details_url(session_type), form_data(therapist, at(TUESDAY, "10:00"), **answers))
    assert response.status_code == 302
    return Booking.objects.get(), client.get(response["Location"]).content.decode()


def test_a_confirmed_booking_says_booked_in_and_gives_what_comes_next(client, rules, asha, sports):
    Clinic.objects.filter(pk=Clinic.SINGLETON_PK).update(
        street_address="4 Mill Lane", town="Leeds", postcode="LS1 4AB", map_url="https://maps.example/clinic"
    )
    clinic_forget()

    booking, html = booked_page(client, asha, sports)

    assert booking.status == Booking.Status.CONFIRMED
    assert "You&#x27;re booked in. We&#x27;ve emailed your confirmation." in html
    assert '<h1 class="h2 mb-3">Your booking</h1>' in html
    assert f"<dt>Price</dt><dd>£{sports.price}</dd>" in html
    assert "4 Mill Lane<br>Leeds<br>LS1 4AB" in html
    assert '<a href="https://maps.example/clinic" rel="noopener">Find us on a map' in html
    assert "<dt>Room</dt>" not in html  # the clinic keeps no rooms yet
    page = re.search(r'href="(/booking/[\w-]+/)move/">Change the time', html)
    assert page, "a Change the time link through the page's own token"
    assert f'<a class="btn btn-primary w-100 mb-3" href="{page[1]}booking.ics" download>Add to calendar' in html
    # Changing and cancelling are there, but neither is the strongest button.
    assert f'class="btn btn-outline-primary w-100 mb-3" href="{page[1]}move/">Change the time' in html
    assert 'class="btn btn-outline-danger w-100"' in html
    assert html.count("btn btn-primary") == 1


def test_a_booking_awaiting_review_is_never_called_booked(client, rules, asha, sports):
    booking, html = booked_page(client, asha, sports, **PREGNANT)

    assert booking.status == Booking.Status.AWAITING_REVIEW
    assert "booked in" not in html
    assert "We have your booking request. It is not confirmed yet" in html
    assert '<h1 class="h2 mb-3">Your booking request</h1>' in html
    assert "Not confirmed yet. Your therapist will look at your health answers" in html
    assert "<strong>Awaiting therapist review</strong>" in html
    assert "Add to calendar" in html  # marked tentative in the file, below


def test_staff_booking_a_request_on_behalf_are_not_told_it_is_booked(client, rules, asha, sports):
    client.force_login(asha.user)

    response = client.post(
        details_url(sports), form_data(asha, at(TUESDAY, "10:00"), name="Phone Caller", **PREGNANT), follow=True
    )

    html = response.content.decode()
    assert Booking.objects.get().status == Booking.Status.AWAITING_REVIEW
    assert "Phone Caller&#x27;s request with Asha Patel awaits the therapist&#x27;s review." in html
    assert "is booked in" not in html


def test_the_room_is_shown_when_the_booking_has_one(client, rules, asha, sports):
    make_room("Room 2", suits=[sports])

    booking, html = booked_page(client, asha, sports)

    assert booking.room.name == "Room 2"
    assert "<dt>Room</dt><dd>Room 2</dd>" in html


def test_no_map_link_without_a_map_address(client, rules, asha, sports):
    Clinic.objects.filter(pk=Clinic.SINGLETON_PK).update(map_url="")
    clinic_forget()

    _, html = booked_page(client, asha, sports)

    assert "Find us on a map" not in html
    assert "<dt>Where</dt>" in html


def test_a_cancelled_booking_offers_no_calendar_file_or_change(client, rules, alice, asha, sports):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    url = reverse("booking_manage", args=[manage_token(booking)])
    html = client.get(url).content.decode()
    assert "Add to calendar" in html

    html = client.post(url).content.decode()

    assert '<h1 class="h2 mb-3">Your cancelled booking</h1>' in html
    assert "Add to calendar" not in html
    assert "Change the time" not in html


def test_the_calendar_file_is_the_booking_as_a_plain_event(client, rules, asha, sports):
    booking, _ = booked_page(client, asha, sports, **PREGNANT)

    response = client.get(reverse("booking_ics", args=[manage_token(booking)]))

    body = response.content.decode()
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="booking-2030-01-22.ics"'
    assert f"UID:booking-{booking.pk}@" in body  # the emails' UID: their later changes update it
    assert "SUMMARY:Sports massage with Asha Patel" in body
    assert "DTSTART;TZID=Europe/London:20300122T100000" in body
    assert "STATUS:TENTATIVE" in body
    # Not an invitation to answer: a download is the client's own event.
    assert "METHOD:" not in body


def test_the_calendar_file_needs_a_good_link_or_the_bookings_owner(client, rules, alice, asha, sports):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))

    assert client.get(reverse("booking_ics", args=["made-up"])).status_code == 404
    client.force_login(make_user("charlie"))
    assert client.get(reverse("my_booking_ics", args=[booking.pk])).status_code == 404
    client.force_login(alice)
    response = client.get(reverse("my_booking_ics", args=[booking.pk]))
    assert response.status_code == 200
    assert "SUMMARY:Sports massage with Asha Patel" in response.content.decode()
    assert (
        f'href="/my-bookings/{booking.pk}/booking.ics" download>Add to calendar'
        in client.get(reverse("my_booking_manage", args=[booking.pk])).content.decode()
    )
