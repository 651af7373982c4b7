"""The reports page: each figure against a hand-counted week, the period before beside it,
who may see what, bad filters, queries that do not grow with the data, and the CSV."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, FreedTime, OutcomeScore, SessionNote, WaitlistOffer
from bookings.reports import chart, figures, utilisation
from bookings.reports.period import Period
from clinic.london import wall_clock_to_utc
from clinic.models import RoomClosure, RoomHours
from clinic.problems import Problem
from therapists.models import TimeOff

from ..factories import grant_permissions, make_booking, make_room, make_user, make_waitlist_entry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

WEEK = Period(datetime.date(2030, 1, 7), datetime.date(2030, 1, 13))  # Monday to Sunday, before NOW
Status = Booking.Status


def at_ten(day: int) -> datetime.datetime:
    return wall_clock_to_utc(datetime.date(2030, 1, day), datetime.time(10))


@pytest.fixture
def week(asha, alice, sports):
    """Asha's week (09:00-17:00 daily, two hours off on Tuesday), hand-counted: attended by
    Alice (back after December) and by Gina (new, a guest); a no-show; a late and a free
    cancellation; one past booking never marked; a time given up and taken from the waitlist
    (its hold, let go, is no cancellation)."""

    def booking(day, status, **fields):
        return make_booking(therapist=asha, session_type=sports, start=at_ten(day), status=status, **fields)

    make_booking(
        therapist=asha,
        session_type=sports,
        client=alice,
        start=at_ten(20) - datetime.timedelta(days=31),
        status=Status.ATTENDED,
    )
    booking(7, Status.ATTENDED, client=alice)
    booking(8, Status.ATTENDED, client_email="Gina@Example.com")
    booking(9, Status.NO_SHOW)
    booking(10, Status.CANCELLED, late_cancellation=True)
    booking(11, Status.CANCELLED)
    booking(12, Status.CONFIRMED)
    TimeOff.objects.create(
        therapist=asha,
        start=wall_clock_to_utc(datetime.date(2030, 1, 8), datetime.time(12)),
        end=wall_clock_to_utc(datetime.date(2030, 1, 8), datetime.time(14)),
    )
    FreedTime.objects.create(therapist=asha, start=at_ten(10), offer_from=at_ten(10))
    FreedTime.objects.create(therapist=asha, start=at_ten(11), offer_from=at_ten(11))
    FreedTime.objects.create(therapist=asha, start=at_ten(7), end=at_ten(13), offer_from=at_ten(7))  # a stretch
    hold = booking(13, Status.CANCELLED)
    offer = WaitlistOffer.objects.create(
        entry=make_waitlist_entry(alice, sports), hold=hold, respond_by=at_ten(13), created_at=at_ten(13)
    )
    WaitlistOffer.objects.filter(pk=offer.pk).update(status=WaitlistOffer.Status.ACCEPTED)
    return sports


def test_each_figure_matches_the_hand_count(asha, week):
    sports = week
    counted = figures.attendance(WEEK)
    assert (counted.attended, counted.no_shows, counted.late_cancellations, counted.free_cancellations) == (2, 1, 1, 1)
    assert counted.revenue_expected == 2 * sports.price
    assert round(counted.no_show_rate, 3) == round(1 / 3, 3) and counted.late_cancel_rate == 1 / 5
    assert figures.clients(WEEK) == figures.Clients(new=1, returning=1)
    (row,) = utilisation.utilisation(WEEK, [asha])
    assert (row.booked_minutes, row.working_minutes) == (4 * 60, 7 * 480 - 120)
    fill = figures.fill_rate(WEEK)
    assert (fill.freed, fill.filled, fill.share) == (2, 1, 0.5)


def test_the_period_before_and_a_filter_count_only_theirs(asha, week, bob):
    assert figures.attendance(WEEK.before()) == figures.Attendance(0, 0, 0, 0, Decimal("0"))
    assert figures.attendance(WEEK, therapist_id=bob.pk).attended == 0


def page(client, **query):
    return client.get(reverse("reports"), {"period": "custom", "first": "2030-01-07", "last": "2030-01-13", **query})


def test_staff_with_the_permission_see_the_clinic_and_its_csv(client, week, asha):
    reception = grant_permissions(make_user("rita", is_staff=True), "view_reports")
    client.force_login(reception)
    shown = page(client).content.decode()
    assert "No-show rate" in shown and "33%" in shown and "Asha Patel" in shown
    csv = page(client, format="csv")
    assert csv["Content-Disposition"] == 'attachment; filename="clinic-report_2030-01-07_to_2030-01-13.csv"'
    assert "no-shows,1,0" in csv.content.decode()


def test_a_therapist_sees_their_own_figures_only(client, week, asha, bob):
    client.force_login(bob.user)
    mine = page(client).content.decode()
    assert "Bob" in mine and "Asha Patel" not in mine
    refused = page(client, therapist=asha.pk)
    assert (
        refused.status_code == 400 and "You can see the figures of the therapists listed." in refused.content.decode()
    )


def test_clients_and_staff_without_the_permission_see_nothing(client, alice):
    for user in (alice, make_user("sid", is_staff=True)):
        client.force_login(user)
        assert page(client).status_code == 403


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("0001-01-01", "2030-01-13", "between the years 2000 and 2100"),
        ("2030-01-07", "9999-12-31", "between the years 2000 and 2100"),
        ("2030-01-13", "2030-01-07", "The last day is before the first"),
        ("2020-01-01", "2030-01-13", "three years or less"),
        ("yesterday", "2030-01-13", "Please give the first day as a date."),
        ("", "2030-01-13", "Please give both the first and the last day."),
    ],
)
def test_bad_dates_get_a_clear_message(admin_client, first, last, message):
    answer = page(admin_client, first=first, last=last)
    assert answer.status_code == 400 and message in answer.content.decode()


def test_an_unknown_therapist_gets_a_clear_message(admin_client):
    answer = page(admin_client, therapist=999999)
    assert answer.status_code == 400 and "You can see the figures of the therapists listed." in answer.content.decode()


def test_the_page_takes_the_same_queries_however_many_bookings(admin_client, week, asha, sports):
    page(admin_client)  # sessions and permissions, read once
    with CaptureQueriesContext(connection) as few:
        page(admin_client)
    for hour in range(11, 16):
        for day in range(7, 14):
            start = wall_clock_to_utc(datetime.date(2030, 1, day), datetime.time(hour))
            make_booking(therapist=asha, session_type=sports, start=start, status=Status.ATTENDED)
    with CaptureQueriesContext(connection) as many:
        assert "37" in page(admin_client).content.decode()  # 2 + 35 attended
    assert len(many.captured_queries) == len(few.captured_queries)


def test_rebooking_counts_a_later_booking_made_on_the_day_and_within_30_days(asha, alice, sports):
    attended = make_booking(therapist=asha, session_type=sports, client=alice, start=at_ten(7), status=Status.ATTENDED)
    Booking.objects.filter(pk=attended.pk).update(created_at=at_ten(7) - datetime.timedelta(days=3))
    same_day = make_booking(therapist=asha, session_type=sports, client=alice, start=at_ten(21))
    Booking.objects.filter(pk=same_day.pk).update(created_at=at_ten(7) + datetime.timedelta(hours=3))
    other = make_booking(therapist=asha, session_type=sports, start=at_ten(8), status=Status.ATTENDED)  # a guest
    late = make_booking(therapist=asha, session_type=sports, start=at_ten(28), client_email=other.client_email)
    Booking.objects.filter(pk=late.pk).update(created_at=at_ten(8) + datetime.timedelta(days=20))

    assert figures.rebooking(WEEK) == figures.Rebooking(attended=2, on_the_day=1, within_30_days=2)


def test_cnhc_checks_ending_soon_are_counted(asha, bob):
    asha.registration_expires_on = datetime.date(2030, 2, 1)  # 16 days after NOW
    asha.save()
    bob.registration_expires_on = datetime.date(2030, 3, 1)  # 44 days after
    bob.save()
    assert figures.registration_checks_ending(datetime.date(2030, 1, 16)) == (1, 2)


def test_a_rooms_utilisation_counts_turnover_against_its_open_hours_less_closures(asha, sports):
    room = make_room("Room 1", suits=[sports], turnover_minutes=10)
    RoomHours.objects.bulk_create(
        RoomHours(room=room, weekday=day, start_time=datetime.time(9), end_time=datetime.time(17)) for day in range(7)
    )
    RoomClosure.objects.create(
        room=room,
        start=wall_clock_to_utc(datetime.date(2030, 1, 8), datetime.time(12)),
        end=wall_clock_to_utc(datetime.date(2030, 1, 8), datetime.time(14)),
    )
    for day in (7, 9):
        make_booking(therapist=asha, session_type=sports, start=at_ten(day), room=room, status=Status.ATTENDED)
    make_booking(therapist=asha, session_type=sports, start=at_ten(10), room=room, status=Status.CANCELLED)
    unlimited = make_room("Room 2", suits=[sports])

    uses = {use.room: use for use in utilisation.room_utilisation(WEEK)}
    assert (uses[room].used_minutes, uses[room].open_minutes) == (2 * 70, 7 * 480 - 120)
    assert uses[unlimited].open_minutes is None and uses[unlimited].share is None


def test_the_weekly_chart_places_each_week_by_its_date_and_says_it_in_words(asha, week):
    weeks = figures.weekly(Period(datetime.date(2030, 1, 1), datetime.date(2030, 1, 31)))
    # Tuesday 1 January is in the week of Monday 31 December; the hand-counted week is the next.
    assert [(w.first_day, w.attended, w.no_shows) for w in weeks] == [(datetime.date(2030, 1, 7), 2, 1)]
    drawn = chart.weekly_chart(datetime.date(2030, 1, 1), datetime.date(2030, 1, 31), weeks)
    (bar,) = drawn.bars
    per_day = (chart.WIDTH - chart.LEFT - chart.RIGHT) / 31
    assert bar.x == pytest.approx(chart.LEFT + 6 * per_day)  # 7 January is the 7th day: proportional to time
    assert bar.attended_height == pytest.approx(2 * bar.no_show_height)
    assert "2 attended and 1 no-show over 1 week" in drawn.summary
    assert chart.weekly_chart(datetime.date(2030, 1, 1), datetime.date(2030, 1, 31), []) is None


def test_the_page_draws_the_chart_with_its_words_and_table(admin_client, week):
    shown = page(admin_client).content.decode()
    assert 'role="img"' in shown and "Attended sessions and no-shows, week by week" in shown
    assert "The weeks as a table" in shown and "7 Jan 2030" in shown


def rated(therapist, session_type, day: int, client_email: str, problem: str, before: int, after: int):
    """An attended session with notes, pain rated when booking and at the check-in."""
    booking = make_booking(
        therapist=therapist,
        session_type=session_type,
        start=at_ten(day),
        status=Status.ATTENDED,
        client_email=client_email,
    )
    SessionNote.objects.create(booking=booking, areas_worked=["back-calf-left"], pressure_used=5, problem=problem)
    for taken, score in (("booking", before), ("check_in", after)):
        OutcomeScore.objects.create(
            booking=booking, taken=taken, kind="pain", measure="pain", score=score, taken_at=at_ten(day)
        )


def test_outcomes_count_meaningful_pain_improvement_and_hide_small_groups(asha, sports):
    # Achilles, five clients: 8->5 (3 points, 37%: yes), 6->4 (2, 33%: yes), 9->7 (2, 22%: no),
    # 5->5 (no), 4->1 (yes).
    for n, (before, after) in enumerate([(8, 5), (6, 4), (9, 7), (5, 5), (4, 1)]):
        rated(asha, sports, 7 + n, f"a{n}@example.com", Problem.ACHILLES, before, after)
    # Knee pain, two clients: too few to show.
    for n in range(2):
        rated(asha, sports, 12 + n, f"k{n}@example.com", Problem.KNEE_PAIN, 7, 2)

    shown, left_out = figures.outcomes(WEEK)

    assert [(o.problem, o.clients, o.sessions, o.improved) for o in shown] == [(Problem.ACHILLES.label, 5, 5, 3)]
    assert left_out == 1


def test_a_room_filter_counts_that_rooms_sessions_only_and_an_unknown_room_is_refused(admin_client, asha, sports):
    room = make_room("Room 1", suits=[sports])
    make_booking(therapist=asha, session_type=sports, start=at_ten(7), room=room, status=Status.ATTENDED)
    make_booking(therapist=asha, session_type=sports, start=at_ten(8), status=Status.ATTENDED)
    assert figures.attendance(WEEK, room_id=room.pk).attended == 1
    refused = page(admin_client, room=999999)
    assert refused.status_code == 400 and "That room is not one of the clinic" in refused.content.decode()


def test_the_csv_holds_every_table_with_the_filters_in_its_name(admin_client, week, asha):
    answer = page(admin_client, format="csv", therapist=asha.pk)
    assert answer["Content-Disposition"].endswith(f'_to_2030-01-13_therapist-{asha.pk}.csv"')
    text = answer.content.decode()
    for heading in ("figure,", "week beginning,", "therapist,booked minutes", "session,problem,clients"):
        assert heading in text
    assert "2030-01-07,2,1" in text  # the week's attended and no-shows


def test_the_clock_change_day_and_a_session_over_midnight_count_by_their_start(asha, sports):
    march = Period(datetime.date(2030, 3, 31), datetime.date(2030, 3, 31))  # clocks go forward at 01:00
    late = wall_clock_to_utc(datetime.date(2030, 3, 31), datetime.time(23, 30))
    make_booking(therapist=asha, session_type=sports, start=late, status=Status.ATTENDED)  # ends 00:30 on the 1st
    next_day = wall_clock_to_utc(datetime.date(2030, 4, 1), datetime.time(0, 30))
    make_booking(therapist=asha, session_type=sports, start=next_day, status=Status.ATTENDED)

    assert figures.attendance(march).attended == 1
    (row,) = utilisation.utilisation(march, [asha])
    assert (row.booked_minutes, row.working_minutes) == (60, 480)  # 09:00-17:00 on the 23-hour day


def test_the_utilisation_chart_draws_one_bar_per_therapist_with_hours(asha, week):
    (row,) = utilisation.utilisation(WEEK, [asha])
    drawn = chart.share_chart([("Asha Patel", row.share), ("No hours", None)])
    (bar,) = drawn.bars
    assert bar.width == pytest.approx(row.share * (drawn.plot_right - drawn.plot_left))
    assert bar.label == f"Asha Patel: {row.share:.0%}"
    assert chart.share_chart([("No hours", None)]) is None
