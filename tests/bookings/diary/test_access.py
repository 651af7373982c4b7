"""Diaries are private: only their own therapist gets in; everyone else sees 'not found'."""

import datetime as dt

import pytest

from therapists.models import TimeOff, WorkingHours

from ...clock import NOW, TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

PAGES = [
    "/diary/",
    f"/diary/week/{TODAY}/",
    f"/diary/day/{TODAY}/",
    "/diary/hours/",
    "/diary/time-off/",
    "/diary/calendar/",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_visitor_is_asked_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
def test_a_client_cannot_see_any_diary(client, alice, url):
    client.force_login(alice)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_a_staff_member_without_a_diary_gets_not_found_rather_than_an_error(client, admin_user, url):
    client.force_login(admin_user)

    assert client.get(url).status_code == 404


def test_a_therapist_sees_the_diary_link_and_a_client_does_not(client, asha, alice):
    client.force_login(asha.user)
    assert 'href="/diary/"' in client.get("/").content.decode()

    client.force_login(alice)
    assert 'href="/diary/"' not in client.get("/").content.decode()


def test_writes_by_a_client_are_refused_and_change_nothing(client, alice, asha):
    hours = list(asha.working_hours.values_list("weekday", "start_time", "end_time"))
    client.force_login(alice)

    assert client.post("/diary/hours/", {}).status_code == 404
    assert client.post("/diary/time-off/", {}).status_code == 404
    assert client.post("/diary/calendar/").status_code == 404
    asha.refresh_from_db()
    assert asha.feed_token == ""
    assert list(asha.working_hours.values_list("weekday", "start_time", "end_time")) == hours
    assert not asha.time_off.exists()


@pytest.mark.parametrize("rows", [1, 15])
def test_the_hours_and_time_off_pages_take_the_same_queries_however_full(
    as_asha, asha, rows, django_assert_num_queries
):
    for n in range(rows):
        WorkingHours.objects.create(
            therapist=asha, weekday=n % 7, start_time=dt.time(n % 20), end_time=dt.time(n % 20, 30)
        )
        start = NOW + dt.timedelta(days=n + 1)
        TimeOff.objects.create(therapist=asha, start=start, end=start + dt.timedelta(hours=1))

    with django_assert_num_queries(5):  # session, user, staff standing, therapist, hours
        as_asha.get("/diary/hours/")
    with django_assert_num_queries(5):  # session, user, staff standing, therapist, time off
        as_asha.get("/diary/time-off/")
