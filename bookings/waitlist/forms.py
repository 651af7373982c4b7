"""The waitlist's forms: what a client is waiting for, and when they can come."""

from django import forms
from django.utils import timezone

from bookings.models import WaitlistEntry
from bookings.privacy import health_consent
from bookings.slots.selectors import session_type_list_active
from therapists.models import Therapist

NOTICE_CHOICES = [(2, "2 hours"), (4, "4 hours"), (12, "12 hours"), (24, "A day"), (48, "Two days")]


class WaitlistWhenForm(forms.Form):
    """When the client can come: "earlier than my booking" asks only this."""

    windows = forms.MultipleChoiceField(
        label="Times of day you can come",
        choices=[
            ("morning", "Morning (8:00 to 12:00)"),
            ("afternoon", "Afternoon (12:00 to 17:00)"),
            ("evening", "Evening (17:00 to 21:00)"),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    own_from = forms.TimeField(
        label="Or your own hours: from",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Your own hours, if you give them, replace the times of day above.",
    )
    own_until = forms.TimeField(label="until", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    notice_hours = forms.TypedChoiceField(
        label="The shortest notice you can manage",
        choices=NOTICE_CHOICES,
        coerce=int,
        initial=2,
        help_text="We only offer you a time at least this far ahead.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["windows"].initial = list(WaitlistEntry.WINDOWS)

    def clean(self) -> dict:
        data = super().clean()
        own = (data.get("own_from"), data.get("own_until"))
        if any(own) and not all(own):
            self.add_error("own_until" if own[0] else "own_from", "Please give both ends of your own hours.")
        elif not any(own) and not data.get("windows"):
            self.add_error("windows", "Please choose at least one time of day, or give your own hours.")
        return data

    def when(self) -> dict:
        """The services' windows and own_hours, from the cleaned form."""
        own = (self.cleaned_data.get("own_from"), self.cleaned_data.get("own_until"))
        return {"windows": self.cleaned_data.get("windows") or [], "own_hours": own if all(own) else None}


class WaitlistJoinForm(WaitlistWhenForm):
    session_type = forms.ModelChoiceField(
        label="Session", queryset=session_type_list_active(), empty_label="Choose one"
    )
    therapist = forms.ModelChoiceField(
        label="Therapist",
        queryset=Therapist.objects.none(),
        required=False,
        empty_label="Any therapist",
    )
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    field_order = [
        "session_type",
        "therapist",
        "first_day",
        "last_day",
        "windows",
        "own_from",
        "own_until",
        "notice_hours",
    ]

    def __init__(self, *args, guest: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = Therapist.objects.bookable(on=timezone.localdate()).order_by("display_name")
        if guest:  # no account: who to tell, and where
            self.fields["name"] = forms.CharField(
                label="Name", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
            )
            self.fields["email"] = forms.EmailField(
                label="Email",
                max_length=254,
                widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                help_text="We email a link to confirm the place, then any offers, here.",
            )


class SameAnswersForm(forms.Form):
    """A returning client taking an offer: their last health answers stand, confirmed."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    nothing_changed = forms.BooleanField(
        error_messages={"required": "Please confirm nothing has changed, or answer the questions again below."}
    )
    phone = forms.CharField(
        label="Mobile number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        help_text="Only used if we need to reach you about this booking.",
    )
    consent = forms.BooleanField(
        label=health_consent.WORDING,
        error_messages={"required": "We need your agreement to keep your health answers before we can book you in."},
    )

    def __init__(self, *args, since, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "nothing_changed"
        ].label = f"Nothing about my health has changed since my session on {timezone.localtime(since):%-d %B %Y}"
