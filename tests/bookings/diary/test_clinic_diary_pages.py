"""A clinic with more therapists than a page shows: the clinic week and the clinic day by
therapist show THERAPISTS_PER_PAGE at a time, in name order, with the way to the others; the
week's daily totals still count the whole clinic; a page past the end shows the last."""

import re

import pytest
from django.urls import reverse

from bookings.diary.clinic_wide import THERAPISTS_PER_PAGE
from bookings.models import Booking

from ...clock import days_from_now
from ...factories import crowd, grant_clinic_diary, grant_permissions, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

DAY = days_from_now(6)  # crowd()'s busy day


@pytest.fixture
def as_rita(client, sports):
    client.force_login(grant_clinic_diary(make_user("rita", is_staff=True)))
    crowd("t", THERAPISTS_PER_PAGE + 3, 0, 1, sports)
    return client


def week_rows(client, query="") -> tuple[list[str], str]:
    html = client.get(f"/diary/clinic/week/{DAY.isoformat()}/{query}").content.decode()
    return re.findall(r'<th scope="row">([^<]+)</th>', html), html


def test_the_week_shows_a_page_of_therapists_and_counts_the_whole_clinic(as_rita):
    names, html = week_rows(as_rita)

    assert len(names) == THERAPISTS_PER_PAGE + 1  # and the "Sessions" row
    assert f"Therapists 1–{THERAPISTS_PER_PAGE} of {THERAPISTS_PER_PAGE + 3}" in html
    assert 'href="?page=2"' in html
    totals = re.search(r'<th scope="row">Sessions</th>(.*?)</tr>', html, re.S).group(1)
    assert str(THERAPISTS_PER_PAGE + 3) in re.findall(r"<td>(\d+)</td>", totals)

    later, html = week_rows(as_rita, "?page=2")
    assert len(later) == 3 + 1
    assert not set(later[:-1]) & set(names[:-1])
    assert 'href="?page=1"' in html


@pytest.mark.parametrize("page", ["99", "nonsense", "-1"])
def test_a_page_that_is_not_there_shows_one_that_is(as_rita, page):
    names, _ = week_rows(as_rita, f"?page={page}")

    assert len(names) in (THERAPISTS_PER_PAGE + 1, 3 + 1)


def test_the_day_by_therapist_shows_a_page_of_columns_and_their_bookings_only(as_rita):
    first = as_rita.get(f"/diary/clinic/{DAY.isoformat()}/?by=therapist").content.decode()
    second = as_rita.get(f"/diary/clinic/{DAY.isoformat()}/?by=therapist&page=2").content.decode()

    assert f"Therapists 1–{THERAPISTS_PER_PAGE} of {THERAPISTS_PER_PAGE + 3}" in first
    assert 'href="?by=therapist&amp;page=2"' in first
    assert f"Therapists {THERAPISTS_PER_PAGE + 1}–{THERAPISTS_PER_PAGE + 3} of" in second
    # The list of bookings under the grid follows the page: one booking per therapist shown.
    assert first.count('id="booking-') == THERAPISTS_PER_PAGE
    assert second.count('id="booking-') == 3


def test_the_day_by_room_is_not_paged(as_rita):
    html = as_rita.get(f"/diary/clinic/{DAY.isoformat()}/?by=room").content.decode()

    assert "Pages of therapists" not in html
    assert html.count('id="booking-') == THERAPISTS_PER_PAGE + 3


def test_a_later_page_offers_no_room_another_pages_booking_holds(client, sports):
    """The rooms a booking could move to are free of every booking that day, not only of those
    on the page shown: the first therapists hold both rooms at 09:00 on page 1, so nobody on
    page 2 is offered either for their 09:00."""
    client.force_login(grant_clinic_diary(make_user("rita", is_staff=True)))
    crowd("t", THERAPISTS_PER_PAGE + 3, 2, 1, sports)
    first = client.get(f"/diary/clinic/{DAY.isoformat()}/?by=therapist").content.decode()
    second = client.get(f"/diary/clinic/{DAY.isoformat()}/?by=therapist&page=2").content.decode()

    assert "t room 0" in first and "t room 1" in first  # page 1's 09:00 bookings hold them
    assert 'id="booking-' in second
    assert "Move to room" not in second  # both rooms are taken at 09:00, whichever page shows it


def test_each_booking_links_to_its_own_page_for_staff_who_may_read_health_data(client, sports):
    client.force_login(grant_permissions(grant_clinic_diary(make_user("hana", is_staff=True)), "view_health_data"))
    crowd("t", 3, 0, 1, sports)

    page = client.get(f"/diary/clinic/{DAY.isoformat()}/?by=therapist").content.decode()

    for booking in Booking.objects.all():
        assert f'<a href="{reverse("booking_detail", args=[booking.pk])}" class="small">Details' in page
