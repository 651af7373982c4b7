"""Clients under 18: a date of birth at booking; under 16, a parent or guardian's name and
agreement, recorded, and shown to the therapist; the record kept until the client is 25 when
that is later than the clinic's years after the last session."""

import datetime as dt
import uuid

import pytest

from bookings.clinical import minors
from bookings.models import Booking, HealthScreen
from bookings.privacy.retention import years_after
from bookings.services import booking as booking_services
from bookings.services.booking_writes import ClientDetails, HealthAnswers
from bookings.tasks import erase_expired_records_daily

from ..clock import TODAY, at, days_from_now
from ..factories import details_url, form_data, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY = days_from_now(6)


def born_years_before_tuesday(years: int, days: int = 0) -> dt.date:
    return years_after(TUESDAY, -years) + dt.timedelta(days=days)


def post(client, asha, sports, **fields):
    return client.post(details_url(sports), form_data(asha, at(TUESDAY, "10:00"), **fields))


def test_a_seventeen_year_old_books_with_their_date_of_birth_and_no_guardian(client, asha, sports):
    born = born_years_before_tuesday(17)
    post(client, asha, sports, adult="no", date_of_birth=born.isoformat(), guardian_name="Someone")

    screen = HealthScreen.objects.get()
    assert (screen.date_of_birth, screen.guardian_name, screen.guardian_consent) == (born, "", False)


def test_under_16_needs_a_parent_or_guardians_name_and_agreement(client, asha, sports):
    born = born_years_before_tuesday(16, days=1)  # 16 the day after the session
    response = post(client, asha, sports, adult="no", date_of_birth=born.isoformat())

    assert response.status_code == 400
    page = response.content.decode()
    assert "Under 16: enter the name of the parent or guardian." in page
    assert "Under 16: a parent or guardian must agree and come to the session." in page
    assert not Booking.objects.exists()

    post(
        client,
        asha,
        sports,
        adult="no",
        date_of_birth=born.isoformat(),
        guardian_name="Dana Guest",
        guardian_consent="on",
    )
    screen = HealthScreen.objects.get()
    assert (screen.guardian_name, screen.guardian_consent) == ("Dana Guest", True)


def test_the_therapist_sees_the_age_and_the_guardian(client, asha, sports):
    born = born_years_before_tuesday(14)
    post(
        client,
        asha,
        sports,
        adult="no",
        date_of_birth=born.isoformat(),
        guardian_name="Dana Guest",
        guardian_consent="on",
    )
    client.force_login(asha.user)

    page = client.get(f"/bookings/{Booking.objects.get().pk}/").content.decode()

    assert f"Born {born:%-d %B %Y}; under 16: Dana Guest (parent or guardian) agreed and comes to the session" in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"adult": "no", "date_of_birth": ""}, "date_of_birth", "Enter the date of birth of a client under 18."),
        ({"adult": "no", "date_of_birth": "2099-01-01"}, "date_of_birth", "A date of birth must be in the past."),
        (
            {"adult": "no", "date_of_birth": "1890-05-01"},
            "date_of_birth",
            "Check the year: that is more than 120 years",
        ),
        ({"adult": "no", "date_of_birth": "soon"}, "date_of_birth", "Enter your date of birth as a date"),
        ({"adult": "no", "date_of_birth": "1990-05-01"}, "adult", "That date of birth is 18 or over on the day"),
        ({"adult": ""}, "adult", "Say whether you are 18 or over."),
    ],
)
def test_a_date_of_birth_that_cannot_be_right_is_refused_and_nothing_is_booked(
    client, asha, sports, fields, field, message
):
    response = post(client, asha, sports, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'href="#id_{field}' in response.content.decode()
    assert not Booking.objects.exists()


def test_an_adults_date_of_birth_is_not_kept(client, asha, sports):
    post(client, asha, sports, adult="yes", date_of_birth="2015-01-01", guardian_name="Dana")
    screen = HealthScreen.objects.get()
    assert (screen.date_of_birth, screen.guardian_name) == (None, "")


def test_the_service_refuses_an_under_16_without_a_guardian_whatever_the_form_said(asha, sports):
    answers = HealthAnswers(
        answered_yes=(),
        main_problem="shin_splints",
        preferred_pressure=None,
        notes="",
        consent=True,
        date_of_birth=born_years_before_tuesday(12),
    )
    with pytest.raises(booking_services.BookingError, match="parent or guardian"):
        booking_services.booking_create(
            session_type_id=sports.pk,
            therapist_id=asha.pk,
            start=at(TUESDAY, "10:00"),
            details=ClientDetails(name="Kim", email="kim@example.com", phone="07700 900456"),
            answers=answers,
            idempotency_key=uuid.uuid4(),
        )
    assert not Booking.objects.exists()


def test_a_minors_record_is_kept_until_they_are_25_when_that_is_later(clock, alice, asha, sports):
    last_session = days_from_now(-30)
    born = years_after(last_session, -10)  # ten at the session: 25 seven years after the clinic's 8
    minor = make_booking(
        client=alice, therapist=asha, session_type=sports, start=at(last_session, "10:00"), status="attended"
    )
    HealthScreen.objects.create(
        booking=minor, main_problem="knee_pain", consent_given_at=minor.start, date_of_birth=born
    )

    clock.move_to(at(years_after(last_session, 8), "03:30"))
    erase_expired_records_daily()
    assert HealthScreen.objects.filter(booking=minor).exists()  # 18 then: kept

    clock.move_to(at(minors.birthday(born, 25) - dt.timedelta(days=1), "03:30"))
    erase_expired_records_daily()
    assert HealthScreen.objects.filter(booking=minor).exists()

    clock.move_to(at(minors.birthday(born, 25), "03:30"))
    erase_expired_records_daily()
    assert not HealthScreen.objects.filter(booking=minor).exists()


def test_a_guests_minor_record_is_kept_until_they_are_25_too(clock, asha, sports):
    last_session = days_from_now(-30)
    born = years_after(last_session, -12)
    guest = make_booking(
        therapist=asha,
        session_type=sports,
        start=at(last_session, "10:00"),
        status="attended",
        client_name="Kim Guest",
        client_email="kim@example.com",
    )
    HealthScreen.objects.create(
        booking=guest, main_problem="knee_pain", consent_given_at=guest.start, date_of_birth=born
    )

    clock.move_to(at(years_after(last_session, 8) + dt.timedelta(days=1), "03:30"))
    erase_expired_records_daily()
    assert HealthScreen.objects.filter(booking=guest).exists()

    clock.move_to(at(minors.birthday(born, 25), "03:30"))
    erase_expired_records_daily()
    assert not HealthScreen.objects.filter(booking=guest).exists()


def test_ages_count_whole_years_and_29_february():
    assert minors.age_on(dt.date(2012, 2, 29), dt.date(2028, 2, 28)) == 15
    assert minors.age_on(dt.date(2012, 2, 29), dt.date(2028, 2, 29)) == 16
    assert minors.birthday(dt.date(2012, 2, 29), 25) == dt.date(2037, 2, 28)
    assert not minors.needs_guardian(None, TODAY)
