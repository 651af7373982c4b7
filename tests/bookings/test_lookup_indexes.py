"""Every lookup a page makes has an index that serves it, so pages do not slow down as the
tables grow. On PostgreSQL the planner is asked, with sequential scans priced out (the test
tables are tiny, and a seq scan would win on size alone): it must be able to use the index."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import AftercareOptOut, Booking, OutboundEmail
from bookings.privacy.claims import bookings_claim, bookings_for_account
from bookings.privacy.my_data import guest_data_erase
from therapists.models import Therapist, TimeOff

from ..clock import NOW
from ..factories import make_booking

pytestmark = pytest.mark.django_db


def index_names(model) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name for name, info in constraints.items() if info["index"]}


@pytest.mark.parametrize(
    "model, name",
    [
        (Booking, "booking_client_email_upper"),
        (AftercareOptOut, "aftercare_opt_out_email_upper"),
        (OutboundEmail, "outbound_email_to_upper"),
    ],
)
def test_case_insensitive_email_lookups_have_an_expression_index(model, name):
    assert name in {index.name for index in model._meta.indexes}
    assert name in index_names(model)


@pytest.mark.parametrize(
    "model, fields",
    [
        (Booking, ["therapist", "start"]),
        (TimeOff, ["therapist", "start"]),
        (Therapist, ["registration_status", "registration_expires_on"]),
        (OutboundEmail, ["status", "due_at"]),
    ],
)
def test_range_lookups_by_therapist_and_time_have_an_index(model, fields):
    assert fields in [list(index.fields) for index in model._meta.indexes]


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_postgresql_serves_the_pages_lookups_from_the_indexes(asha):
    email = "Alice@Example.com"
    cases = [
        # The booking page's earlier sessions of the same client, and the manage link.
        (Booking.objects.filter(client_email__iexact=email, start__lt=NOW), "booking_client_email_upper"),
        # Slot search and the diary: a therapist's bookings in a window.
        (
            Booking.objects.filter(therapist=asha, start__lt=NOW + dt.timedelta(days=1), blocks_until__gt=NOW),
            "bookings_bo_therapi_9ca37a_idx",
        ),
        (AftercareOptOut.objects.filter(email__iexact=email), "aftercare_opt_out_email_upper"),
        (OutboundEmail.objects.filter(to_email__iexact=email), "outbound_email_to_upper"),
        # Who can be booked on a day: every slot page filters therapists by this.
        (Therapist.objects.bookable(on=NOW.date()), "therapists__registr_e568da_idx"),
    ]
    for queryset, index in cases:
        explained = plan(queryset)
        assert "Index" in explained and index in explained, explained


def plans_of_email_lookups(run) -> list[str]:
    """Runs ``run`` as the app would, then asks the planner (sequential scans priced out) about
    every statement it sent that looks bookings up by address: the real SQL, not a copy."""
    with CaptureQueriesContext(connection) as sent:
        run()
    statements = [
        query["sql"] for query in sent.captured_queries if "client_email" in query["sql"].partition(" WHERE ")[2]
    ]
    assert statements, "no lookup by address was sent"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for statement in statements:
            cursor.execute(f"EXPLAIN {statement}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_verifying_an_address_finds_its_guest_bookings_by_the_index(asha, alice):
    for n in range(3):
        make_booking(therapist=asha, client_email=f"guest{n}@example.com", start=NOW + dt.timedelta(days=n + 1))

    plans = plans_of_email_lookups(lambda: bookings_claim(user=alice, email="Guest1@Example.com"))

    assert len(plans) == 1
    assert "booking_client_email_upper" in plans[0], plans[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_a_guests_erasure_finds_their_bookings_by_the_index(asha, admin_user):
    make_booking(therapist=asha, client_email="guest@example.com", start=NOW - dt.timedelta(days=40))

    plans = plans_of_email_lookups(lambda: guest_data_erase(email="Guest@Example.com", run_by=admin_user, now=NOW))

    assert len(plans) == 2  # does an account hold the address, then the guest's bookings
    for plan in plans:
        assert "booking_client_email_upper" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_my_bookings_are_found_by_the_account_not_the_address(asha, alice):
    make_booking(therapist=asha, client=alice)

    explained = plan(bookings_for_account(user=alice))

    assert "client_email" not in explained.partition("Index Cond")[2]
    assert "bookings_booking_client_id" in explained, explained
