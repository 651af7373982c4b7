import datetime
from collections.abc import Sequence

from django import forms

from .models import SessionType


class SlotSearchForm(forms.Form):
    """Which session and which day a client wants to see free times for (a GET form)."""

    session_type = forms.TypedChoiceField(coerce=int, label="Session")
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, today: datetime.date, session_types: Sequence[SessionType]):
        super().__init__(data)
        self.today = today
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
        return day
