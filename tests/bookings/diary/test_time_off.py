import datetime as dt

import pytest

from bookings.diary.selectors import describe_span
from bookings.models import Booking
from clinic.london import LONDON
from therapists.models import TimeOff

from ...clock import NOW, TODAY, at, days_from_now
from ...factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

URL = "/diary/time-off/"
# A winter day two weeks on: London keeps GMT, so its wall-clock times are UTC times too.
DAY = days_from_now(14)
NEXT_DAY = DAY + dt.timedelta(days=1)


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def form(**fields):
    data = {
        "start_date": DAY.isoformat(),
        "start_time": "",
        "end_date": DAY.isoformat(),
        "end_time": "",
        "reason": "holiday",
        "note": "",
    }
    data.update(fields)
    return data


def test_a_whole_day_off_runs_from_midnight_to_midnight_london_time(as_asha, asha):
    # In June London keeps British Summer Time: its midnight is 23:00 UTC the day before.
    june = dt.date(TODAY.year, 6, 1)
    response = as_asha.post(URL, form(start_date=june.isoformat(), end_date=june.isoformat()), follow=True)

    assert "Time off added" in response.content.decode()
    block = asha.time_off.get()
    assert (block.start, block.end) == (utc(dt.date(june.year, 5, 31), 23), utc(june, 23))


def test_part_of_a_day_off_keeps_its_times_and_reason(as_asha, asha):
    as_asha.post(URL, form(start_time="13:00", end_time="17:30", reason="training", note="Taping course"))

    block = asha.time_off.get()
    assert (block.start, block.end, block.reason, block.note) == (
        utc(DAY, 13),
        utc(DAY, 17, 30),
        TimeOff.Reason.TRAINING,
        "Taping course",
    )


def test_time_off_over_bookings_is_refused_listing_them(as_asha, asha, alice, sports):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(DAY, "10:00"))

    response = as_asha.post(URL, form())

    page = response.content.decode()
    assert "You have 1 booking in that time." in page
    assert f"{DAY:%a} {DAY.day} {DAY:%b} 10:00: Alice, Sports massage" in page
    assert not TimeOff.objects.exists()


def test_a_cancelled_booking_does_not_stand_in_the_way(as_asha, asha, alice, sports):
    make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(DAY, "10:00"),
        status=Booking.Status.CANCELLED,
    )

    as_asha.post(URL, form())

    assert asha.time_off.count() == 1


def test_another_therapists_bookings_do_not_stand_in_the_way(as_asha, asha, bob, alice, sports):
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(DAY, "10:00"))

    as_asha.post(URL, form())

    assert asha.time_off.count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        pytest.param(
            {"start_date": "2027-03-28", "start_time": "01:30", "end_date": "2027-03-28", "end_time": "04:00"},
            "01:30 does not exist on 28 March 2027 in London: the clocks go forward an hour at 01:00.",
            id="a start in the hour the clocks skip",
        ),
        pytest.param(
            {"start_date": "2027-03-28", "start_time": "00:00", "end_date": "2027-03-28", "end_time": "01:15"},
            "01:15 does not exist on 28 March 2027 in London",
            id="an end in the hour the clocks skip",
        ),
        pytest.param(
            {"start_date": NEXT_DAY.isoformat(), "end_date": DAY.isoformat()},
            "The time off must end after it starts.",
            id="end before start",
        ),
        pytest.param(
            {"start_time": "15:00", "end_time": "09:00"},
            "The time off must end after it starts.",
            id="end time before start time",
        ),
        pytest.param({"start_date": "someday"}, "Enter a valid date.", id="not a date"),
        pytest.param({"reason": "sunbathing"}, "Select a valid choice.", id="unknown reason"),
        pytest.param({"note": "x" * 201}, "at most 200 characters", id="a note too long"),
    ],
)
def test_bad_time_off_is_refused_with_a_message_and_nothing_is_saved(as_asha, fields, message):
    response = as_asha.post(URL, form(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TimeOff.objects.exists()


def test_the_spring_forward_day_itself_can_be_taken_off(as_asha, asha):
    as_asha.post(URL, form(start_date="2027-03-28", end_date="2027-03-28"))

    block = asha.time_off.get()
    assert block.end - block.start == dt.timedelta(hours=23)


def test_overlapping_time_off_is_refused(as_asha, asha):
    as_asha.post(URL, form())

    response = as_asha.post(URL, form(start_time="12:00", end_date=NEXT_DAY.isoformat()))

    assert (
        f"This overlaps your time off from {DAY:%a %d %b} 00:00 to {NEXT_DAY:%a %d %b} 00:00."
        in response.content.decode()
    )
    assert asha.time_off.count() == 1


def test_a_therapist_removes_their_own_time_off(as_asha, asha):
    as_asha.post(URL, form())
    block = asha.time_off.get()

    response = as_asha.post(f"/diary/time-off/{block.pk}/delete/", follow=True)

    assert "Time off removed." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_another_therapists_time_off_cannot_be_removed(as_asha, bob):
    theirs = TimeOff.objects.create(therapist=bob, start=NOW, end=NOW + dt.timedelta(hours=2))

    response = as_asha.post(f"/diary/time-off/{theirs.pk}/delete/")

    assert response.status_code == 404
    assert TimeOff.objects.filter(pk=theirs.pk).exists()


def test_the_list_shows_only_time_off_still_to_come(as_asha, asha):
    TimeOff.objects.create(
        therapist=asha, start=NOW - dt.timedelta(days=3), end=NOW - dt.timedelta(days=2), note="gone"
    )
    TimeOff.objects.create(
        therapist=asha, start=NOW + dt.timedelta(days=3), end=NOW + dt.timedelta(days=4), note="ahead"
    )

    page = as_asha.get(URL).content.decode()

    assert "ahead" in page
    assert "gone" not in page


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (
            dt.datetime(2027, 6, 1, 23, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 6, 2, 23, 0, tzinfo=dt.UTC),
            "Wed 2 Jun 2027, all day",
        ),
        (
            dt.datetime(2027, 6, 1, 23, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 6, 4, 23, 0, tzinfo=dt.UTC),
            "Wed 2 Jun to Fri 4 Jun 2027, all day",
        ),
        (
            dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC),
            "Tue 1 Dec 2026, 13:00 to 17:30",
        ),
        (
            dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC),
            "Tue 1 Dec 13:00 to Wed 2 Dec 2026 09:00",
        ),
    ],
)
def test_time_off_reads_as_days_or_times_in_london(start, end, expected):
    assert describe_span(start, end) == expected


def test_on_the_fall_back_day_a_start_in_the_repeated_hour_is_its_first_pass_and_an_end_its_second(as_asha, asha):
    as_asha.post(URL, form(start_date="2027-10-31", start_time="01:30", end_date="2027-10-31", end_time="01:45"))

    block = asha.time_off.get()
    # 01:30 BST (00:30 UTC) until 01:45 GMT (01:45 UTC): every instant showing those times.
    assert (block.start, block.end) == (
        dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2027, 10, 31, 1, 45, tzinfo=dt.UTC),
    )


def test_every_clashing_booking_is_listed(as_asha, asha, alice, sports):
    for hour in (9, 14):
        make_booking(
            client=alice,
            therapist=asha,
            session_type=sports,
            start=at(DAY, f"{hour:02}:00"),
        )

    page = as_asha.post(URL, form()).content.decode()

    assert (
        "You have 2 bookings in that time. Cancel them (from the booking&#x27;s page, which tells the client) "
        "or ask the client to move, then add the time off." in page
    )
    for booking in Booking.objects.order_by("start"):
        assert (
            f'<a href="/bookings/{booking.pk}/" class="alert-link">{booking.start.astimezone(LONDON):%a %-d %b %H:%M}: Alice, Sports massage</a>'
            in page
        )
    assert not TimeOff.objects.exists()
