import datetime
from collections.abc import Iterable, Sequence

from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from bookings.clinical import health
from bookings.privacy import health_consent
from bookings.privacy import marketing as marketing_services
from bookings.records.forms import PAIN_NOW, ratings_from, score_field
from clinic.london import instant_in_range
from clinic.models import SessionType
from clinic.problems import Problem


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


PRESSURE_CHOICES = [("", "Let my therapist advise")] + [
    (str(level), f"{level}: {words}")
    for level, words in [
        (2, "very light"),
        (3, "light"),
        (4, "light to medium"),
        (5, "medium"),
        (6, "medium to firm"),
        (7, "firm"),
        (8, "very firm"),
    ]
]
NONE_OF_THESE = "none"
UK_PHONE_DIGITS = (10, 15)


class BookingDetailsForm(forms.Form):
    """The health screen, the client's details and consent: the last step before booking."""

    therapist = forms.CharField(widget=forms.HiddenInput)
    start = forms.DateTimeField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "The time you chose could not be read.",
            "invalid": "The time you chose could not be read.",
        },
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    # Staff booking a client in choose the room (the view gives the rooms free then), or leave it
    # to the first free one; a client's own booking gets the first free room.
    room = forms.TypedChoiceField(
        label="Room",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "That room is not free then. Choose another, or the first free room."},
    )

    def clean_start(self) -> datetime.datetime:
        start = self.cleaned_data["start"]
        if start <= timezone.now():
            raise forms.ValidationError("That time has passed.")
        if not instant_in_range(start):
            # Year 9999 in a tampered link: no clinic takes bookings that far ahead.
            raise forms.ValidationError("That time is too far ahead to book.")
        return start

    main_problem = forms.ChoiceField(
        label="What would you like help with?", choices=[("", "Choose one")] + Problem.choices
    )
    preferred_pressure = forms.TypedChoiceField(
        label="Pressure you prefer (0-10)",
        choices=PRESSURE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="If a problem is sore or has flared up recently, lighter is usually better.",
    )
    notes = forms.CharField(
        label="Anything your therapist should know",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example which side, how long it has bothered you, or your next race.",
    )
    doctor_ok = forms.BooleanField(
        required=False,
        label="I have my doctor's agreement to have massage",
        help_text="Needed if you said yes to diabetes, a heart or circulation condition, blood thinners or "
        "haemophilia, cancer treatment, or pregnancy. Your therapist will ask to see it.",
    )
    pregnancy_trimester = forms.TypedChoiceField(
        label="If you are pregnant: which trimester are you in?",
        choices=[("", "Not pregnant"), ("1", "First (weeks 1-12)"), ("2", "Second (weeks 13-27)"), ("3", "Third")],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Many therapists do not give massage in the first trimester.",
    )
    # Outcome scores (bookings.records.outcome_scores): rated again two days after the session.
    pain_now = score_field(PAIN_NOW)
    activity_1 = forms.CharField(
        label="An activity that matters to you and the problem makes hard",
        max_length=60,
        required=False,
        help_text="For example: running 5k, climbing stairs, sleeping on my side.",
    )
    activity_1_score = score_field("How well can you do it now? (0 cannot, 10 as well as before the problem)")
    activity_2 = forms.CharField(label="Another activity (optional)", max_length=60, required=False)
    activity_2_score = score_field("How well can you do that one now? (0 to 10)")
    name = forms.CharField(label="Your name", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send the confirmation and a link to change or cancel here.",
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

    # Marketing, so separate from everything else and unticked: nobody ticks it for the client
    # (it is not offered when staff book on a client's behalf).
    marketing = forms.BooleanField(required=False, label=marketing_services.WORDING)

    # The same step filled in by a therapist or admin for a client (on the phone, say): the
    # questions and the consent are about the client, not the person typing.
    ON_BEHALF = {
        "main_problem": {"label": "What would the client like help with?"},
        "preferred_pressure": {"label": "Pressure the client prefers (0-10)"},
        "notes": {
            "label": "Anything the therapist should know",
            "help_text": "For example which side, or how long it has bothered them.",
        },
        "name": {"label": "Client's name"},
        "email": {"label": "Client's email", "help_text": "The confirmation and a link to change or cancel go here."},
        "phone": {
            "label": "Client's mobile number",
            "help_text": "Only used if we need to reach them about this booking.",
        },
        "doctor_ok": {
            "label": "The client has their doctor's agreement to have massage",
            "help_text": "Needed for diabetes, a heart or circulation condition, blood thinners or haemophilia, "
            "cancer treatment, or pregnancy. The therapist will ask to see it.",
        },
        "pregnancy_trimester": {"label": "If the client is pregnant: which trimester?"},
        "pain_now": {"label": "How much does it hurt the client now? (0 no pain, 10 the worst)"},
        "activity_1": {
            "label": "An activity that matters to the client and the problem makes hard",
            "help_text": "For example: running 5k, climbing stairs.",
        },
        "activity_1_score": {"label": "How well can they do it now? (0 cannot, 10 as well as before)"},
        "consent": {
            "label": health_consent.WORDING_ON_BEHALF,
            "error_messages": {
                "required": "Ask the client for their agreement to keep their health answers, then tick this."
            },
        },
    }

    def __init__(self, *args, on_behalf: bool = False, rooms: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if on_behalf and rooms:
            self.fields["room"].choices = rooms
        else:
            del self.fields["room"]
        if on_behalf:
            for name, wording in self.ON_BEHALF.items():
                field = self.fields[name]
                field.label = wording["label"]
                field.help_text = wording.get("help_text", field.help_text)
                field.error_messages.update(wording.get("error_messages", {}))
            self.fields["preferred_pressure"].choices = [("", "Let the therapist advise")] + PRESSURE_CHOICES[1:]
            del self.fields["marketing"]
        self.health_fields = []
        for section in health.SECTIONS:
            name = f"health_{section.key}"
            self.fields[name] = forms.MultipleChoiceField(
                label=section.legend,
                choices=[(q.key, q.text) for q in section.questions] + [(NONE_OF_THESE, "None of these")],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": "Tick the ones that apply, or \u201cNone of these\u201d."},
            )
            self.health_fields.append(self[name])

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data["phone"].split())
        digits = [c for c in phone if c.isdigit()]
        if any(not (c.isdigit() or c in " +()-") for c in phone) or not (
            UK_PHONE_DIGITS[0] <= len(digits) <= UK_PHONE_DIGITS[1]
        ):
            raise forms.ValidationError("Enter a phone number such as 07700 900123 or +44 7700 900123.")
        return phone

    def clean_therapist(self) -> int | None:
        value = self.cleaned_data["therapist"]
        if value == ANY_THERAPIST:
            return None
        therapist_id = parse_id(value)
        if therapist_id is None:
            raise forms.ValidationError("Choose a therapist again.")
        return therapist_id

    def clean(self):
        cleaned = super().clean()
        answered_yes: list[str] = []
        for section in health.SECTIONS:
            chosen = cleaned.get(f"health_{section.key}") or []
            if NONE_OF_THESE in chosen and len(chosen) > 1:
                self.add_error(f"health_{section.key}", "\u201cNone of these\u201d cannot go with other answers.")
            answered_yes += [key for key in chosen if key != NONE_OF_THESE]
        cleaned["answered_yes"] = tuple(answered_yes)
        cleaned["ratings"] = ratings_from(self, cleaned)
        if health.needs_doctors_ok(answered_yes) and not cleaned.get("doctor_ok"):
            self.add_error(
                "doctor_ok",
                "Some of these answers need your doctor's agreement before massage. Tick this once you have it, "
                "or talk to your doctor first.",
            )
        pregnant = health.PREGNANT in answered_yes
        if pregnant and cleaned.get("pregnancy_trimester") is None and "pregnancy_trimester" not in self.errors:
            self.add_error("pregnancy_trimester", "Please say which trimester you are in.")
        if not pregnant:
            cleaned["pregnancy_trimester"] = None
        return cleaned
