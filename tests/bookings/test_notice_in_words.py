"""A notice period reads as a client would say it: days, hours and minutes, never "1888 minutes"."""

import pytest

from bookings.services.booking import SlotNotFree
from bookings.slots.refusals import minutes_in_words

from ..clock import at, days_from_now
from ..factories import book


@pytest.mark.parametrize(
    "minutes, words",
    [
        (45, "45 minutes"),
        (1, "1 minute"),
        (60, "1 hour"),
        (120, "2 hours"),
        (90, "1 hour and 30 minutes"),
        (24 * 60, "1 day"),
        (48 * 60 + 60, "2 days and 1 hour"),
        (24 * 60 + 5, "1 day and 5 minutes"),
        (1888, "1 day, 7 hours and 28 minutes"),
        (0, "0 minutes"),
    ],
)
def test_a_notice_is_put_in_days_hours_and_minutes(minutes, words):
    assert minutes_in_words(minutes) == words


@pytest.mark.django_db
@pytest.mark.usefixtures("clock", "rules")
def test_a_time_inside_an_odd_notice_is_refused_with_it_in_words(asha, sports):
    asha.min_notice_minutes = 1888
    asha.save(update_fields=["min_notice_minutes"])

    with pytest.raises(SlotNotFree) as refused:
        book(sports, asha, at(days_from_now(1), "10:00"))

    assert "can be booked up to 1 day, 7 hours and 28 minutes before they start" in str(refused.value)
