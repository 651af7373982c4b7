"""Diaries are private: only their own therapist gets in; everyone else sees 'not found'."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/diary/", "/diary/week/2026-11-23/", "/diary/day/2026-11-23/", "/diary/hours/", "/diary/time-off/", "/diary/calendar/"]


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
    client.force_login(alice)

    assert client.post("/diary/hours/", {}).status_code == 404
    assert client.post("/diary/time-off/", {}).status_code == 404
    assert client.post("/diary/calendar/").status_code == 404
    asha.refresh_from_db()
    assert asha.feed_token == ""
    assert not asha.working_hours.exists()
