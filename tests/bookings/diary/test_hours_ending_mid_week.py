"""A therapist's pattern of hours that ends mid-week, and a new one that starts later that week,
show on the same days in the therapist's own diary, the clinic week, the clinic day and the
slot search: all four ask the slot arithmetic (WeeklyHours.applies_on) which hours a date has."""

import datetime as dt

import pytest

from bookings.diary import clinic_wide, clinic_wide_week, selectors
from bookings.slots.selectors import available_slots
from clinic.london import LONDON

from ...clock import NOW, THIS_MONDAY
from ...factories import STANDARD_HOURS, make_working_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

MONDAY = THIS_MONDAY + dt.timedelta(days=7)
WEEK = [MONDAY + dt.timedelta(days=n) for n in range(7)]
WEDNESDAY, THURSDAY, FRIDAY = WEEK[2], WEEK[3], WEEK[4]


@pytest.fixture
def bob_changes_his_hours_mid_week(bob, sports):
    """Bob works 09:00-17:00 every day until Wednesday, then 10:00-14:00 from Friday: Thursday
    belongs to neither pattern."""
    make_working_hours(bob, effective_until=WEDNESDAY)
    make_working_hours(bob, [(day, dt.time(10), dt.time(14)) for day, _, _ in STANDARD_HOURS], effective_from=FRIDAY)
    sports.therapists.add(bob)
    return bob


def test_a_pattern_ending_mid_week_shows_the_same_days_in_the_diary_the_clinic_week_and_the_slot_search(
    bob_changes_his_hours_mid_week, sports
):
    bob = bob_changes_his_hours_mid_week

    in_his_diary = {
        entry.day: entry.hours for entry in selectors.diary_days(therapist=bob, first_day=MONDAY, days=7) if entry.hours
    }
    (his_row,) = [row for row in clinic_wide_week.clinic_week(monday=MONDAY).rows if row.therapist == bob]
    in_the_clinic_week = {cell.day: cell.hours for cell in his_row.cells if cell.hours}
    slots = available_slots(therapist_id=bob.pk, session_type=sports, date_from=WEEK[0], date_to=WEEK[-1], now=NOW)
    with_free_slots = {slot.start.astimezone(LONDON).date() for slot in slots}

    working_days = set(WEEK) - {THURSDAY}
    assert set(in_his_diary) == set(in_the_clinic_week) == with_free_slots == working_days
    assert in_his_diary[WEDNESDAY] == [(dt.time(9), dt.time(17))]
    assert in_his_diary[FRIDAY] == [(dt.time(10), dt.time(14))]
    assert in_the_clinic_week[WEDNESDAY] == "09:00–17:00"
    assert in_the_clinic_week[FRIDAY] == "10:00–14:00"
    assert min(s.start for s in slots if s.start.astimezone(LONDON).date() == FRIDAY).astimezone(LONDON).time() == (
        dt.time(10)
    )


def test_the_clinic_day_shows_him_not_working_on_the_day_between_the_patterns(bob_changes_his_hours_mid_week):
    bob = bob_changes_his_hours_mid_week

    def his_column(day):
        (column,) = [c for c in clinic_wide.clinic_day(day=day, now=NOW).columns if c.therapist_id == bob.pk]
        return column.note

    assert [his_column(day) for day in (WEDNESDAY, THURSDAY, FRIDAY)] == ["09:00–17:00", "Not working", "10:00–14:00"]
