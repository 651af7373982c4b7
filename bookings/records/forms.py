"""The clinical record's forms: the session notes (written, then amended), and the 0-10 outcome
scores a client gives when booking and again at the check-in."""

from django import forms

from bookings.clinical import body_chart
from bookings.models import SessionNote, TreatmentConsent
from bookings.records import outcome_scores
from clinic.problems import Problem

ZERO_TO_TEN = [(str(n), str(n)) for n in range(11)]
PAIN_NOW = "How much does it hurt now? (0 no pain, 10 the worst you can imagine)"


def score_field(label: str) -> forms.TypedChoiceField:
    """An outcome score (bookings.records.outcome_scores): 0 to 10 from a menu, optional, None
    when left blank."""
    return forms.TypedChoiceField(
        label=label, choices=[("", "Choose"), *ZERO_TO_TEN], coerce=int, empty_value=None, required=False
    )


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


class CheckInScoresForm(forms.Form):
    """The check-in's optional ratings: pain, and each activity the client named when booking."""

    pain_now = score_field(PAIN_NOW)

    def __init__(self, *args, activities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.activities = activities
        for n, name in enumerate(activities, start=1):
            self.fields[f"activity_{n}_score"] = score_field(
                f"How well can you do this now: {name}? (0 cannot, 10 as well as before)"
            )

    def ratings(self) -> outcome_scores.Ratings:
        scores = [
            (name, self.cleaned_data[f"activity_{n}_score"])
            for n, name in enumerate(self.activities, start=1)
            if self.cleaned_data.get(f"activity_{n}_score") is not None
        ]
        return outcome_scores.Ratings(pain=self.cleaned_data.get("pain_now"), activities=tuple(scores))


NOT_A_REGION = {
    "invalid_choice": "\u201c%(value)s\u201d is not a region on the body chart. Choose from the chart or the list."
}


PRIVATE = "For the clinical record only: never sent to the client by email."


def written_note_field(label: str, help_text: str) -> forms.CharField:
    """One of the written notes (SessionNote.WRITTEN): free text, optional, held to the model's
    length limit so the form says so before the database would."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=SessionNote.WRITTEN_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"{help_text} {PRIVATE}",
    )


class TreatmentConsentForm(forms.Form):
    """At the start of the session: the therapist explained the areas and pressure, and the
    client agreed (bookings.records.consent)."""

    agreed = forms.BooleanField(
        label=TreatmentConsent.WORDING,
        error_messages={"required": "Tick the box to confirm the client agreed to the treatment. Nothing was saved."},
    )


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
    pressure_used = forms.TypedChoiceField(label="Pressure used (0-10)", coerce=int, choices=ZERO_TO_TEN)
    problem = forms.ChoiceField(label="The client's problem", choices=[("", "Choose one")] + Problem.choices)
    findings = written_note_field(
        "What you found", "Tissue, tenderness, range of movement; anything new since last time."
    )
    techniques = written_note_field(
        "Techniques used", "What you did, and where: effleurage, trigger points, stretches."
    )
    client_response = written_note_field(
        "The client's response", "How they responded during the session and at the end."
    )
    advice_given = written_note_field("Advice given", "Self-care, load, and any referral you suggested.")
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
        # A pressure raised into what needs a reason needs one here too (bookings.records.notes).
        self.fields["pressure_reason"].help_text += " Change it when you raise the pressure."
        # The service enforces it too; the form says so before anyone types.
        self.fields["reason"].required = locked
        self.fields["reason"].error_messages["required"] = (
            "These notes were written more than 24 hours ago: say why you are changing them."
        )
        self.fields["reason"].help_text = (
            "Needed: the notes are more than 24 hours old." if locked else "Optional within 24 hours of writing them."
        )
