import datetime as dt

import pytest

from therapists.models import TimeOff

from ..clock import NOW, TODAY, TOMORROW, YESTERDAY, at
from ..factories import make_booking, make_session_type

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "rules"),
    pytest.mark.booking_rules(slot_step_minutes=60),
]


def url(therapist, **query):
    return f"/therapists/{therapist.pk}/slots/?" + "&".join(f"{k}={v}" for k, v in query.items())


def times(page: str) -> list[str]:
    import re

    return re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time>', page)


def test_a_client_sees_the_free_times_for_a_session_on_a_day(client, asha, sports, alice):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TOMORROW, "10:00"))

    page = client.get(url(asha, session_type=sports.pk, date=TOMORROW.isoformat())).content.decode()

    assert "Free times with Asha Patel" in page
    # Asha works 09:00-17:00; starts are an hour apart.
    assert times(page) == ["09:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]


def test_time_off_empties_the_day(client, asha, sports):
    TimeOff.objects.create(
        therapist=asha, start=at(TOMORROW, "00:00"), end=at(TOMORROW + dt.timedelta(days=1), "00:00")
    )

    page = client.get(url(asha, session_type=sports.pk, date=TOMORROW.isoformat())).content.decode()

    assert times(page) == []
    assert "No free times on this day." in page


def test_without_a_query_it_shows_today_for_the_first_session(client, asha, sports):
    page = client.get(f"/therapists/{asha.pk}/slots/").content.decode()

    assert f'value="{TODAY}"' in page
    assert f"{TODAY:%A} {TODAY.day} {TODAY:%B}: Sports massage, 60 minutes" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"date": YESTERDAY.isoformat()}, "Choose today or a later day."),
        ({"date": "not-a-date"}, "Enter a valid date."),
        ({"session_type": "999999"}, "Select a valid choice. 999999 is not one of the available choices."),
        ({"session_type": "abc"}, "Select a valid choice."),
    ],
)
def test_bad_queries_get_a_message_not_an_error(client, asha, sports, query, message):
    response = client.get(url(asha, **query))

    assert response.status_code == 200
    assert message in response.content.decode()


def test_an_unverified_therapist_has_no_slot_page(client, tara, sports):
    assert client.get(url(tara)).status_code == 404


def test_an_inactive_session_type_is_not_offered(client, asha, sports):
    resting = make_session_type("Old session", active=False)

    page = client.get(url(asha, session_type=resting.pk, date=TOMORROW.isoformat())).content.decode()

    assert "Select a valid choice." in page


@pytest.mark.parametrize("bookings", [0, 25])
def test_the_slot_page_query_count_does_not_grow_with_bookings(
    client, asha, sports, alice, bookings, django_assert_num_queries
):
    for n in range(bookings):
        make_booking(
            client=alice, therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=1 + n % 20, hours=n // 20)
        )

    # therapist, session type, rules, rooms, therapists, hours, busy
    with django_assert_num_queries(7):
        client.get(url(asha, session_type=sports.pk, date=TOMORROW.isoformat()))
