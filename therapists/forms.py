import datetime

from django import forms

from clinic.models import SessionType
from clinic.problems import Problem

from .models import Therapist
from .uploads import validate_certificate, validate_photo


class SessionTypeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, session_type: SessionType) -> str:
        return f"{session_type.name} ({session_type.duration_minutes} minutes)"


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=100, help_text="The name clients see, for example “Asha Patel”.")
    bio = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A few lines about your experience and who you like to work with. Up to 2,000 characters.",
    )
    photo = forms.FileField(required=False, help_text="Optional. A JPEG, PNG or WebP image, up to 5 MB.")
    remove_photo = forms.BooleanField(required=False, label="Remove my current photo")
    specialities = forms.MultipleChoiceField(
        choices=Problem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The problems you most often help clients with.",
    )
    session_types = SessionTypeChoiceField(
        queryset=SessionType.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Sessions you offer",
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        return validate_photo(photo) if photo else None


class RegistrationForm(forms.Form):
    cnhc_number = forms.CharField(
        max_length=50,
        label="CNHC registration number",
        help_text="Exactly as it appears on your CNHC registration.",
    )
    disciplines = forms.MultipleChoiceField(
        choices=Therapist.Discipline.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Disciplines you are registered for",
        error_messages={"required": "Choose at least one discipline you are registered for."},
    )
    cnhc_renews_on = forms.DateField(
        label="CNHC renewal date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date your CNHC registration is next due for renewal.",
        error_messages={"required": "Enter the date your CNHC registration is next due for renewal."},
    )
    certificate = forms.FileField(
        required=False,
        label="Registration certificate",
        help_text="Optional. A PDF, or a JPEG, PNG or WebP image, up to 10 MB. Only you and the clinic's checkers can open it.",
    )
    other_registers = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Other registers",
        help_text="Optional. Other registers you are on, with your numbers (for example FHT or BASRaT).",
    )

    def clean_certificate(self):
        certificate = self.cleaned_data.get("certificate")
        return validate_certificate(certificate) if certificate else None


def one_year_from(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class ApproveForm(forms.Form):
    # The number shown on the page the decider looked at; the service refuses if it has changed.
    cnhc_number_checked = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)
    seen_on_register = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What you saw on the CNHC register",
        help_text="Name, registration number, disciplines, town and any conditions or sanctions shown.",
        error_messages={"required": "Write down what you saw on the CNHC register."},
    )
    expires_on = forms.DateField(
        label="Check holds until",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The last day clients can book them on this check. Usually a year from today; "
        "choose an earlier date if the register shows an earlier renewal.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason (the therapist will see this)",
        error_messages={"required": "Give a reason: the therapist will see it."},
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)"
    )
