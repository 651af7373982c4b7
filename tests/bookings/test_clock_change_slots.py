"""Slot search on the 2026 clock-change days, through the selector and the pages clients use.

On 29 March 01:00-01:59 does not happen; on 25 October it happens twice, and a time the clock
shows twice is labelled with its zone wherever a slot time is shown."""

import datetime as dt
import re

import pytest

from bookings.messaging.email_content import email_context
from bookings.models import OutboundEmail
from bookings.slots.selectors import available_slots, free_slot_at
from clinic.emails import render_email
from clinic.london import LONDON, clock_label
from therapists.models import WorkingHours

from ..factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.booking_rules(slot_step_minutes=30, min_notice_minutes=0)]

SPRING_FORWARD = dt.date(2026, 3, 29)
FALL_BACK = dt.date(2026, 10, 25)
SUNDAY = 6


def sunday_hours(therapist, *stretches):
    therapist.working_hours.all().delete()
    for start, end in stretches:
        WorkingHours.objects.create(
            therapist=therapist,
            weekday=SUNDAY,
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
        )


def the_week_before(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day - dt.timedelta(days=7), dt.time(12), tzinfo=LONDON)


CASES = [
    pytest.param(
        FALL_BACK, [("00:00", "01:00")], ["00:00"], id="25 Oct: 00:00-01:00 offers nothing past the first 01:00"
    ),
    pytest.param(
        FALL_BACK,
        [("00:00", "01:30")],
        ["00:00", "00:30"],
        id="25 Oct: a stretch ending at 01:30 ends at 01:30 BST",
    ),
    pytest.param(
        FALL_BACK,
        [("00:00", "03:00")],
        ["00:00", "00:30", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT", "02:00"],
        id="25 Oct: the repeated hour is offered twice, each labelled",
    ),
    pytest.param(
        FALL_BACK,
        [("09:00", "11:00")],
        ["09:00", "09:30", "10:00"],
        id="25 Oct: daytime is ordinary",
    ),
    pytest.param(
        SPRING_FORWARD,
        [("00:00", "04:00")],
        ["00:00", "00:30", "02:00", "02:30", "03:00"],
        id="29 Mar: nothing starts in the missing hour",
    ),
    pytest.param(
        SPRING_FORWARD,
        [("00:00", "01:30")],
        ["00:00"],
        id="29 Mar: a stretch ending in the missing hour ends when the clocks jump",
    ),
    pytest.param(
        SPRING_FORWARD,
        [("01:30", "03:00")],
        ["02:00"],
        id="29 Mar: a stretch starting in the missing hour starts when the clocks jump",
    ),
    pytest.param(
        SPRING_FORWARD,
        [("09:00", "11:00")],
        ["09:00", "09:30", "10:00"],
        id="29 Mar: daytime is ordinary",
    ),
]


@pytest.mark.parametrize("day, stretches, expected", CASES)
def test_slot_search_on_the_2026_clock_change_days(asha, sports, rules, day, stretches, expected):
    sunday_hours(asha, *stretches)

    for therapist_id in (asha.pk, None):  # one therapist, and "first available"
        slots = available_slots(
            therapist_id=therapist_id, session_type=sports, date_from=day, date_to=day, now=the_week_before(day)
        )
        assert [clock_label(slot.start) for slot in slots] == expected


def test_a_booking_in_the_first_01_00_leaves_the_second_free(asha, sports, rules, alice):
    sunday_hours(asha, ("00:00", "03:00"))
    make_booking(
        therapist=asha, client=alice, session_type=sports, start=dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC)
    )

    slots = available_slots(
        therapist_id=asha.pk,
        session_type=sports,
        date_from=FALL_BACK,
        date_to=FALL_BACK,
        now=the_week_before(FALL_BACK),
    )

    assert [clock_label(slot.start) for slot in slots] == ["00:00", "01:00 GMT", "01:30 GMT", "02:00"]


@pytest.mark.parametrize("fold, utc_hour", [(0, 0), (1, 1)], ids=["01:30 BST (fold=0)", "01:30 GMT (fold=1)"])
def test_free_slot_at_finds_each_reading_of_the_repeated_01_30(asha, sports, rules, fold, utc_hour):
    # PEP 495: an aware datetime in the repeated hour is never == another zone's datetime, so
    # the re-check under the booking lock must compare instants.
    sunday_hours(asha, ("00:00", "03:00"))
    start = dt.datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=fold)

    for therapist_id in (asha.pk, None):
        slot = free_slot_at(therapist_id=therapist_id, session_type=sports, start=start, now=the_week_before(FALL_BACK))
        assert slot is not None
        assert slot.start == dt.datetime(2026, 10, 25, utc_hour, 30, tzinfo=dt.UTC)


def shown_times(page: str) -> list[str]:
    return re.findall(r'<time datetime="[^"]+">([^<]+)</time>', page)


def test_the_slot_pages_label_the_repeated_hour(client, asha, sports, rules, time_machine):
    time_machine.move_to(the_week_before(FALL_BACK), tick=False)
    sunday_hours(asha, ("00:30", "02:30"))
    query = f"date={FALL_BACK}"

    therapist_page = client.get(f"/therapists/{asha.pk}/slots/?session_type={sports.pk}&{query}").content.decode()
    book_page = client.get(f"/book/{sports.pk}/?therapist={asha.pk}&{query}").content.decode()

    expected = ["00:30", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT"]
    assert shown_times(therapist_page) == expected
    assert shown_times(book_page) == expected


def test_a_booking_in_the_repeated_hour_says_which_one_in_its_page_and_emails(client, asha, sports, rules, alice):
    start = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC)  # the second 01:00, GMT
    booking = make_booking(therapist=asha, client=alice, session_type=sports, start=start)
    email = OutboundEmail.objects.create(
        booking=booking, kind=OutboundEmail.Kind.BOOKING_CONFIRMATION, to_email=alice.email, due_at=start
    )
    client.force_login(asha.user)

    page = client.get(f"/bookings/{booking.pk}/").content.decode()
    subject, text, html = render_email(email.kind, email_context(email))

    assert "Sunday 25 October 2026, 01:00 GMT" in page
    assert "to 02:00," in page
    assert subject.endswith("Sunday 25 October, 01:00 GMT")
    assert "Sunday 25 October 2026, 01:00 GMT to 02:00 (UK time)" in text
    assert "Sunday 25 October 2026, 01:00 GMT to 02:00 (UK time)" in html
