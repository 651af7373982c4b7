"""Roles that cannot be confused: a client stays a client unless an admin adds them as a
therapist; an account that is both keeps its own bookings and its diary; every redirect
after a booking lands on a page the person may open."""

import pytest
from django.urls import reverse

from bookings.models import Booking
from therapists.models import Therapist

from ..clock import at, days_from_now
from ..factories import form_data, give_second_factor, grant_permissions, make_booking, make_user, make_working_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)


def booking_form(therapist, start, **overrides):
    return form_data(therapist, start, **{"name": "Phone Caller", "email": "caller@example.com", **overrides})


@pytest.mark.parametrize("url_name", ["therapists:profile", "therapists:registration"])
def test_a_client_cannot_make_herself_a_therapist_by_saving_a_form(client, alice, sports, url_name):
    client.force_login(alice)

    response = client.post(
        reverse(url_name),
        {
            "display_name": "Alice",
            "session_types": [sports.pk],
            "cnhc_number": "CN 1",
            "disciplines": ["sports_massage"],
        },
    )

    assert response.status_code == 403
    assert "opened by the clinic" in response.content.decode()
    assert not Therapist.objects.filter(user=alice).exists()


def test_a_client_opening_the_therapist_pages_is_told_how_to_join(client, alice):
    client.force_login(alice)

    response = client.get(reverse("therapists:me"))

    assert response.status_code == 403
    assert "ask the clinic's admin" in response.content.decode()


def test_an_admin_adds_an_account_as_a_therapist_awaiting_a_check(admin_client, alice):
    admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "make_therapists", "_selected_action": [alice.pk]}
    )

    therapist = Therapist.objects.get(user=alice)
    assert therapist.registration_status == Therapist.RegistrationStatus.AWAITING_CHECK
    assert not Therapist.objects.bookable(on=days_from_now(1)).filter(pk=therapist.pk).exists()


def test_an_account_that_is_both_sees_its_own_bookings_and_its_diary(client, asha, bob, sports):
    make_working_hours(bob)
    own = make_booking(therapist=bob, client=asha.user, session_type=sports, start=at(TUESDAY, "10:00"))
    client.force_login(asha.user)

    assert "with Bob Okafor" in client.get(reverse("my_bookings")).content.decode()
    assert client.get(reverse("my_booking_manage", args=[own.pk])).status_code == 200
    assert client.get(reverse("diary:week_current")).status_code == 200


def test_a_therapist_booking_herself_in_with_a_colleague_finds_it_under_my_bookings(client, asha, bob, sports):
    make_working_hours(bob)
    client.force_login(asha.user)

    client.post(
        reverse("book_details", args=[sports.pk]),
        booking_form(bob, at(TUESDAY, "10:00"), name="Asha Patel", email="asha@example.com"),
    )

    booking = Booking.objects.get()
    assert booking.booked_by == asha.user
    assert "with Bob Okafor" in client.get(reverse("my_bookings")).content.decode()


def test_a_therapist_booking_a_client_in_with_a_colleague_lands_on_a_page_she_may_open(client, asha, bob, sports):
    make_working_hours(bob)
    client.force_login(asha.user)

    response = client.post(
        reverse("book_details", args=[sports.pk]), booking_form(bob, at(TUESDAY, "10:00")), follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("diary:week_current"))
    assert "Phone Caller is booked in with Bob Okafor" in response.content.decode()


def test_a_therapist_booking_a_client_in_with_herself_lands_on_the_booking(client, asha, sports):
    client.force_login(asha.user)

    response = client.post(reverse("book_details", args=[sports.pk]), booking_form(asha, at(TUESDAY, "10:00")))

    assert response.url == reverse("booking_detail", args=[Booking.objects.get().pk])
    assert client.get(response.url).status_code == 200


def test_reception_booking_a_client_in_lands_on_the_clinic_diary(client, asha, sports):
    from django.contrib.auth.models import Permission

    from ..factories import make_user

    rita = make_user("rita", is_staff=True)
    rita.user_permissions.add(Permission.objects.get(codename="view_clinic_diary"))
    client.force_login(rita)

    response = client.post(
        reverse("book_details", args=[sports.pk]), booking_form(asha, at(TUESDAY, "10:00")), follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("diary:clinic_day", args=[TUESDAY.isoformat()])


def test_holding_the_health_permission_makes_nobody_staff_but_asks_for_a_second_factor(client, asha, sports):
    nina = grant_permissions(make_user("nina", email="nina@example.com"), "view_health_data")
    client.force_login(nina)
    assert client.get(reverse("book_details", args=[sports.pk])).url == reverse("mfa_activate_totp")

    give_second_factor(nina)
    client.post(
        reverse("book_details", args=[sports.pk]),
        booking_form(asha, at(TUESDAY, "10:00"), name="Nina Shah", email="nina@example.com"),
    )

    # She books as a client, for herself: the permission reads records, it does not book for others.
    booking = Booking.objects.get()
    assert (booking.client, booking.booked_by) == (nina, None)
