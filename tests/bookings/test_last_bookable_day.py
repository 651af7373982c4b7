"""The last bookable day is one rule (bookings.slots.selectors.last_bookable_day): the booking
pages' day pickers go up to it, the slot search offers times on it and none after it, and the
booking service takes a time on it and refuses the day after with the same date."""

import re

import pytest
from django.urls import reverse

from bookings.services.booking import SlotNotFree
from bookings.slots.selectors import available_slots, last_bookable_day
from clinic.london import LONDON

from ..clock import NOW, TODAY, at, days_from_now
from ..factories import book

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "rules"),
    pytest.mark.booking_rules(horizon_days=12),
]

LAST_DAY = days_from_now(12)  # Monday 28 January: asha works every day, so only the horizon decides
DAY_AFTER = days_from_now(13)


def slot_page(client, session_type, therapist, day) -> str:
    url = reverse("book_slots", args=[session_type.pk])
    return client.get(url, {"therapist": therapist.pk, "date": day.isoformat()}).content.decode()


def offered_starts(page: str) -> list[str]:
    return re.findall(r'<time datetime="([^"]+)">', page)


def test_the_last_bookable_day_is_the_horizon_after_today():
    assert last_bookable_day(now=NOW) == LAST_DAY


def test_the_day_picker_stops_where_the_search_stops_offering(client, asha, sports):
    offered = available_slots(
        therapist_id=asha.pk, session_type=sports, date_from=TODAY, date_to=days_from_now(60), now=NOW
    )

    assert offered[-1].start.astimezone(LONDON).date() == LAST_DAY
    assert f'max="{LAST_DAY.isoformat()}"' in slot_page(client, sports, asha, TODAY)
    therapist_page = client.get(f"/therapists/{asha.pk}/slots/", {"session_type": sports.pk}).content.decode()
    assert f'max="{LAST_DAY.isoformat()}"' in therapist_page


def test_a_time_the_page_offers_on_the_last_day_can_be_booked(client, asha, sports):
    starts = offered_starts(slot_page(client, sports, asha, LAST_DAY))

    assert starts, "the last bookable day shows its free times"
    last = starts[-1]
    booking = book(sports, asha, at(LAST_DAY, last[11:16]))
    assert booking.start.astimezone(LONDON).isoformat() == last


def test_the_day_after_is_refused_by_the_picker_the_search_and_the_service_alike(client, asha, sports):
    page = slot_page(client, sports, asha, DAY_AFTER)

    assert "We take bookings up to 28 January 2030" in page
    assert offered_starts(page) == []
    assert (
        available_slots(therapist_id=asha.pk, session_type=sports, date_from=DAY_AFTER, date_to=DAY_AFTER, now=NOW)
        == []
    )
    with pytest.raises(SlotNotFree, match="We take bookings up to 28 January 2030"):
        book(sports, asha, at(DAY_AFTER, "10:00"))
