"""Dates typed into an admin list's address, kept to the days the clinic lives in.

The admin's date drill-down (``?start__year=9999``) works out the next year, month or day, and
any typed lookup on a date (``?start__gte=0001-01-01T00:00+05:00``) is turned into UTC: both
overflow at the calendar's ends and would be a 500. A date outside clinic.london's range is a
typo or a probe, so the list drops that filter and says so.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.shortcuts import redirect

from clinic.london import EARLIEST_DAY, LATEST_DAY, day_in_range, instant_in_range

PART_RANGES = {
    "year": range(EARLIEST_DAY.year, LATEST_DAY.year + 1),
    "month": range(1, 13),
    "day": range(1, 32),
}


def _date_lookup(model, key: str) -> str | None:
    """The lookup applied to a date field ("year", "gte", "exact"...) when the query key
    reaches one, following relations (``booking__start__lt``); None for anything else."""
    parts = key.split("__")
    for index, name in enumerate(parts):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if isinstance(field, models.DateField):
            return "__".join(parts[index + 1 :]) or "exact"
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return None


def _value_fits(lookup: str, value: str) -> bool:
    part = lookup.split("__")[0]  # "year", or "year__gte" for a typed one
    if part in PART_RANGES:
        try:
            return int(value) in PART_RANGES[part]
        except ValueError:
            return False
    for text in value.split(","):  # __in and __range take several
        try:
            moment = datetime.datetime.fromisoformat(text.strip())
        except ValueError:
            continue  # not a date at all: Django's own check refuses it
        fits = instant_in_range(moment) if moment.tzinfo else day_in_range(moment.date())
        if not fits:
            return False
    return True


def dates_out_of_range(model, query) -> list[str]:
    """The keys of ``query`` (a QueryDict) that filter a date of ``model`` by one outside the
    clinic's days."""
    out = []
    for key in query:
        lookup = _date_lookup(model, key)
        if lookup and lookup != "isnull" and not all(_value_fits(lookup, value) for value in query.getlist(key)):
            out.append(key)
    # A drill-down's month and day mean nothing without its year: they go with it.
    dropped = {key.rsplit("__", 1)[0] for key in out if key.rsplit("__", 1)[-1] in PART_RANGES}
    out += [
        key
        for key in query
        if key not in out and key.rsplit("__", 1)[0] in dropped and key.rsplit("__", 1)[-1] in PART_RANGES
    ]
    return out


def admin_list_dates_refusal(request, model_admin):
    """A redirect to the same admin list without its out-of-range date filters, with a
    message; None when every date in the query is within the clinic's days."""
    refused = dates_out_of_range(model_admin.model, request.GET)
    if not refused:
        return None
    messages.error(
        request,
        f"Dates here run from {EARLIEST_DAY.day} {EARLIEST_DAY:%B %Y} to {LATEST_DAY.day} {LATEST_DAY:%B %Y}: "
        "a date outside that was taken off the filter.",
    )
    query = request.GET.copy()
    for key in refused:
        del query[key]
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
