"""An admin list filtered by a day at the calendar's ends (``?start__year=9999``, or a typed
``?created_at__gte=0001-01-01T00:00+05:00``) goes back to the list without that filter and
says why, never a 500: every list the admin has, the packages' included, is walked."""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import models

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

MESSAGE = "Dates here run from 1 January 2000 to 31 December 2099: a date outside that was taken off the filter."
DRILL_DOWNS = [
    "{f}__year=9999",
    "{f}__year=9999&{f}__month=12",
    "{f}__year=9999&{f}__month=12&{f}__day=31",
    "{f}__year=0001",
    "{f}__year=99999999999999999999",
]
TYPED = ["{f}__gte=0001-01-01T00:00:00%2B05:00", "{f}__lt=9999-12-31T23:30:00-05:00", "{f}__year__gte=9999"]


def lists_with_dates():
    for model, model_admin in admin.site._registry.items():
        dates = [f for f in model._meta.concrete_fields if isinstance(f, models.DateField)]
        if dates:
            yield f"/admin/{model._meta.app_label}/{model._meta.model_name}/", model_admin.date_hierarchy, dates


def refused_cleanly(client, url: str, query: str) -> None:
    response = client.get(f"{url}?{query}&o=1")

    assert response.status_code == 302, (url, query)
    assert response.url == f"{url}?o=1"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [MESSAGE]
    assert client.get(response.url).status_code == 200


def test_the_date_drill_down_at_the_ends_of_the_calendar_goes_back_to_the_whole_list(admin_client):
    client_lists = [(url, hierarchy) for url, hierarchy, _ in lists_with_dates() if hierarchy]
    assert {url for url, _ in client_lists} >= {"/admin/bookings/booking/", "/admin/bookings/healthdataaccess/"}
    for url, hierarchy in client_lists:
        for query in DRILL_DOWNS:
            refused_cleanly(admin_client, url, query.format(f=hierarchy))


def test_a_typed_date_at_the_ends_of_the_calendar_on_any_list_is_taken_off(admin_client):
    for url, _, dates in lists_with_dates():
        for field in dates:
            for query in TYPED:
                refused_cleanly(admin_client, url, query.format(f=field.name))


def test_a_date_through_a_relation_is_checked_too(admin_client):
    refused_cleanly(admin_client, "/admin/bookings/outboundemail/", "booking__start__gte=0001-01-01T00:00:00%2B05:00")


def test_days_within_the_clinics_years_still_filter(admin_client):
    for url, hierarchy, dates in lists_with_dates():
        if hierarchy:
            assert (
                admin_client.get(f"{url}?{hierarchy}__year=2099&{hierarchy}__month=12&{hierarchy}__day=31").status_code
                == 200
            )
        for field in dates:
            first = "2000-01-01T00:00:00%2B00:00" if isinstance(field, models.DateTimeField) else "2000-01-01"
            assert admin_client.get(f"{url}?{field.name}__gte={first}").status_code == 200, (url, field.name)
