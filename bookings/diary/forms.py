import datetime

from django import forms

from bookings.slots.availability import WeeklyHours
from clinic.london import EARLIEST_DAY, LATEST_DAY, NonexistentLocalTime, day_in_range, wall_clock_to_utc
from therapists.models import TimeOff, WorkingHours

TIME_INPUT = forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}, format="%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")


class StretchForm(forms.Form):
    """One working stretch on a weekday; a row left blank is no stretch."""

    start = forms.TimeField(label="From", required=False, widget=TIME_INPUT)
    end = forms.TimeField(label="To", required=False, widget=TIME_INPUT)
    effective_from = forms.DateField(label="Starting on", required=False, widget=DATE_INPUT)
    effective_until = forms.DateField(label="Until", required=False, widget=DATE_INPUT)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if start is None and end is None:
            if data.get("effective_from") or data.get("effective_until"):
                self.add_error("start", "Give the times, or clear the dates too.")
            return data
        if start is None:
            self.add_error("start", "Give a start time.")
        elif end is None:
            self.add_error("end", "Give an end time.")
        elif end <= start:
            self.add_error("end", "The end must be after the start.")
        if (
            data.get("effective_from")
            and data.get("effective_until")
            and data["effective_until"] < data["effective_from"]
        ):
            self.add_error("effective_until", "This must be on or after the first day.")
        return data

    def stretch(self, weekday: int) -> WeeklyHours | None:
        data = self.cleaned_data
        if not data.get("start"):
            return None
        return WeeklyHours(weekday, data["start"], data["end"], data.get("effective_from"), data.get("effective_until"))


# A working day with a break needs two rows; a day already set needs just one spare.
_NEW_DAY_FORMSET = forms.formset_factory(StretchForm, extra=2, max_num=8, validate_max=True)
_SET_DAY_FORMSET = forms.formset_factory(StretchForm, extra=1, max_num=8, validate_max=True)


def week_formsets(data=None, *, existing=()) -> list[tuple[int, str, forms.BaseFormSet]]:
    """One formset per weekday, prefilled with the therapist's current stretches."""
    by_day: dict[int, list[dict]] = {day: [] for day in range(7)}
    for stretch in existing:
        by_day[stretch.weekday].append(
            {
                "start": stretch.start_time,
                "end": stretch.end_time,
                "effective_from": stretch.effective_from,
                "effective_until": stretch.effective_until,
            }
        )
    return [
        (
            day,
            name,
            (_SET_DAY_FORMSET if by_day[day] else _NEW_DAY_FORMSET)(data, initial=by_day[day], prefix=f"day{day}"),
        )
        for day, name in WorkingHours.Weekday.choices
    ]


class TimeOffForm(forms.Form):
    """Time off in London wall-clock time; blank times mean the whole of those days."""

    start_date = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="From (time)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Leave blank to start at midnight.",
    )
    end_date = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(
        label="Until (time)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Leave blank for the end of the last day.",
    )
    reason = forms.ChoiceField(choices=TimeOff.Reason.choices)
    note = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for name in ("start_date", "end_date"):
            if not day_in_range(data[name]):
                self.add_error(name, f"Choose a day between {EARLIEST_DAY:%Y} and {LATEST_DAY:%Y}.")
        if self.errors:
            return data
        try:
            data["start"] = wall_clock_to_utc(data["start_date"], data.get("start_time") or datetime.time())
        except NonexistentLocalTime as error:
            self.add_error("start_time", str(error))
        try:
            if data.get("end_time"):
                data["end"] = wall_clock_to_utc(data["end_date"], data["end_time"], latest=True)
            else:
                data["end"] = wall_clock_to_utc(data["end_date"] + datetime.timedelta(days=1), datetime.time())
        except NonexistentLocalTime as error:
            self.add_error("end_time", str(error))
        if not self.errors and data["end"] <= data["start"]:
            self.add_error("end_date", "The time off must end after it starts.")
        return data
