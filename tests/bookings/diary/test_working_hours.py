import datetime as dt

import pytest

from ...clock import days_from_now
from ...factories import STANDARD_HOURS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

URL = "/diary/hours/"
# A change of pattern: the old hours run until LAST_OLD_DAY, the new ones from FIRST_NEW_DAY.
LAST_OLD_DAY = days_from_now(30)
FIRST_NEW_DAY = LAST_OLD_DAY + dt.timedelta(days=1)


def week_post(rows_by_day: dict[int, list[tuple[str, str, str, str]]]) -> dict:
    """The hours form as the browser posts it: rows of (start, end, from, until) per weekday."""
    data = {}
    for day in range(7):
        rows = rows_by_day.get(day, [])
        data[f"day{day}-TOTAL_FORMS"] = str(len(rows))
        data[f"day{day}-INITIAL_FORMS"] = "0"
        for index, (start, end, since, until) in enumerate(rows):
            data[f"day{day}-{index}-start"] = start
            data[f"day{day}-{index}-end"] = end
            data[f"day{day}-{index}-effective_from"] = since
            data[f"day{day}-{index}-effective_until"] = until
    return data


def stretches(therapist) -> list[tuple]:
    return list(therapist.working_hours.values_list("weekday", "start_time", "end_time"))


def test_a_therapist_sets_a_day_with_a_break(as_asha, asha):
    response = as_asha.post(URL, week_post({0: [("09:00", "12:30", "", ""), ("13:30", "18:00", "", "")]}), follow=True)

    assert "Your working hours are saved." in response.content.decode()
    assert stretches(asha) == [(0, dt.time(9), dt.time(12, 30)), (0, dt.time(13, 30), dt.time(18))]


def test_the_form_shows_the_saved_hours(as_asha, asha):
    asha.working_hours.filter(weekday=2).update(start_time=dt.time(10), end_time=dt.time(16))

    page = as_asha.get(URL).content.decode()

    assert 'name="day2-0-start" value="10:00"' in page
    assert 'name="day2-0-end" value="16:00"' in page


def test_saving_replaces_the_whole_week(as_asha, asha):
    as_asha.post(URL, week_post({4: [("08:00", "11:00", "", "")]}))

    assert stretches(asha) == [(4, dt.time(8), dt.time(11))]


def test_a_changed_pattern_keeps_its_dates(as_asha, asha):
    as_asha.post(
        URL,
        week_post(
            {0: [("09:00", "12:00", "", LAST_OLD_DAY.isoformat()), ("13:00", "17:00", FIRST_NEW_DAY.isoformat(), "")]}
        ),
    )

    assert list(asha.working_hours.values_list("effective_from", "effective_until")) == [
        (None, LAST_OLD_DAY),
        (FIRST_NEW_DAY, None),
    ]


@pytest.mark.parametrize(
    "rows, message",
    [
        pytest.param([("12:00", "09:00", "", "")], "The end must be after the start.", id="reversed"),
        pytest.param([("09:00", "09:00", "", "")], "The end must be after the start.", id="empty"),
        pytest.param([("09:00", "", "", "")], "Give an end time.", id="no end"),
        pytest.param(
            [("09:00", "12:00", FIRST_NEW_DAY.isoformat(), LAST_OLD_DAY.isoformat())],
            "on or after the first day",
            id="dates reversed",
        ),
        pytest.param([("nine", "12:00", "", "")], "Enter a valid time.", id="not a time"),
        pytest.param(
            [("09:00", "12:00", "", ""), ("11:00", "14:00", "", "")],
            "Monday: 09:00-12:00 overlaps 11:00-14:00.",
            id="overlapping",
        ),
        pytest.param(
            [("09:00", "12:00", "", FIRST_NEW_DAY.isoformat()), ("10:00", "11:00", LAST_OLD_DAY.isoformat(), "")],
            f"Monday: 09:00-12:00 (always to {FIRST_NEW_DAY}) overlaps 10:00-11:00 ({LAST_OLD_DAY} to no end).",
            id="overlapping while both patterns apply",
        ),
    ],
)
def test_bad_hours_are_refused_with_a_message_and_nothing_changes(as_asha, asha, rows, message):
    response = as_asha.post(URL, week_post({0: rows}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert stretches(asha) == list(STANDARD_HOURS)


def test_patterns_that_never_apply_together_may_overlap_in_time(as_asha, asha):
    as_asha.post(
        URL,
        week_post(
            {0: [("09:00", "12:00", "", LAST_OLD_DAY.isoformat()), ("10:00", "14:00", FIRST_NEW_DAY.isoformat(), "")]}
        ),
    )

    assert len(stretches(asha)) == 2


def test_touching_stretches_are_fine(as_asha, asha):
    as_asha.post(URL, week_post({0: [("09:00", "12:00", "", ""), ("12:00", "15:00", "", "")]}))

    assert len(stretches(asha)) == 2


def test_a_tampered_form_is_refused_and_nothing_changes(as_asha, asha):
    missing = as_asha.post(URL, {"day0-0-start": "09:00"})
    too_many = as_asha.post(URL, {**week_post({}), "day0-TOTAL_FORMS": "50"})

    assert missing.status_code == too_many.status_code == 200
    assert "Some hours need fixing" in missing.content.decode()
    assert "Please submit at most 8 forms." in too_many.content.decode()
    assert stretches(asha) == list(STANDARD_HOURS)
