import datetime
from collections.abc import Iterable, Sequence

from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from bookings.clinical import body_chart, health
from bookings.clinical.body_chart import BACK, FRONT, both_sides
from bookings.privacy import health_consent
from bookings.privacy import marketing as marketing_services
from bookings.records import outcome_scores
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
SCORE_CHOICES = [(str(n), str(n)) for n in range(11)]


def ratings_from(form: forms.Form, cleaned: dict, *, activities: int = 2) -> outcome_scores.Ratings:
    """The pain and activity ratings of a form with pain_now and activity_N(_score) fields: an
    activity named without a score, or a score without its activity, is a form error."""
    named = []
    for n in range(1, activities + 1):
        name, score = (cleaned.get(f"activity_{n}") or "").strip(), cleaned.get(f"activity_{n}_score")
        if name and score is None and f"activity_{n}_score" not in form.errors:
            form.add_error(f"activity_{n}_score", "Rate this activity from 0 to 10, or leave its name empty.")
        elif score is not None and not name and f"activity_{n}" in form.fields:
            form.add_error(f"activity_{n}", "Name the activity you rated.")
        elif name and score is not None:
            named.append((name, score))
    return outcome_scores.Ratings(pain=cleaned.get("pain_now"), activities=tuple(named))


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
    pain_now = forms.TypedChoiceField(
        label="How much does it hurt now? (0 no pain, 10 the worst you can imagine)",
        choices=[("", "Choose")] + SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    activity_1 = forms.CharField(
        label="An activity that matters to you and the problem makes hard",
        max_length=60,
        required=False,
        help_text="For example: running 5k, climbing stairs, sleeping on my side.",
    )
    activity_1_score = forms.TypedChoiceField(
        label="How well can you do it now? (0 cannot, 10 as well as before the problem)",
        choices=[("", "Choose")] + SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    activity_2 = forms.CharField(label="Another activity (optional)", max_length=60, required=False)
    activity_2_score = forms.TypedChoiceField(
        label="How well can you do that one now? (0 to 10)",
        choices=[("", "Choose")] + SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
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

    def __init__(self, *args, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
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


NOT_A_REGION = {
    "invalid_choice": "\u201c%(value)s\u201d is not a region on the body chart. Choose from the chart or the list."
}


class BodyChartWidget(forms.CheckboxSelectMultiple):
    """Regions marked on the body chart, as areas worked or areas to avoid (``marks``). Pages
    draw it with {% body_chart_input %}: the figure, and the same regions as a checkbox list
    that works without JavaScript."""

    def __init__(self, *args, marks: str = "worked", **kwargs):
        super().__init__(*args, **kwargs)
        self.marks = marks


class SessionNoteForm(forms.Form):
    """What the therapist did, filled in on a phone right after the session."""

    areas_worked = forms.MultipleChoiceField(
        label="Areas worked",
        choices=body_chart.CHOICES,
        widget=BodyChartWidget,
        error_messages={"required": "Mark at least one area you worked on.", **NOT_A_REGION},
    )
    areas_to_avoid = forms.MultipleChoiceField(
        label="Areas to avoid next time",
        required=False,
        choices=body_chart.CHOICES,
        widget=BodyChartWidget(marks="avoid"),
        error_messages=NOT_A_REGION,
        help_text="Bruising, varicose veins, a recent injury, or anywhere the client asked you to leave alone. "
        "Their next session's notes start with these.",
    )
    pressure_used = forms.TypedChoiceField(
        label="Pressure used (0-10)", coerce=int, choices=[(str(n), str(n)) for n in range(11)]
    )
    problem = forms.ChoiceField(label="The client's problem", choices=[("", "Choose one")] + Problem.choices)
    personal_tip = forms.CharField(
        label="A tip for the client (goes in their aftercare email)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pressure_reason = forms.CharField(
        label="Why this pressure?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed for 8-10 on a tendon, heel or shin problem, or for more than last time after a flare-up.",
    )


class SessionNoteAmendForm(SessionNoteForm):
    """The notes as they stand, to correct, and why."""

    reason = forms.CharField(
        label="Why are you changing them?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, locked: bool, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["pressure_reason"]  # an amendment gives its reason below
        # The service enforces it too; the form says so before anyone types.
        self.fields["reason"].required = locked
        self.fields["reason"].error_messages["required"] = (
            "These notes were written more than 24 hours ago: say why you are changing them."
        )
        self.fields["reason"].help_text = (
            "Needed: the notes are more than 24 hours old." if locked else "Optional within 24 hours of writing them."
        )


# Where a problem usually is, to mark the likely areas before the therapist adjusts them.
AREAS_FOR_PROBLEM = {
    Problem.PLANTAR_FASCIITIS: [*both_sides(BACK, "heel"), *both_sides(BACK, "calf")],
    Problem.KNEE_PAIN: [*both_sides(FRONT, "thigh"), *both_sides(BACK, "glute"), *both_sides(BACK, "calf")],
    Problem.SHIN_SPLINTS: [*both_sides(FRONT, "shin"), *both_sides(BACK, "calf")],
    Problem.ACHILLES: both_sides(BACK, "calf"),
    Problem.HIP_DEEP_GLUTE: both_sides(BACK, "glute"),
    Problem.POST_TRAINING: [*both_sides(FRONT, "thigh"), *both_sides(BACK, "hamstring"), *both_sides(BACK, "calf")],
    Problem.GENERAL_TIGHTNESS: [*both_sides(BACK, "upper-back"), *both_sides(BACK, "lower-back")],
    Problem.RELAXATION: [*both_sides(BACK, "neck"), *both_sides(BACK, "upper-back")],
}


class CheckInScoresForm(forms.Form):
    """The check-in's optional ratings: pain, and each activity the client named when booking."""

    pain_now = forms.TypedChoiceField(
        label="How much does it hurt now? (0 no pain, 10 the worst you can imagine)",
        choices=[("", "Choose")] + SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, activities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.activities = activities
        for n, name in enumerate(activities, start=1):
            self.fields[f"activity_{n}_score"] = forms.TypedChoiceField(
                label=f"How well can you do this now: {name}? (0 cannot, 10 as well as before)",
                choices=[("", "Choose")] + SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def ratings(self) -> outcome_scores.Ratings:
        scores = [
            (name, self.cleaned_data[f"activity_{n}_score"])
            for n, name in enumerate(self.activities, start=1)
            if self.cleaned_data.get(f"activity_{n}_score") is not None
        ]
        return outcome_scores.Ratings(pain=self.cleaned_data.get("pain_now"), activities=tuple(scores))
