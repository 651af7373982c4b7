import datetime as dt

import pytest

from bookings.models import Booking, BookingRules
from bookings.selectors import available_slots
from clinic.london import LONDON, wall_clock_to_utc
from therapists.models import Therapist, TimeOff, WorkingHours

from ..factories import make_bookable_therapist, make_booking, make_session_type, make_therapist

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday morning
MONDAY = dt.date(2026, 11, 30)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return wall_clock_to_utc(day, dt.time.fromisoformat(hhmm))


def work(therapist, *, weekdays=range(7), start="09:00", end="12:00", **fields):
    for weekday in weekdays:
        WorkingHours.objects.create(
            therapist=therapist,
            weekday=weekday,
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
            **fields,
        )


def starts(slots) -> list[str]:
    return [f"{slot.start.astimezone(LONDON):%H:%M}" for slot in slots]


@pytest.fixture
def hour_session(db):
    return make_session_type("Sports massage", duration_minutes=60)


@pytest.fixture
def rules(db):
    rules = BookingRules.load()
    rules.buffer_minutes = 0
    rules.slot_step_minutes = 60
    rules.save()
    return rules


def one_day(therapist, session_type, day=MONDAY):
    return available_slots(
        therapist_id=therapist.pk if therapist else None, session_type=session_type, date_from=day, date_to=day, now=NOW
    )


def test_a_therapist_offers_their_hours_less_bookings_and_time_off(alice, hour_session, rules):
    asha = make_bookable_therapist("asha")
    work(asha, start="09:00", end="14:00")
    make_booking(client=alice, therapist=asha, session_type=hour_session, start=at(MONDAY, "10:00"))
    make_booking(
        client=alice,
        therapist=asha,
        session_type=hour_session,
        start=at(MONDAY, "11:00"),
        status=Booking.Status.CANCELLED,
    )
    TimeOff.objects.create(therapist=asha, start=at(MONDAY, "12:00"), end=at(MONDAY, "13:00"))

    assert starts(one_day(asha, hour_session)) == ["09:00", "11:00", "13:00"]


def test_a_therapist_buffer_overrides_the_clinic_buffer(alice, hour_session, rules):
    asha = make_bookable_therapist("asha", buffer_minutes=30)
    work(asha, start="09:00", end="13:00")
    # The booking service books with the therapist's own buffer, and the booking holds it.
    make_booking(client=alice, therapist=asha, session_type=hour_session, start=at(MONDAY, "09:00"), buffer_minutes=30)
    rules.slot_step_minutes = 30
    rules.save()

    # 09:00-10:00 plus 30 minutes; each new session also needs its 30 minutes before 13:00.
    assert starts(one_day(asha, hour_session)) == ["10:30", "11:00", "11:30"]


def test_only_bookable_therapists_offer_slots(hour_session, rules):
    waiting = make_therapist("waiting")
    lapsing = make_bookable_therapist("lapsing", registration_expires_on=MONDAY - dt.timedelta(days=1))
    for therapist in (waiting, lapsing):
        work(therapist)

    assert one_day(waiting, hour_session) == []
    assert one_day(lapsing, hour_session) == []
    assert one_day(None, hour_session) == []


def test_any_therapist_lists_who_is_free_at_each_start(alice, hour_session, rules):
    asha = make_bookable_therapist("asha")
    ben = make_bookable_therapist("ben")
    work(asha, start="09:00", end="11:00")
    work(ben, start="10:00", end="12:00")
    make_booking(client=alice, therapist=ben, session_type=hour_session, start=at(MONDAY, "10:00"))

    slots = one_day(None, hour_session)

    assert [(f"{slot.start.astimezone(LONDON):%H:%M}", slot.therapist_ids) for slot in slots] == [
        ("09:00", (asha.pk,)),
        ("10:00", (asha.pk,)),
        ("11:00", (ben.pk,)),
    ]


def test_a_range_in_the_past_or_beyond_the_horizon_is_empty_without_asking_the_database(
    hour_session, rules, django_assert_num_queries
):
    asha = make_bookable_therapist("asha")
    work(asha)
    with django_assert_num_queries(1):  # the rules
        assert (
            available_slots(
                therapist_id=asha.pk,
                session_type=hour_session,
                date_from=dt.date(2027, 6, 1),
                date_to=dt.date(2027, 6, 2),
                now=NOW,
            )
            == []
        )


def fill(therapists, session_type, client, bookings_each: int):
    """Hours on every weekday with a break, a day off, and bookings spread over four weeks."""
    for therapist in therapists:
        work(therapist, start="08:00", end="12:00")
        work(therapist, start="13:00", end="20:00")
        TimeOff.objects.create(therapist=therapist, start=at(MONDAY, "00:00"), end=at(MONDAY, "23:00"))
        Booking.objects.bulk_create(
            Booking(
                client=client,
                therapist=therapist,
                session_type=session_type,
                start=at(MONDAY + dt.timedelta(days=1 + n % 27), "08:00") + dt.timedelta(hours=n // 27 % 12),
                end=at(MONDAY + dt.timedelta(days=1 + n % 27), "09:00") + dt.timedelta(hours=n // 27 % 12),
                blocks_until=at(MONDAY + dt.timedelta(days=1 + n % 27), "09:00") + dt.timedelta(hours=n // 27 % 12),
            )
            for n in range(bookings_each)
        )


@pytest.mark.parametrize("bookings_each", [0, 10, 300])
def test_one_therapist_over_28_days_takes_four_queries_however_busy(
    alice, hour_session, rules, bookings_each, django_assert_num_queries
):
    asha = make_bookable_therapist("asha")
    fill([asha], hour_session, alice, bookings_each)

    with django_assert_num_queries(4):
        slots = available_slots(
            therapist_id=asha.pk,
            session_type=hour_session,
            date_from=MONDAY,
            date_to=MONDAY + dt.timedelta(days=27),
            now=NOW,
        )
    assert slots
    assert not any(slot.start.astimezone(LONDON).date() == MONDAY for slot in slots)


@pytest.mark.parametrize("therapist_count, bookings_each", [(2, 5), (20, 60)])
def test_any_therapist_takes_four_queries_however_many_therapists_and_bookings(
    alice, hour_session, rules, therapist_count, bookings_each, django_assert_num_queries
):
    therapists = [make_bookable_therapist(f"therapist{n}") for n in range(therapist_count)]
    fill(therapists, hour_session, alice, bookings_each)

    with django_assert_num_queries(4):
        slots = available_slots(
            therapist_id=None,
            session_type=hour_session,
            date_from=MONDAY,
            date_to=MONDAY + dt.timedelta(days=27),
            now=NOW,
        )
    assert {pk for slot in slots for pk in slot.therapist_ids} == {t.pk for t in therapists}
    assert Therapist.objects.count() == therapist_count


def test_a_range_reaching_past_a_registration_check_offers_that_therapist_nothing(hour_session, rules):
    # Bookable on the first day but not the last: no day of the range is offered, so a lapsed
    # check can never leak a slot; a day-by-day query still shows the days before it lapses.
    asha = make_bookable_therapist("asha", registration_expires_on=MONDAY + dt.timedelta(days=2))
    work(asha)

    week = available_slots(
        therapist_id=asha.pk,
        session_type=hour_session,
        date_from=MONDAY,
        date_to=MONDAY + dt.timedelta(days=6),
        now=NOW,
    )

    assert week == []
    assert one_day(asha, hour_session)
