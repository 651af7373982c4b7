import datetime
from collections.abc import Iterable, Sequence

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from clinic.london import instant_in_range
from clinic.models import SessionType


class SlotSearchForm(forms.Form):
    """Which session and which day a client wants to see free times for (a GET form)."""

    session_type = forms.TypedChoiceField(coerce=int, label="Session")
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, today: datetime.date, last_day: datetime.date, session_types: Sequence[SessionType]):
        super().__init__(data)
        self.today = today
        self.last_day = last_day
        self.fields["date"].widget.attrs.update(min=today.isoformat(), max=last_day.isoformat())
        # Choices from a list already loaded, so rendering the menu costs no query.
        self.session_types = {session_type.pk: session_type for session_type in session_types}
        self.fields["session_type"].choices = [
            (session_type.pk, f"{session_type.name} ({session_type.duration_minutes} min, £{session_type.price})")
            for session_type in session_types
        ]

    def clean_session_type(self) -> SessionType:
        return self.session_types[self.cleaned_data["session_type"]]

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < self.today:
            raise forms.ValidationError("Choose today or a later day.")
        if day > self.last_day:
            raise forms.ValidationError(f"We take bookings up to {self.last_day:%-d %B %Y}. Choose an earlier day.")
        return day


ANY_THERAPIST = "any"


def parse_id(value) -> int | None:
    """A database id from a query string or form, or None. ASCII digits only: str.isdigit()
    accepts "²", which int() then refuses, and a 30-digit id overflows the database's integer."""
    text = str(value)
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def parse_start(value) -> datetime.datetime | None:
    """An aware start time from a form, or None for one that is unreadable, naive, or so near
    the calendar's ends (year 1 or 9999) that showing it in London time would overflow."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        try:
            parsed = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return parsed if instant_in_range(parsed) else None


class SlotPickForm(forms.Form):
    """Which therapist (or the first available) and which day, for one session type (GET)."""

    therapist = forms.ChoiceField(label="Therapist")
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, today: datetime.date, last_day: datetime.date, therapists: Iterable[tuple[int, str]]):
        """``therapists``: (pk, display name) pairs, in the order to offer them."""
        super().__init__(data)
        self.today = today
        self.last_day = last_day
        self.fields["therapist"].choices = [(ANY_THERAPIST, "First available")] + [
            (str(pk), name) for pk, name in therapists
        ]
        self.fields["date"].widget.attrs.update(min=today.isoformat(), max=last_day.isoformat())

    def therapist_options(self) -> str:
        """The picker's <option>s, built here rather than in a template loop: a clinic may
        list a couple of hundred therapists, and the loop was most of the page's time."""
        chosen = str(self["therapist"].value())
        return format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if value == chosen else "", label)  # noqa: S308 (a constant)
                for value, label in self.fields["therapist"].choices
            ),
        )

    def clean_therapist(self) -> int | None:
        value = self.cleaned_data["therapist"]
        return None if value == ANY_THERAPIST else int(value)

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        if day < self.today:
            raise forms.ValidationError("Choose today or a later day.")
        if day > self.last_day:
            raise forms.ValidationError(f"We take bookings up to {self.last_day:%-d %B %Y}. Choose an earlier day.")
        return day
