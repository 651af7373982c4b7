import datetime as dt

import pytest

from bookings.models import BookingRules
from clinic.london import wall_clock_to_utc
from therapists.models import TimeOff, WorkingHours

from ..factories import make_bookable_therapist, make_booking, make_session_type, make_therapist

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # Monday
TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def asha(db):
    therapist = make_bookable_therapist("asha", display_name="Asha Patel")
    WorkingHours.objects.create(therapist=therapist, weekday=1, start_time=dt.time(9), end_time=dt.time(12))
    return therapist


@pytest.fixture
def sports(db):
    rules = BookingRules.load()
    rules.buffer_minutes = 0
    rules.slot_step_minutes = 30
    rules.save()
    return make_session_type("Sports massage", duration_minutes=60)


def url(therapist, **query):
    return f"/therapists/{therapist.pk}/slots/?" + "&".join(f"{k}={v}" for k, v in query.items())


def times(page: str) -> list[str]:
    import re

    return re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time>', page)


def test_a_client_sees_the_free_times_for_a_session_on_a_day(client, asha, sports, alice):
    make_booking(client=alice, therapist=asha, session_type=sports, start=wall_clock_to_utc(TUESDAY, dt.time(10)))

    page = client.get(url(asha, session_type=sports.pk, date=TUESDAY.isoformat())).content.decode()

    assert "Free times with Asha Patel" in page
    assert times(page) == ["09:00", "11:00"]


def test_time_off_empties_the_day(client, asha, sports):
    TimeOff.objects.create(
        therapist=asha,
        start=wall_clock_to_utc(TUESDAY, dt.time()),
        end=wall_clock_to_utc(TUESDAY + dt.timedelta(days=1), dt.time()),
    )

    page = client.get(url(asha, session_type=sports.pk, date=TUESDAY.isoformat())).content.decode()

    assert times(page) == []
    assert "No free times on this day." in page


def test_without_a_query_it_shows_today_for_the_first_session(client, asha, sports):
    page = client.get(f"/therapists/{asha.pk}/slots/").content.decode()

    assert 'value="2026-11-23"' in page
    assert "Monday 23 November: Sports massage, 60 minutes" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"date": "2026-11-01"}, "Choose today or a later day."),
        ({"date": "not-a-date"}, "Enter a valid date."),
        ({"session_type": "999999"}, "Select a valid choice. 999999 is not one of the available choices."),
        ({"session_type": "abc"}, "Select a valid choice."),
    ],
)
def test_bad_queries_get_a_message_not_an_error(client, asha, sports, query, message):
    response = client.get(url(asha, **query))

    assert response.status_code == 200
    assert message in response.content.decode()


def test_an_unverified_therapist_has_no_slot_page(client, sports):
    waiting = make_therapist("waiting")

    assert client.get(url(waiting)).status_code == 404


def test_an_inactive_session_type_is_not_offered(client, asha, sports):
    resting = make_session_type("Old session", active=False)

    page = client.get(url(asha, session_type=resting.pk, date=TUESDAY.isoformat())).content.decode()

    assert "Select a valid choice." in page


@pytest.mark.parametrize("bookings", [0, 25])
def test_the_slot_page_query_count_does_not_grow_with_bookings(
    client, asha, sports, alice, bookings, django_assert_num_queries
):
    for n in range(bookings):
        make_booking(
            client=alice, therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=1 + n % 20, hours=n // 20)
        )

    # therapist, session type, rules, therapists, hours, busy
    with django_assert_num_queries(6):
        client.get(url(asha, session_type=sports.pk, date=TUESDAY.isoformat()))
