"""Every lookup a page makes has an index that serves it, so pages do not slow down as the
tables grow. On PostgreSQL the planner is asked, with sequential scans priced out (the test
tables are tiny, and a seq scan would win on size alone): it must be able to use the index."""

import datetime as dt

import pytest
from django.db import connection

from bookings.models import AftercareOptOut, Booking, OutboundEmail
from therapists.models import Therapist, TimeOff

from ..clock import NOW

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
