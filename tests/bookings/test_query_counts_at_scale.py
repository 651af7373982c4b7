"""Every page's query count stays the same as the clinic's bookings grow from 500 to 50,000.

The other query-count tests grow the data by a handful of rows; this one grows it by a
hundred times, the way a clinic's history does (two years of twenty therapists' full days),
and asks each page people load for its count before and after."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from clinic.london import wall_clock_to_utc

from ..clock import TODAY, days_from_now
from ..factories import grant_clinic_diary, make_bookable_therapist, make_user, make_working_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

THERAPISTS = 20
DAY = days_from_now(3)  # the day the pages show
# Each therapist's bookings fill whole days, 08:00 to 20:00: the day shown and the one after
# first, then day after day back into the past.
DAYS_IN_ORDER = [DAY, DAY + dt.timedelta(days=1)] + [DAY - dt.timedelta(days=n) for n in range(1, 400)]


def add_bookings(therapists, session_type, alice, upto: int) -> None:
    """Brings the clinic to ``upto`` bookings, the same share for each therapist; alice has
    her two (the first two of asha's) whatever the size."""
    each_from = Booking.objects.count() // len(therapists)
    each_to = upto // len(therapists)
    rows = []
    for therapist in therapists:
        for k in range(each_from, each_to):
            day, hour = DAYS_IN_ORDER[k // 12], 8 + k % 12
            start = wall_clock_to_utc(day, dt.time(hour))
            end = start + dt.timedelta(minutes=60)
            is_alices = therapist == therapists[0] and k < 2
            rows.append(
                Booking(
                    client=alice if is_alices else None,
                    client_name="Alice" if is_alices else f"Client {k}",
                    client_email=alice.email if is_alices else f"client{k}@example.com",
                    client_phone="07700 900123",
                    therapist=therapist,
                    session_type=session_type,
                    start=start,
                    end=end,
                    blocks_until=end,
                    status=Booking.Status.ATTENDED if day < TODAY else Booking.Status.CONFIRMED,
                )
            )
    Booking.objects.bulk_create(rows, batch_size=5000)
    assert Booking.objects.count() == upto


def queries(client: Client, url: str, **headers) -> int:
    cache.clear()  # a cached slot list would hide its queries
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_no_page_takes_more_queries_with_50000_bookings_than_with_500(asha, sports, alice):
    therapists = [asha] + [make_bookable_therapist(f"t{n}") for n in range(THERAPISTS - 1)]
    for therapist in therapists[1:]:
        make_working_hours(therapist)
    sports.therapists.set(therapists)
    reception = grant_clinic_diary(make_user("rita", is_staff=True))
    visitor, as_alice, as_asha, as_rita = Client(), Client(), Client(), Client()
    as_alice.force_login(alice)
    as_asha.force_login(asha.user)
    as_rita.force_login(reception)
    booking_page = f"/book/{sports.pk}/?date={DAY.isoformat()}"

    def measure(alices_booking: int) -> dict[str, int]:
        return {
            "home": queries(visitor, "/"),
            "therapists": queries(visitor, "/therapists/"),
            "booking page": queries(visitor, f"{booking_page}&therapist={asha.pk}"),
            "slot list": queries(visitor, f"{booking_page}&therapist={asha.pk}", HTTP_HX_REQUEST="true"),
            "first available": queries(visitor, f"{booking_page}&therapist=any", HTTP_HX_REQUEST="true"),
            "therapist's free times": queries(visitor, f"/therapists/{asha.pk}/slots/?date={DAY.isoformat()}"),
            "my bookings": queries(as_alice, "/my-bookings/"),
            "my data": queries(as_alice, "/my-data/"),
            "diary week": queries(as_asha, f"/diary/week/{DAY.isoformat()}/"),
            "diary day": queries(as_asha, f"/diary/day/{DAY.isoformat()}/"),
            "booking detail": queries(as_asha, f"/bookings/{alices_booking}/"),
            "clinic day": queries(as_rita, f"/diary/clinic/{DAY.isoformat()}/"),
            "clinic day by room": queries(as_rita, f"/diary/clinic/{DAY.isoformat()}/?by=room"),
            "clinic week": queries(as_rita, f"/diary/clinic/week/{DAY.isoformat()}/"),
        }

    add_bookings(therapists, sports, alice, upto=500)
    alices_booking = Booking.objects.filter(client=alice).earliest("start").pk
    measure(alices_booking)  # a first visit creates the clinic's settings rows: not growth
    at_500 = measure(alices_booking)
    add_bookings(therapists, sports, alice, upto=50_000)
    at_50000 = measure(alices_booking)

    assert at_50000 == at_500
