"""The report's filters, read from the query string."""

from django import forms

from bookings.reports.period import PRESETS
from bookings.slots.selectors import session_type_list_active
from clinic.models import Room


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(label="Period", choices=list(PRESETS.items()), initial="last_month", required=False)
    first = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Please give the first day as a date."},
    )
    last = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Please give the last day as a date."},
    )
    therapist = forms.TypedChoiceField(label="Therapist", required=False, coerce=int, empty_value=None)
    session_type = forms.ModelChoiceField(
        label="Session", queryset=session_type_list_active(), required=False, empty_label="Every session"
    )
    room = forms.ModelChoiceField(
        label="Room",
        queryset=Room.objects.filter(active=True),
        required=False,
        empty_label="Every room",
        error_messages={"invalid_choice": "That room is not one of the clinic's. Please choose from the list."},
    )

    def __init__(self, *args, therapists, everyone: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(t.pk, t.display_name) for t in therapists]
        self.fields["therapist"].choices = ([("", "Every therapist")] if everyone else []) + choices
        self.fields["therapist"].error_messages["invalid_choice"] = "You can see the figures of the therapists listed."
