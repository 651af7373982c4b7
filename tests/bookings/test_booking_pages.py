import datetime as dt
import re

import pytest
from django.core import signing
from django.urls import reverse

from bookings.messaging import email_content
from bookings.models import Booking, BookingLink, HealthScreen, OutboundEmail
from clinic.emails import render_email

from ..clock import YESTERDAY, at, days_from_now
from ..factories import (
    details_url,
    form_data,
    make_booking,
    make_session_type,
    make_user,
    manage_token,
    second_details_step,
)

# The pages read the time themselves: frozen at NOW, before anyone logs in. The rules keep no
# buffer after a session, so a booking hides only the starts that overlap it.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)  # next Tuesday
WEDNESDAY = TUESDAY + dt.timedelta(days=1)


def slots_url(session_type, **query):
    return reverse("book_slots", args=[session_type.pk]) + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_the_slot_page_shows_the_free_times_of_the_day(client, asha, sports, alice):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))

    response = client.get(slots_url(sports, therapist=asha.pk, date=TUESDAY.isoformat()))

    times = re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time>', response.content.decode())
    # Asha works 09:00-17:00 in 15-minute steps; the 10:00-11:00 booking hides 09:15 to 10:45.
    after_the_booking = [f"{hour:02}:{minute:02}" for hour in range(11, 16) for minute in (0, 15, 30, 45)]
    assert times == ["09:00", *after_the_booking, "16:00"]


@pytest.mark.parametrize(
    "date, message",
    [
        (YESTERDAY.isoformat(), "today or a later day"),
        (days_from_now(61).isoformat(), "up to"),  # the day after the 60-day horizon
        ("soon", "valid date"),
    ],
)
def test_a_bad_day_gets_a_clear_message(client, asha, sports, date, message):
    response = client.get(slots_url(sports, therapist="any", date=date))

    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_slot_page_query_count_does_not_grow_with_bookings(
    client, asha, sports, alice, django_assert_max_num_queries
):
    url = slots_url(sports, therapist="any", date=TUESDAY.isoformat())
    # The strip is a second multi-day search; each search asks for the rooms too.
    with django_assert_max_num_queries(13) as few:
        client.get(url)
    for day in range(1, 28):
        make_booking(
            client=alice, therapist=asha, session_type=sports, start=at(TUESDAY + dt.timedelta(days=day), "09:00")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_guest_books_and_lands_on_the_manage_page(client, asha, sports):
    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00")))

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith("/booking/")
    assert (booking.client, booking.client_email, booking.status) == (
        None,
        "gina@example.com",
        Booking.Status.CONFIRMED,
    )
    assert HealthScreen.objects.get(booking=booking).notes == "Left shin, half marathon in March"
    assert booking.emails.filter(kind=OutboundEmail.Kind.BOOKING_CONFIRMATION).exists()
    page = client.get(response["Location"]).content.decode()
    assert "You&#x27;re booked in" in page
    assert "Tuesday 22 January 2030, 10:00 to 11:00" in page


def test_a_logged_in_client_books_into_my_bookings(client, asha, sports, alice):
    client.force_login(alice)
    client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00"), email="alice@example.com"))

    assert Booking.objects.get().client == alice
    assert "Sports massage with Asha Patel" in client.get(reverse("my_bookings")).content.decode()


def test_my_bookings_shows_only_my_own(client, asha, sports, alice):
    make_booking(client=make_user("charlie"), therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    client.force_login(alice)

    assert "Nothing booked" in client.get(reverse("my_bookings")).content.decode()


def test_a_red_flag_answer_stops_online_booking_kindly(client, asha, sports):
    response = client.post(
        details_url(sports), form_data(asha, at(TUESDAY, "10:00"), health_pain=["rest_or_night_pain"])
    )

    page = response.content.decode()
    assert "Please get checked before a massage" in page
    assert "NHS 111" in page
    assert Booking.objects.count() == HealthScreen.objects.count() == 0


def test_chest_pain_says_call_999(client, asha, sports):
    response = client.post(
        details_url(sports), form_data(asha, at(TUESDAY, "10:00"), health_urgent=["chest_or_breathless"])
    )

    assert 'Call <a class="alert-link" href="tel:999">999</a> now' in response.content.decode()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"email": "gina@"}, "Enter an email address like name@example.com."),
        ({"phone": "call me"}, "Enter a phone number such as"),
        ({"phone": "123"}, "Enter a phone number such as"),
        ({"name": "G" * 5000}, "at most 100 characters"),
        ({"notes": "x" * 5000}, "at most 1000 characters"),
        ({"consent": ""}, "We need your agreement"),
        ({"health_pain": []}, "None of these"),
        ({"health_pain": ["none", "worsening"]}, "cannot go with other answers"),
        ({"health_history": ["made_up"]}, "Select a valid choice"),
        ({"main_problem": "broken_leg"}, "Select a valid choice"),
        ({"preferred_pressure": "11"}, "Select a valid choice"),
        ({"therapist": "1 OR 1=1"}, "Choose a therapist again"),
        ({"idempotency_key": "not-a-uuid"}, "could not be read"),
    ],
)
def test_bad_input_gets_a_clear_message_and_books_nothing(client, asha, sports, overrides, message):
    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00"), **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "tampered",
    [
        f"{TUESDAY}T10:05:00+00:00",  # off the 15-minute grid
        f"{days_from_now(-3)}T10:00:00+00:00",  # past
        "yesterday",
        f"{TUESDAY}T10:00:00+05:00",  # 05:00 in London, before hours
    ],
)
def test_a_tampered_or_past_time_books_nothing(client, asha, sports, tampered):
    response = client.post(details_url(sports), {**form_data(asha, at(TUESDAY, "10:00")), "start": tampered})

    assert response.status_code == 400
    assert Booking.objects.count() == 0


def test_an_unverified_therapist_cannot_be_booked_by_tampering(client, asha, sports):
    asha.registration_status = asha.RegistrationStatus.SUSPENDED
    asha.save()

    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00")))

    assert "cannot be booked" in response.content.decode()
    assert Booking.objects.count() == 0


def test_a_taken_slot_offers_the_nearest_free_times(client, asha, sports, alice):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))

    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00")))

    page = response.content.decode()
    assert "that time has just been taken" in page
    assert re.findall(r'name="start" id="alternative-\d" value="([^"]+)"', page)[:2] == [
        at(TUESDAY, "09:00").isoformat(),
        at(TUESDAY, "11:00").isoformat(),
    ]
    assert Booking.objects.count() == 1


def test_a_form_submitted_twice_books_once(client, asha, sports):
    data = form_data(asha, at(TUESDAY, "10:00"))

    first = client.post(details_url(sports), data)
    second = client.post(details_url(sports), data)

    assert Booking.objects.count() == 1
    # Each answer carries its own link, and both open the one booking.
    assert first["Location"].startswith("/booking/") and second["Location"].startswith("/booking/")
    assert client.get(first["Location"]).status_code == client.get(second["Location"]).status_code == 200


def test_a_replayed_key_with_other_details_gets_no_manage_link_and_a_clear_message(client, asha, sports):
    data = form_data(asha, at(TUESDAY, "10:00"))
    client.post(details_url(sports), data)
    before = (list(Booking.objects.values_list("pk", flat=True)), BookingLink.objects.count())

    response = client.post(details_url(sports), {**data, "start": at(TUESDAY, "12:00").isoformat(), "name": "Mallory"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "This form has already made a booking, with other details" in page
    assert "/booking/" not in page and "Gina" not in page
    assert (list(Booking.objects.values_list("pk", flat=True)), BookingLink.objects.count()) == before
    # The form comes back with a fresh key: sending it again is a second booking, on purpose.
    fresh = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert fresh != data["idempotency_key"]
    again = client.post(
        details_url(sports),
        {**data, "start": at(TUESDAY, "12:00").isoformat(), "name": "Mallory", "idempotency_key": fresh},
    )
    assert again.status_code == 302 and Booking.objects.count() == 2


def test_the_details_page_needs_a_time(client, sports, asha):
    response = client.get(details_url(sports))

    assert response.status_code == 302
    assert response["Location"] == reverse("book_slots", args=[sports.pk])


def test_a_forged_or_altered_manage_link_is_not_found(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    token = manage_token(booking)

    assert client.get(reverse("booking_manage", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("booking_manage", args=["made-up"])).status_code == 404
    assert client.post(reverse("booking_manage", args=["made-up"])).status_code == 404
    assert client.get(reverse("booking_manage", args=[token])).status_code == 200


def test_a_manage_link_says_nothing_about_the_booking_or_the_client(asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    token = manage_token(booking)

    link = BookingLink.objects.get(booking=booking)
    assert len(token) >= 40 and "alice" not in token.lower()
    with pytest.raises(signing.BadSignature):
        signing.loads(token)
    assert link.token_sha256 != token and token not in link.token_sha256  # only its hash is kept


def test_a_manage_link_expires_two_weeks_after_the_session(client, asha, sports, alice, clock):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    token = manage_token(booking)

    clock.move_to(booking.end + dt.timedelta(days=14) - dt.timedelta(seconds=1))
    assert client.get(reverse("booking_manage", args=[token])).status_code == 200
    clock.move_to(booking.end + dt.timedelta(days=14))
    response = client.get(reverse("booking_manage", args=[token]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_cancelling_revokes_the_link_so_a_replay_finds_nothing(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    token = manage_token(booking)
    other = manage_token(booking)
    client.post(reverse("booking_manage", args=[token]))

    for replay in (token, other):
        assert client.get(reverse("booking_manage", args=[replay])).status_code == 404
        assert (
            client.post(reverse("booking_move", args=[replay]), {"start": at(TUESDAY, "12:00").isoformat()}).status_code
            == 404
        )
    booking.refresh_from_db()
    assert (booking.status, booking.start) == (Booking.Status.CANCELLED, at(TUESDAY, "10:00"))


def test_a_logged_in_client_manages_their_own_booking_without_a_link_and_nobody_elses(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    client.force_login(alice)
    assert reverse("my_booking_manage", args=[booking.pk]) in client.get(reverse("my_bookings")).content.decode()
    assert client.get(reverse("my_booking_manage", args=[booking.pk])).status_code == 200

    client.force_login(make_user("dana"))
    assert client.get(reverse("my_booking_manage", args=[booking.pk])).status_code == 404
    assert client.post(reverse("my_booking_manage", args=[booking.pk])).status_code == 404
    assert (
        client.post(
            reverse("my_booking_move", args=[booking.pk]), {"start": at(TUESDAY, "12:00").isoformat()}
        ).status_code
        == 404
    )
    booking.refresh_from_db()
    assert (booking.status, booking.start) == (Booking.Status.CONFIRMED, at(TUESDAY, "10:00"))


def test_cancelling_from_the_link_asks_first_then_cancels_and_says_so(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    url = reverse("booking_manage", args=[manage_token(booking)])

    first = client.get(url).content.decode()
    assert f'href="{url}?cancel=1"' in first and "Yes, cancel" not in first
    confirm = client.get(url + "?cancel=1").content.decode()
    assert "Cancel this booking?" in confirm and "Yes, cancel my booking" in confirm
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    response = client.post(reverse("booking_manage", args=[manage_token(booking)]), follow=True)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not booking.late_cancellation
    assert "Your booking is cancelled" in response.content.decode()


def test_moving_from_the_link_moves_the_booking(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    url = reverse("booking_move", args=[manage_token(booking)])

    page = client.get(url + f"?date={WEDNESDAY}").content.decode()
    assert f'value="{at(WEDNESDAY, "09:00").isoformat()}"' in page
    response = client.post(url, {"start": at(WEDNESDAY, "09:00").isoformat()}, follow=True)

    booking.refresh_from_db()
    assert booking.start == at(WEDNESDAY, "09:00")
    assert "Your booking has moved" in response.content.decode()


def test_moving_to_a_taken_time_says_so_and_changes_nothing(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "11:00"))

    response = client.post(
        reverse("booking_move", args=[manage_token(booking)]), {"start": at(TUESDAY, "11:00").isoformat()}, follow=True
    )

    booking.refresh_from_db()
    assert booking.start == at(TUESDAY, "10:00")
    assert "just been taken" in response.content.decode()


def test_a_therapist_books_on_a_clients_behalf(client, asha, sports):
    client.force_login(asha.user)

    client.post(
        details_url(sports), form_data(asha, at(TUESDAY, "10:00"), name="Phone Caller", email="caller@example.com")
    )

    booking = Booking.objects.get()
    assert (booking.client, booking.booked_by, booking.client_email) == (None, asha.user, "caller@example.com")


def test_the_therapist_sees_the_health_answers_and_accepts_a_review(client, asha, sports):
    client.post(
        details_url(sports),
        form_data(asha, at(TUESDAY, "10:00"), health_history=["pregnant"], doctor_ok="on", pregnancy_trimester="2"),
    )
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.AWAITING_REVIEW
    client.force_login(asha.user)

    page = client.get(reverse("booking_detail", args=[booking.pk])).content.decode()
    assert "You are pregnant" in page
    assert "Left shin, half marathon in March" in page
    client.post(reverse("booking_detail", args=[booking.pk]), {"action": "accept", "letter": "at_session"})

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_health_answers_are_hidden_from_clients_and_other_therapists(client, asha, bob, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    url = reverse("booking_detail", args=[booking.pk])

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(alice)
    assert client.get(url).status_code == 404
    client.force_login(bob.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "cancel", "reason": "mine now"}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_an_admin_cancels_with_a_reason(client, asha, sports, alice, admin_user):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    client.force_login(admin_user)

    for reason in ["  ", "A burst pipe"]:  # none, or words not from the list
        refused = client.post(
            reverse("booking_detail", args=[booking.pk]), {"action": "cancel", "reason": reason}, follow=True
        )
        assert "Choose the reason the client will read." in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    client.post(reverse("booking_detail", args=[booking.pk]), {"action": "cancel", "reason": "clinic_closed"})

    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_reason, booking.cancelled_by) == (
        Booking.Status.CANCELLED,
        "The clinic is closed at that time.",
        admin_user,
    )


def test_the_diary_marks_a_booking_whose_health_answers_need_reading(client, asha, sports):
    client.post(
        details_url(sports), form_data(asha, at(TUESDAY, "10:00"), health_history=["blood_thinners"], doctor_ok="on")
    )
    client.post(details_url(sports), form_data(asha, at(TUESDAY, "11:00")))
    client.force_login(asha.user)

    page = client.get(f"/diary/day/{TUESDAY.isoformat()}/").content.decode()

    assert page.count("Health answers: read before the session") == 1


def test_a_therapist_booking_for_a_client_is_asked_about_the_client_not_themselves(client, asha, sports):
    client.force_login(asha.user)
    data = form_data(asha, at(TUESDAY, "10:00"), name="Phone Caller", email="caller@example.com")
    del data["consent"]

    page = client.post(details_url(sports), data).content.decode()

    assert "The client agrees to the clinic keeping their health answers" in page
    assert "Ask the client for their agreement to keep their health answers, then tick this." in page
    assert "Client&#x27;s mobile number" in page
    assert "Let the therapist advise" in page
    assert "I agree to the clinic keeping my health answers" not in page
    assert not Booking.objects.exists()


def test_a_client_booking_for_themselves_gives_their_own_consent(client, alice, sports, asha):
    client.force_login(alice)

    page = second_details_step(client, sports, form_data(asha, at(TUESDAY, "10:00")))

    assert "I agree to the clinic keeping my health answers" in page
    assert "The client agrees" not in page


def test_the_therapist_sees_each_email_about_the_booking_and_where_it_stands(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    Kind, Status = OutboundEmail.Kind, OutboundEmail.Status

    def email(kind, status, due, **fields):
        OutboundEmail.objects.create(
            booking=booking,
            kind=kind,
            to_email="alice@example.com",
            status=status,
            due_at=at(TUESDAY - dt.timedelta(days=1), due),
            **fields,
        )

    email(Kind.BOOKING_CONFIRMATION, Status.SENT, "08:00", sent_at=at(TUESDAY - dt.timedelta(days=1), "08:01"))
    email(Kind.BOOKING_REMINDER, Status.QUEUED, "10:00")
    email(Kind.BOOKING_MOVED, Status.AWAITING_RETRY, "11:00")
    email(Kind.STAFF_BOOKED, Status.FAILED, "12:00", last_error="550 No such user")
    email(Kind.BOOKING_CANCELLED, Status.CANCELLED, "13:00")
    client.force_login(asha.user)

    page = client.get(reverse("booking_detail", args=[booking.pk])).content.decode()

    assert "Sent 21 Jan 08:01" in page
    assert "Due 21 Jan 10:00" in page
    assert "Waiting to retry at 21 Jan 11:00" in page
    assert "Failed: 550 No such user" in page
    assert "Cancelled" in page


def test_my_bookings_query_count_does_not_grow_with_bookings(
    client, asha, sports, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "09:00"))
    # session, user, staff standing, verified addresses, bookings, aftercare opt-out, menu (therapist?)
    with django_assert_max_num_queries(7) as few:
        assert client.get(reverse("my_bookings")).status_code == 200

    for day in range(1, 30):
        make_booking(
            client=alice, therapist=asha, session_type=sports, start=at(TUESDAY + dt.timedelta(days=day), "09:00")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("my_bookings"))
    assert page.content.decode().count("Sports massage with Asha Patel") == 30


def test_the_booking_page_query_count_does_not_grow_with_its_emails(
    client, asha, sports, alice, django_assert_max_num_queries
):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    client.force_login(asha.user)
    url = reverse("booking_detail", args=[booking.pk])
    with django_assert_max_num_queries(16) as few:  # the page, its health consent, and the progress chart
        assert client.get(url).status_code == 200

    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            booking=booking,
            kind=OutboundEmail.Kind.BOOKING_REMINDER,
            to_email=f"c{n}@example.com",
            due_at=at(TUESDAY, "08:00"),
        )
        for n in range(25)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("<strong>Reminder</strong>") == 25


def test_my_bookings_writes_nothing_and_its_queries_do_not_grow_with_the_bookings(
    client, asha, sports, alice, django_assert_max_num_queries
):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    client.force_login(alice)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("my_bookings"))
    for day in range(1, 15):
        make_booking(
            client=alice, therapist=asha, session_type=sports, start=at(TUESDAY + dt.timedelta(days=day), "09:00")
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("my_bookings")).content.decode()

    assert page.count("/my-bookings/") >= 15
    assert not BookingLink.objects.exists()  # no link is minted to show a page


def test_only_therapists_offering_the_session_are_listed_for_it(client, asha, bob, sports):
    relaxation = make_session_type("Relaxation massage", offered_by_all=False)
    relaxation.therapists.set([bob])

    sports_page = client.get(slots_url(sports)).content.decode()
    relaxation_page = client.get(slots_url(relaxation)).content.decode()

    assert ">Asha Patel</option>" in sports_page and ">Bob Okafor</option>" in sports_page
    assert ">Asha Patel</option>" not in relaxation_page and ">Bob Okafor</option>" in relaxation_page
    refused = client.get(slots_url(relaxation, therapist=asha.pk)).content.decode()
    assert "Select a valid choice." in refused


def test_a_therapists_page_offers_only_their_sessions(client, asha, sports):
    relaxation = make_session_type("Relaxation massage", offered_by_all=False)

    page = client.get(reverse("therapist_slots", args=[asha.pk])).content.decode()
    not_theirs = client.get(reverse("therapist_slots", args=[asha.pk]) + f"?session_type={relaxation.pk}")

    assert "Sports massage (60 min" in page and "Relaxation massage" not in page
    assert "Select a valid choice." in not_theirs.content.decode()
    asha.session_types.clear()
    assert (
        "is not taking online bookings at the moment"
        in client.get(reverse("therapist_slots", args=[asha.pk])).content.decode()
    )


def test_a_booking_whose_session_is_no_longer_offered_cannot_move_online(client, asha, sports, alice):
    booking = make_booking(client=alice, therapist=asha, session_type=sports, start=at(TUESDAY, "10:00"))
    asha.session_types.clear()
    url = reverse("booking_move", args=[manage_token(booking)])

    page = client.get(url).content.decode()
    moved = client.post(url, {"start": at(TUESDAY, "11:00").isoformat()}, follow=True).content.decode()

    assert "Asha Patel no longer offers sports massage" in page
    assert "Asha Patel does not offer sports massage" in moved
    booking.refresh_from_db()
    assert booking.start == at(TUESDAY, "10:00")


def test_a_refused_time_that_was_never_offered_says_why_on_the_page(client, asha, sports):
    response = client.post(details_url(sports), form_data(asha, at(TUESDAY, "07:00")))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Asha Patel is not working at that time." in page
    assert "just been taken" not in page
    assert "The nearest free times" in page
    assert not Booking.objects.exists()


def test_a_decline_sends_our_words_for_the_chosen_reason_and_nothing_typed(client, asha, sports, alice):
    booking = make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(TUESDAY, "10:00"),
        status=Booking.Status.AWAITING_REVIEW,
    )
    client.force_login(asha.user)
    page = client.get(reverse("booking_detail", args=[booking.pk])).content.decode()
    assert '<select class="form-select mb-1" id="reason" name="reason" required' in page
    assert "in the clinic's own words, which name no health matter" in page
    assert 'name="words"' not in page  # nowhere to type what the client would read
    # What the client will read, for each reason.
    assert "<dt>Not suitable: talk first</dt><dd>&ldquo;This session is not suitable as booked;" in page

    # Words posted anyway (an old form, a crafted request) go nowhere near the client.
    note = "She is 10 weeks pregnant: first trimester, so not until week 14"
    client.post(
        reverse("booking_detail", args=[booking.pk]),
        {"action": "cancel", "reason": "talk_first", "words": note, "note": note},
    )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    said = "This session is not suitable as booked; please call us to talk it through."
    assert booking.cancellation_reason == said
    email = booking.emails.get(kind=OutboundEmail.Kind.BOOKING_CANCELLED)
    subject, text, html = render_email(email.kind, email_content.email_context(email))
    assert said in text and said in html
    for part in (subject, text, html):
        assert "pregnant" not in part and "trimester" not in part
