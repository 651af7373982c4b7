""" "Book with <therapist>" (issue #32): which session first when they offer several, none
preselected, then that session's times for them alone on the main slot page, with its week strip
and "next available"; the times at once, with the same strip, when they offer one."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from therapists.models import TimeOff

from ..clock import TODAY, TOMORROW, YESTERDAY, at, days_from_now
from ..factories import make_booking, make_session_type, make_working_hours

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "rules"),
    pytest.mark.booking_rules(slot_step_minutes=60),
]


def book_with(client, who, **query):
    return client.get(reverse("therapist_slots", args=[who.pk]), query)


def times(html: str) -> list[str]:
    return re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time>', html)


def strip_days(html: str) -> dict[str, bool]:
    """The week strip as the page shows it: ISO date -> marked as having free times."""
    return {
        day: "week-day-free" in classes
        for classes, day in re.findall(r'<a class="week-day([^"]*)" href="\?therapist=(?:\w+)&amp;date=([\d-]+)"', html)
    }


@pytest.fixture
def relaxation(asha):
    """A second session Asha offers (as does everyone made before it)."""
    return make_session_type("Relaxation massage", duration_minutes=90)


def test_with_several_sessions_it_asks_which_first_and_shows_no_times(client, asha, sports, relaxation):
    html = book_with(client, asha).content.decode()

    assert "Book with Asha Patel" in html
    assert "Which session would you like?" in html
    # Each choice opens the main slot page for Asha alone; none is chosen for the client.
    for session_type in (sports, relaxation):
        assert f'href="/book/{session_type.pk}/?therapist={asha.pk}"' in html
    assert "Sports massage" in html and "Relaxation massage" in html and "90 minutes" in html
    assert "<select" not in html and 'type="radio"' not in html and "aria-current" not in html
    assert times(html) == [] and strip_days(html) == {}
    assert "Next available" not in html


def test_a_day_asked_for_is_kept_through_the_choice(client, asha, sports, relaxation):
    html = book_with(client, asha, date=TOMORROW.isoformat()).content.decode()

    assert f'href="/book/{relaxation.pk}/?therapist={asha.pk}&amp;date={TOMORROW.isoformat()}"' in html


def test_a_session_named_in_the_link_opens_its_times_for_that_therapist(client, asha, sports, relaxation):
    response = book_with(client, asha, session_type=relaxation.pk, date=TOMORROW.isoformat())

    assert response.status_code == 302
    assert response["Location"] == f"/book/{relaxation.pk}/?therapist={asha.pk}&date={TOMORROW.isoformat()}"


def test_the_chosen_sessions_page_has_the_week_strip_and_next_available_for_that_therapist_only(
    client, asha, bob, sports, relaxation
):
    # Asha is away until Saturday; Bob, who offers the same sessions, works every day.
    back = days_from_now(3)
    TimeOff.objects.create(therapist=asha, start=at(TODAY, "00:00"), end=at(back, "00:00"))
    make_working_hours(bob, hours=[(weekday, dt.time(9), dt.time(17)) for weekday in range(7)])
    choice = book_with(client, asha).content.decode()
    link = re.search(rf'href="(/book/{relaxation.pk}/\?therapist={asha.pk})"', choice).group(1)

    html = client.get(link).content.decode()

    assert times(html) == []  # Bob's free times today are not offered as Asha's
    strip = strip_days(html)
    assert list(strip) == [days_from_now(n).isoformat() for n in range(7)]
    assert [day for day, free in strip.items() if free][0] == back.isoformat()
    assert f"Next available: {back:%a %-d %b}" in html
    assert f'<option value="{asha.pk}" selected>Asha Patel</option>' in html
    later = client.get(f"{link}&date={back.isoformat()}").content.decode()
    assert times(later)[0] == "09:00"
    assert f"?therapist={asha.pk}&amp;start=" in later and f"?therapist={bob.pk}&amp;start=" not in later


def test_with_one_session_the_times_show_at_once_with_the_week_strip(client, asha, sports, alice):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(TODAY, "13:00"))

    html = book_with(client, asha).content.decode()

    assert "Free times with Asha Patel" in html
    assert "Which session would you like?" not in html
    # Today (NOW is 09:30) from the clinic's notice onwards, less Alice's 13:00.
    assert times(html) == ["12:00", "14:00", "15:00", "16:00"]
    assert list(strip_days(html)) == [days_from_now(n).isoformat() for n in range(7)]
    assert (
        f'href="?therapist={asha.pk}&amp;date={TOMORROW.isoformat()}">Next available: {TOMORROW:%a %-d %b}</a>' in html
    )
    assert f"/book/{sports.pk}/details/?therapist={asha.pk}&amp;start=" in html


def test_with_one_session_a_day_from_the_strip_shows_that_day(client, asha, sports):
    friday = days_from_now(2)
    # The strip's links carry the therapist and day only: the one session is implied.
    html = book_with(client, asha, therapist=asha.pk, date=friday.isoformat()).content.decode()

    assert f"{friday:%A %-d %B}: Sports massage, 60 minutes" in html
    assert f"Free times on {friday:%A %-d %B}" in html
    assert times(html)[0] == "09:00"


@pytest.mark.parametrize("several", [True, False])
def test_a_session_they_do_not_offer_gets_a_clear_message_and_no_times(client, asha, bob, sports, several):
    if several:
        make_session_type("Relaxation massage")
    theirs_not = make_session_type("Pregnancy massage", offered_by_all=False)
    theirs_not.therapists.set([bob])

    response = book_with(client, asha, session_type=theirs_not.pk, date=TOMORROW.isoformat())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Asha Patel does not offer that session. Choose one of theirs below." in html
    assert times(html) == [] and strip_days(html) == {}
    assert f'href="/book/{sports.pk}/?therapist={asha.pk}&amp;date={TOMORROW.isoformat()}"' in html
    assert f"/book/{theirs_not.pk}/" not in html


@pytest.mark.parametrize("session_type", ["abc", "999999", "١"])
def test_a_garbled_session_gets_the_same_message(client, asha, sports, session_type):
    html = book_with(client, asha, session_type=session_type).content.decode()

    assert "Asha Patel does not offer that session." in html
    assert times(html) == []


def test_a_bad_day_with_one_session_says_choose_another(client, asha, sports):
    html = book_with(client, asha, date=YESTERDAY.isoformat()).content.decode()

    assert "Choose today or a later day." in html
    assert times(html) == []


def test_an_unverified_therapist_is_not_bookable(client, tara, sports):
    tara.session_types.add(sports)

    assert book_with(client, tara).status_code == 404
    assert book_with(client, tara, session_type=sports.pk).status_code == 404


def test_a_therapist_whose_check_has_lapsed_is_not_bookable(client, asha, sports):
    asha.registration_expires_on = YESTERDAY
    asha.save(update_fields=["registration_expires_on"])

    assert book_with(client, asha).status_code == 404


def test_the_choice_costs_the_same_queries_however_many_sessions(client, asha, django_assert_num_queries):
    for n in range(2):
        make_session_type(f"Session {n}")
    with django_assert_num_queries(3) as few:  # therapist, their sessions, rules
        book_with(client, asha)
    for n in range(2, 8):
        make_session_type(f"Session {n}")

    with django_assert_num_queries(len(few.captured_queries)):
        html = book_with(client, asha).content.decode()
    assert html.count(f"?therapist={asha.pk}") == 8
