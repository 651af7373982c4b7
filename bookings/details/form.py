"""The booking form's last step (the details step): the health screen, how the client is doing,
their details and consent. Short by design: a question that only matters after an answer (the
trimester after "pregnant", the doctor's agreement after an answer that needs it) is shown only
after it (static/js/booking-form.js; without JavaScript every question is shown); a returning
client says whether anything in their health history has changed since they last answered,
while the questions about today (red flags) are always asked again; and a form sent with
mistakes lists each, linked to its field, in words that say what to fix."""

import datetime

from django import forms
from django.utils import timezone

from bookings.clinical import health, minors
from bookings.details.on_behalf import ON_BEHALF
from bookings.forms import ANY_THERAPIST, parse_id
from bookings.models import HealthScreen
from bookings.privacy import health_consent
from bookings.privacy import marketing as marketing_services
from bookings.records.forms import PAIN_NOW, ratings_from, score_field
from clinic.london import instant_in_range
from clinic.problems import Problem

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


# The sections asked again of a returning client whatever they answer: how they are today.
ASKED_EVERY_TIME = ("urgent", "pain")
HISTORY = "history"
NOTHING_CHANGED, SOMETHING_CHANGED = "no", "yes"
ADULT, MINOR = "yes", "no"
# How the error summary names each health section (its legend is a whole question).
SECTION_NAMES = {"urgent": "Right now", "pain": "The pain or problem", "history": "Your health history"}
# The fields in the order the pages show them (bookings/_health_fields.html, then
# _about_you_fields.html), for the error summary.
PAGE_ORDER = (
    ["main_problem"]
    + [f"health_{section.key}" for section in health.SECTIONS if section.key != HISTORY]
    + ["history_changed", f"health_{HISTORY}", "doctor_ok", "pregnancy_trimester"]
    + ["preferred_pressure", "notes", "pain_now", "activity_1", "activity_1_score", "activity_2"]
    + ["activity_2_score", "name", "email", "phone", "adult", "date_of_birth", "guardian_name"]
    + ["guardian_consent", "room", "consent", "marketing"]
)


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
        label="What would you like help with?",
        choices=[("", "Choose one")] + Problem.choices,
        error_messages={"required": "Choose what you would like help with."},
    )
    preferred_pressure = forms.TypedChoiceField(
        label="Pressure you prefer (0-10)",
        choices=PRESSURE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Lighter is usually better if it is sore or has flared up recently.",
    )
    notes = forms.CharField(
        label="Anything your therapist should know",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example which side, or your next race.",
    )
    doctor_ok = forms.BooleanField(
        required=False,
        label="I have my doctor's agreement to have massage",
        help_text="Needed if you said yes to diabetes, a heart or circulation condition, blood thinners or "
        "haemophilia, cancer treatment, or pregnancy. Bring the letter to your session: your therapist records "
        "what they see, and the session starts once they have.",
    )
    pregnancy_trimester = forms.TypedChoiceField(
        label="If you are pregnant: which trimester are you in?",
        choices=[
            ("", "Not pregnant"),
            ("1", "First (weeks 1-12)"),
            ("2", "Second (weeks 13-27)"),
            ("3", "Third (week 28 on)"),
        ],
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
    name = forms.CharField(
        label="Your name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your name."},
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="For the confirmation and a link to change or cancel.",
        error_messages={
            "required": "Enter your email address, so we can send the confirmation.",
            "invalid": "Enter an email address like name@example.com.",
        },
    )
    phone = forms.CharField(
        label="Mobile number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        help_text="Only used if we need to reach you about this booking.",
        error_messages={"required": "Enter a mobile number, like 07700 900123."},
    )
    # Age: an adult says so; a client under 18 gives their date of birth, and one under 16 their
    # parent or guardian's name and agreement (bookings.clinical.minors).
    adult = forms.ChoiceField(
        label="Are you 18 or over?",
        choices=[(ADULT, "Yes"), (MINOR, "No")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Say whether you are 18 or over."},
    )
    date_of_birth = forms.DateField(
        label="Your date of birth",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={"invalid": "Enter your date of birth as a date, like 14 March 2011."},
    )
    guardian_name = forms.CharField(
        label="If you are under 16: your parent or guardian's name", max_length=100, required=False
    )
    guardian_consent = forms.BooleanField(
        label="If you are under 16: my parent or guardian agrees to the massage and will come to the session",
        required=False,
    )
    consent = forms.BooleanField(
        label=health_consent.WORDING,
        error_messages={"required": "We need your agreement to keep your health answers before we can book you in."},
    )

    # Marketing, so separate from everything else and unticked: nobody ticks it for the client
    # (it is not offered when staff book on a client's behalf).
    marketing = forms.BooleanField(required=False, label=marketing_services.WORDING)

    def __init__(
        self,
        *args,
        on_behalf: bool = False,
        rooms: list[tuple[str, str]] | None = None,
        last_answers: HealthScreen | None = None,
        **kwargs,
    ):
        """``rooms``: the staff's room choices (bookings.views.book_on_behalf.room_choices);
        ``last_answers``: a returning client's latest health answers, whose history section
        they may confirm unchanged instead of answering again."""
        super().__init__(*args, **kwargs)
        self.on_behalf, self.rooms, self.last_answers = on_behalf, rooms, last_answers
        # The fields the page shows (bookings.details.steps); None: every one.
        self.shown_fields: set[str] | None = None
        if on_behalf and rooms:
            self.fields["room"].choices = rooms
        else:
            del self.fields["room"]
        if on_behalf:
            for name, wording in ON_BEHALF.items():
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
                error_messages={
                    "required": f"{SECTION_NAMES[section.key]}: tick the ones that apply, or \u201cNone of these\u201d."
                },
            )
            self.health_fields.append(self[name])
        if last_answers is not None:
            self._ask_if_history_changed(last_answers)

    def _ask_if_history_changed(self, last: HealthScreen) -> None:
        since = timezone.localtime(last.booking.start)
        answered = [q.text for q in _section(HISTORY).questions if q.key in last.answered_yes]
        self.history_then = answered
        self.history_since = since
        self.fields["history_changed"] = forms.ChoiceField(
            label=f"Since your session on {since:%-d %B %Y}, has anything changed in your health history: a "
            "long-term condition, medicines, pregnancy, surgery, a clot, a wound or a lump?",
            choices=[(NOTHING_CHANGED, "No"), (SOMETHING_CHANGED, "Yes")],
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            error_messages={"required": "Say whether anything in your health history has changed."},
        )
        # Answered again only when something has changed; until then last time's answers stand.
        self.fields[f"health_{HISTORY}"].required = False
        self.initial.setdefault(f"health_{HISTORY}", [key for key in last.answered_yes if key in _keys(HISTORY)])

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
        if "history_changed" in self.fields:
            self._history_from_last_time(cleaned)
        self._age_check(cleaned)
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

    def _age_check(self, cleaned: dict) -> None:
        """An adult's date of birth is not kept; a minor's must be a real one that makes them
        under 18 on the day of the session, and under 16 comes with a parent or guardian."""
        if cleaned.get("adult") != MINOR:
            cleaned.update(date_of_birth=None, guardian_name="", guardian_consent=False)
            return
        born, start = cleaned.get("date_of_birth"), cleaned.get("start")
        day = timezone.localtime(start).date() if start else timezone.localdate()
        if born is None:
            if "date_of_birth" not in self.errors:
                self.add_error("date_of_birth", "Enter the date of birth of a client under 18.")
        elif born >= timezone.localdate():
            self.add_error("date_of_birth", "A date of birth must be in the past.")
        elif minors.age_on(born, day) > minors.OLDEST:
            self.add_error("date_of_birth", f"Check the year: that is more than {minors.OLDEST} years ago.")
        elif minors.age_on(born, day) >= minors.ADULT:
            self.add_error("adult", "That date of birth is 18 or over on the day of the session: choose Yes.")
        elif minors.needs_guardian(born, day):
            if not cleaned.get("guardian_name", "").strip():
                self.add_error("guardian_name", "Under 16: enter the name of the parent or guardian.")
            if not cleaned.get("guardian_consent"):
                self.add_error("guardian_consent", "Under 16: a parent or guardian must agree and come to the session.")
        else:
            cleaned.update(guardian_name="", guardian_consent=False)

    def _history_from_last_time(self, cleaned: dict) -> None:
        """A returning client's history section: last time's answers when nothing has changed;
        answered again (required as for anyone) when something has."""
        name = f"health_{HISTORY}"
        if cleaned.get("history_changed") == NOTHING_CHANGED:
            last = [key for key in self.last_answers.answered_yes if key in _keys(HISTORY)]
            cleaned[name] = last or [NONE_OF_THESE]
        elif cleaned.get("history_changed") == SOMETHING_CHANGED and not cleaned.get(name) and name not in self.errors:
            self.add_error(name, self.fields[name].error_messages["required"])

    def shown_after(self, field: str) -> str:
        """For static/js/booking-form.js: the answers (``name=value``, space-separated) after
        which ``field`` is shown: the trimester after "pregnant", the doctor's agreement after an
        answer that needs it, either after "nothing has changed" when last time's answers did."""
        keys = {"pregnancy_trimester": {health.PREGNANT}, "doctor_ok": set(health.DOCTORS_OK)}[field]
        after = [f"health_{HISTORY}={key}" for key in sorted(keys)]
        if self.last_answers is not None and keys.intersection(self.last_answers.answered_yes):
            after.append(f"history_changed={NOTHING_CHANGED}")
        return " ".join(after)

    @property
    def main_problem_label(self) -> str:
        """The problem chosen, in words (a returning client's is last time's, folded)."""
        return dict(self.fields["main_problem"].choices).get(self["main_problem"].value(), "")

    @property
    def shown_after_doctor_ok(self) -> str:
        return self.shown_after("doctor_ok")

    @property
    def shown_after_trimester(self) -> str:
        return self.shown_after("pregnancy_trimester")

    def error_links(self) -> list[tuple[str, str]]:
        """Each mistake on a field a person can see, with the id of the input it is about, in the
        form's order: the error summary at the top of the page links each to its field."""
        links = []
        for name, field in sorted(self.fields.items(), key=lambda item: _place(item[0])):
            if field.widget.is_hidden or name not in self.errors:
                continue
            if self.shown_fields is not None and name not in self.shown_fields:
                continue
            bound = self[name]
            multiple = isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)
            anchor = f"{bound.auto_id}_0" if multiple else bound.auto_id
            links += [(anchor, error) for error in self.errors[name]]
        return links


def _place(name: str) -> int:
    return PAGE_ORDER.index(name) if name in PAGE_ORDER else len(PAGE_ORDER)


def _section(key: str) -> health.Section:
    return next(section for section in health.SECTIONS if section.key == key)


def _keys(section_key: str) -> set[str]:
    return {question.key for question in _section(section_key).questions}
