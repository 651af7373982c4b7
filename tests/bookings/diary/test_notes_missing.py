"""A therapist's list of sessions still without notes a day after they ended, and the reminder
on their week and day."""

import datetime as dt

import pytest

from bookings.models import Booking

from ...clock import NOW, TODAY, at, days_from_now
from ...factories import make_booking, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def listed(client) -> str:
    response = client.get("/diary/notes-to-write/")
    assert response.status_code == 200
    return response.content.decode()


def test_sessions_ended_a_day_ago_without_notes_are_listed_oldest_first(as_asha, asha, bob, alice, sports, attended):
    carol = make_user("carol", first_name="Carol")
    oldest = make_booking(client=carol, therapist=asha, session_type=sports, start=at(days_from_now(-5), "10:00"))
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(days_from_now(-2), "10:00"))
    # Not listed: ended under a day ago, a no-show, another therapist's, one with notes.
    make_booking(client=alice, therapist=asha, session_type=sports, start=NOW - dt.timedelta(hours=20))
    make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(days_from_now(-3), "12:00"),
        status=Booking.Status.NO_SHOW,
    )
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(days_from_now(-3), "15:00"))
    with_notes = attended()
    with_notes.start, with_notes.end = at(days_from_now(-4), "09:00"), at(days_from_now(-4), "10:00")
    Booking.objects.filter(pk=with_notes.pk).update(
        start=with_notes.start, end=with_notes.end, blocks_until=with_notes.end
    )

    html = listed(as_asha)

    assert html.count("Write notes<") == 2
    assert html.index("Carol") < html.index("Alice")
    assert f'href="/bookings/{oldest.pk}/complete/"' in html


def test_the_week_and_the_day_remind_the_therapist_and_link_to_the_list(as_asha, asha, alice, sports):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(days_from_now(-2), "10:00"))
    for path in ("/diary/", f"/diary/day/{TODAY.isoformat()}/"):
        html = as_asha.get(path).content.decode()
        assert "1 session ended more than a day ago without notes." in html, path
        assert 'href="/diary/notes-to-write/"' in html


def test_nothing_to_write_says_so_and_the_week_has_no_reminder(as_asha):
    assert "None: every session that ended more than a day ago has its notes." in listed(as_asha)
    assert "without notes" not in as_asha.get("/diary/").content.decode()


def test_only_a_therapist_has_the_list(client, alice):
    client.force_login(alice)
    assert client.get("/diary/notes-to-write/").status_code == 404


def test_the_list_costs_the_same_queries_however_long_it_is(
    as_asha, asha, alice, sports, django_assert_max_num_queries
):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(days_from_now(-2), "10:00"))
    listed(as_asha)
    with django_assert_max_num_queries(20) as few:
        listed(as_asha)
    for n in range(3, 23):
        make_booking(client=alice, therapist=asha, session_type=sports, start=at(days_from_now(-n), "10:00"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert listed(as_asha).count("Write notes<") == 21
