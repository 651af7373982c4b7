import datetime as dt

import pytest

from bookings.models import Booking
from bookings.slots.selectors import available_slots
from clinic.london import LONDON
from therapists.models import Therapist, TimeOff

from ..clock import NOW, at, days_from_now
from ..factories import make_bookable_therapist, make_booking, make_session_type, make_working_hours

# The selector is told NOW; the clock stands at NOW too, so the therapists' checks (valid for
# a year from "today") hold on the days asked about. The rules offer a start every hour.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock"),
    pytest.mark.booking_rules(slot_step_minutes=60),
]

# Next Monday, in an ordinary (GMT) week.
MONDAY = days_from_now(7 - NOW.weekday())


def work(therapist, *, start="09:00", end="12:00"):
    """Gives the therapist these hours on every day of the week."""
    hours = (dt.time.fromisoformat(start), dt.time.fromisoformat(end))
    make_working_hours(therapist, [(weekday, *hours) for weekday in range(7)])


def starts(slots) -> list[str]:
    return [f"{slot.start.astimezone(LONDON):%H:%M}" for slot in slots]


def one_day(therapist, session_type, day=MONDAY):
    return available_slots(
        therapist_id=therapist.pk if therapist else None, session_type=session_type, date_from=day, date_to=day, now=NOW
    )


def test_a_therapist_offers_their_hours_less_bookings_and_time_off(alice, asha, sports, rules):
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(MONDAY, "10:00"))
    make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=at(MONDAY, "11:00"),
        status=Booking.Status.CANCELLED,
    )
    TimeOff.objects.create(therapist=asha, start=at(MONDAY, "12:00"), end=at(MONDAY, "13:00"))

    # Asha works 09:00-17:00.
    assert starts(one_day(asha, sports)) == ["09:00", "11:00", "13:00", "14:00", "15:00", "16:00"]


def test_a_therapist_buffer_overrides_the_clinic_buffer(alice, asha, sports, rules):
    asha.buffer_minutes = 30
    asha.save(update_fields=["buffer_minutes"])
    # The booking service books with the therapist's own buffer, and the booking holds it.
    make_booking(client=alice, therapist=asha, session_type=sports, start=at(MONDAY, "09:00"), buffer_minutes=30)
    rules.slot_step_minutes = 30
    rules.save()

    # 09:00-10:00 plus 30 minutes; each new session also needs its 30 minutes before 17:00.
    assert starts(one_day(asha, sports)) == [
        "10:30",
        "11:00",
        "11:30",
        "12:00",
        "12:30",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
    ]


def test_only_bookable_therapists_offer_slots(tara, sports, rules):
    lapsing = make_bookable_therapist("lapsing", registration_expires_on=MONDAY - dt.timedelta(days=1))
    for therapist in (tara, lapsing):
        make_working_hours(therapist)

    assert one_day(tara, sports) == []
    assert one_day(lapsing, sports) == []
    assert one_day(None, sports) == []


def test_any_therapist_lists_who_is_free_at_each_start(alice, asha, bob, sports, rules):
    asha.working_hours.filter(weekday=MONDAY.weekday()).update(end_time=dt.time(11))
    work(bob, start="10:00", end="12:00")
    make_booking(client=alice, therapist=bob, session_type=sports, start=at(MONDAY, "10:00"))

    slots = one_day(None, sports)

    assert [(f"{slot.start.astimezone(LONDON):%H:%M}", slot.therapist_ids) for slot in slots] == [
        ("09:00", (asha.pk,)),
        ("10:00", (asha.pk,)),
        ("11:00", (bob.pk,)),
    ]


def test_a_range_in_the_past_or_beyond_the_horizon_is_empty_without_asking_the_database(
    asha, sports, rules, django_assert_num_queries
):
    beyond = days_from_now(rules.horizon_days + 90)
    with django_assert_num_queries(1):  # the rules
        assert (
            available_slots(
                therapist_id=asha.pk,
                session_type=sports,
                date_from=beyond,
                date_to=beyond + dt.timedelta(days=1),
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
def test_one_therapist_over_28_days_takes_five_queries_however_busy(
    alice, bob, sports, rules, bookings_each, django_assert_num_queries
):
    fill([bob], sports, alice, bookings_each)

    # The rules, the rooms (none here), the therapists, their hours, their time off and bookings.
    with django_assert_num_queries(5):
        slots = available_slots(
            therapist_id=bob.pk,
            session_type=sports,
            date_from=MONDAY,
            date_to=MONDAY + dt.timedelta(days=27),
            now=NOW,
        )
    assert slots
    assert not any(slot.start.astimezone(LONDON).date() == MONDAY for slot in slots)


@pytest.mark.parametrize("therapist_count, bookings_each", [(2, 5), (20, 60)])
def test_any_therapist_takes_five_queries_however_many_therapists_and_bookings(
    alice, sports, rules, therapist_count, bookings_each, django_assert_num_queries
):
    therapists = [make_bookable_therapist(f"therapist{n}") for n in range(therapist_count)]
    fill(therapists, sports, alice, bookings_each)

    # The rules, the rooms (none here), the therapists, their hours, their time off and bookings.
    with django_assert_num_queries(5):
        slots = available_slots(
            therapist_id=None,
            session_type=sports,
            date_from=MONDAY,
            date_to=MONDAY + dt.timedelta(days=27),
            now=NOW,
        )
    assert {pk for slot in slots for pk in slot.therapist_ids} == {t.pk for t in therapists}
    assert Therapist.objects.count() == therapist_count


def test_a_range_reaching_past_a_registration_check_offers_that_therapist_up_to_its_last_day(asha, bob, sports, rules):
    # Asha's check holds until Wednesday: the week shows her Monday to Wednesday and never a
    # day after; Bob's holds all week. "First available" is the same.
    asha.registration_expires_on = MONDAY + dt.timedelta(days=2)
    asha.save(update_fields=["registration_expires_on"])
    work(bob, start="09:00", end="10:00")

    week = {
        "therapist_id": asha.pk,
        "session_type": sports,
        "date_from": MONDAY,
        "date_to": MONDAY + dt.timedelta(days=6),
        "now": NOW,
    }
    hers = available_slots(**week)
    anyone = available_slots(**{**week, "therapist_id": None})

    days = sorted({slot.start.astimezone(LONDON).date() for slot in hers})
    assert days == [MONDAY, MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)]
    assert {slot.start.astimezone(LONDON).date() for slot in anyone if asha.pk in slot.therapist_ids} == set(days)
    assert {slot.start.astimezone(LONDON).date() for slot in anyone if bob.pk in slot.therapist_ids} == {
        MONDAY + dt.timedelta(days=n) for n in range(7)
    }


def test_a_therapist_is_offered_only_for_the_sessions_they_offer(asha, bob, sports, rules):
    relaxation = make_session_type("Relaxation massage", offered_by_all=False)
    relaxation.therapists.set([bob])
    work(bob, start="09:00", end="12:00")
    asha.session_types.set([relaxation])  # Asha now offers only relaxation

    assert one_day(asha, sports) == []
    assert one_day(asha, relaxation)
    assert {pk for slot in one_day(None, sports) for pk in slot.therapist_ids} == {bob.pk}
    assert {pk for slot in one_day(None, relaxation) for pk in slot.therapist_ids} == {asha.pk, bob.pk}


def test_any_therapist_takes_five_queries_however_many_sessions_therapists_offer(
    alice, sports, rules, django_assert_num_queries
):
    others = [make_session_type(f"Session {n}", offered_by_all=False) for n in range(5)]
    therapists = [make_bookable_therapist(f"therapist{n}") for n in range(10)]
    fill(therapists, sports, alice, 20)
    for therapist in therapists[::2]:
        therapist.session_types.set(others)  # half of them stop offering sports massage

    with django_assert_num_queries(5):  # the rules, rooms, therapists, hours, busy times
        slots = available_slots(
            therapist_id=None, session_type=sports, date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=27), now=NOW
        )

    assert {pk for slot in slots for pk in slot.therapist_ids} == {t.pk for t in therapists[1::2]}
