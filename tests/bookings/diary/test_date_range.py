"""Every diary page that takes a day in its URL keeps to the diary's years: a day typed at the
calendar's ends (year 0001 or 9999, which overflow as soon as the day is turned into UTC or a
week is added) sends the reader to the diary's current page with a message, never a 500.
The diary's own first and last days still show."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from ...factories import grant_clinic_diary, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

FAR_DAYS = ["9999-12-31", "0001-01-01"]

# (the URL with a day in it, where an out-of-range day lands, the page named in the message)
THERAPIST_PAGES = [
    ("/diary/day/{}/", "diary:week_current", "this week"),
    ("/diary/week/{}/", "diary:week_current", "this week"),
]
CLINIC_PAGES = [
    ("/diary/clinic/{}/", "diary:clinic_today", "today"),
    ("/diary/clinic/week/{}/", "diary:clinic_week_current", "this week"),
]


@pytest.fixture
def as_rita(client):
    """Reception: staff with the clinic diary permission."""
    client.force_login(grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita")))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def lands_on_the_current_page(client, url: str, landing: str, instead: str, day: str) -> None:
    response = client.get(url.format(day))

    assert response.status_code == 302
    assert response.url == reverse(landing)
    assert messages_of(response) == [
        f"The diary covers 1 January 2000 to 31 December 2099: {day} is outside it. Here is {instead}."
    ]
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("day", FAR_DAYS)
@pytest.mark.parametrize(("url", "landing", "instead"), THERAPIST_PAGES)
def test_asha_typing_a_day_at_the_ends_of_the_calendar_lands_on_this_week(as_asha, url, landing, instead, day):
    lands_on_the_current_page(as_asha, url, landing, instead, day)


@pytest.mark.parametrize("day", FAR_DAYS)
@pytest.mark.parametrize(("url", "landing", "instead"), CLINIC_PAGES)
def test_reception_typing_a_day_at_the_ends_of_the_calendar_lands_on_the_clinic_diary(
    as_rita, url, landing, instead, day
):
    lands_on_the_current_page(as_rita, url, landing, instead, day)


@pytest.mark.parametrize(("url", "landing", "instead"), CLINIC_PAGES)
def test_the_clinic_diarys_first_and_last_days_still_show(as_rita, url, landing, instead):
    for day in ("2000-01-01", "2099-12-31"):
        assert as_rita.get(url.format(day)).status_code == 200


@pytest.mark.parametrize(("url", "landing", "instead"), THERAPIST_PAGES)
def test_the_diarys_first_and_last_days_still_show_to_asha(as_asha, url, landing, instead):
    for day in ("2000-01-01", "2099-12-31"):
        assert as_asha.get(url.format(day)).status_code == 200


NOT_DAYS = ["2025-02-30", "99999-01-01", "yesterday"]


@pytest.mark.parametrize(("url", "landing", "instead"), THERAPIST_PAGES)
def test_a_day_that_does_not_exist_is_not_found_in_ashas_diary(as_asha, url, landing, instead):
    for day in NOT_DAYS:
        assert as_asha.get(url.format(day)).status_code == 404


@pytest.mark.parametrize(("url", "landing", "instead"), CLINIC_PAGES)
def test_a_day_that_does_not_exist_is_not_found_in_the_clinic_diary(as_rita, url, landing, instead):
    for day in NOT_DAYS:
        assert as_rita.get(url.format(day)).status_code == 404


@pytest.mark.parametrize("day", FAR_DAYS)
def test_someone_without_the_clinic_diary_is_refused_before_the_day_is_read(as_asha, day):
    assert as_asha.get(f"/diary/clinic/{day}/").status_code == 403
