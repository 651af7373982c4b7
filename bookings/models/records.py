import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from bookings.clinical import body_chart
from bookings.models.booking import Booking
from clinic.problems import Problem


def doctor_letter_upload_to(instance, filename: str) -> str:
    # The uploader's file name is never trusted or shown in a path: only its suffix is kept.
    return f"bookings/doctor-letters/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:6]}"


class HealthScreen(models.Model):
    """The client's answers before a booking: special category data. Only the booking's
    therapist and staff holding bookings.view_health_data may see it, each look is recorded
    (HealthDataAccess), and it never goes into an email."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="health_screen")
    answered_yes = models.JSONField(
        default=list, blank=True, help_text="Keys of the questions answered yes (bookings.health)."
    )
    main_problem = models.CharField(max_length=30, choices=Problem.choices)
    preferred_pressure = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="0-10; empty lets the therapist advise."
    )
    notes = models.TextField(blank=True, max_length=1000)
    consent_given_at = models.DateTimeField(help_text="When the client agreed to the clinic holding these answers.")
    # "Needs a doctor's OK first" answers (bookings.clinical.health.DOCTORS_OK): the client says they have
    # it; the therapist records seeing it before accepting the booking.
    doctor_ok_confirmed = models.BooleanField(default=False)
    pregnancy_trimester = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "First"), (2, "Second"), (3, "Third")]
    )
    # A client under 18 gives their date of birth: the record is kept until they are 25 (18 + 7,
    # as insurers ask), and under 16 a parent or guardian agrees and comes to the session.
    date_of_birth = models.DateField(null=True, blank=True, help_text="Given by clients under 18 only.")
    guardian_name = models.CharField(max_length=100, blank=True)
    guardian_consent = models.BooleanField(
        default=False, help_text="Under 16: a parent or guardian agrees to the massage and will be there."
    )
    # The evidence behind the doctor's OK, as the therapist saw it (bookings.records.doctor_letter):
    # recorded with doctor_ok_seen_at/by; a booking accepted to see it at the session has none yet.
    doctor_letter_dated = models.DateField(null=True, blank=True)
    doctor_letter_from = models.CharField(max_length=100, blank=True, help_text="The doctor or practice.")
    doctor_letter_copy = models.FileField(upload_to=doctor_letter_upload_to, blank=True, max_length=200)
    doctor_ok_seen_at = models.DateTimeField(null=True, blank=True)
    doctor_ok_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(preferred_pressure__isnull=True) | models.Q(preferred_pressure__lte=10),
                name="health_screen_pressure_0_to_10",
            )
        ]
        permissions = [("view_health_data", "Can read clients' health answers and session notes")]

    def __str__(self) -> str:
        return f"Health screen for booking {self.booking_id}"


class OutcomeScore(models.Model):
    """One rating by the client, 0-10: their pain, or how well they can do an activity that
    matters to them (a patient-specific functional scale: 0 cannot, 10 as before the problem).
    Taken when booking and again at the 48-hour check-in; health data, shown only to those who
    may read the booking's health answers, and never in an email."""

    class Taken(models.TextChoices):
        BOOKING = "booking", "When booking"
        CHECK_IN = "check_in", "At the check-in, two days after"

    class Kind(models.TextChoices):
        PAIN = "pain", "Pain (0 none, 10 worst)"
        ACTIVITY = "activity", "Activity (0 cannot, 10 as before)"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="outcome_scores")
    taken = models.CharField(max_length=10, choices=Taken.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # "pain", or the activity in the client's own words ("running 5k").
    measure = models.CharField(max_length=60)
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=10), name="outcome_score_0_to_10"),
            models.UniqueConstraint(fields=["booking", "taken", "measure"], name="outcome_score_once_per_reading"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.score}/10 ({self.get_taken_display().lower()}, booking {self.booking_id})"


class TreatmentConsent(models.Model):
    """The client's consent to this session's treatment, confirmed by the therapist at its
    start: the areas and the pressure were explained and the client agreed. Separate from consent
    to holding health data (HealthConsent). Without it the session is not marked attended and
    no notes are written (bookings.services.outcome)."""

    WORDING = "I explained the areas I will work and the pressure I will use, and the client agreed to the treatment."

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="treatment_consent")
    confirmed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The words the therapist confirmed, as they stood then.
    wording = models.TextField()

    def __str__(self) -> str:
        return f"Consent to treatment for booking {self.booking_id}"


class SessionNote(models.Model):
    """What the therapist did in the session, written when they mark it attended. It shapes
    the client's aftercare and, after a flare-up, the next session."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="session_note")
    # Region codes from the body chart (bookings.clinical.body_chart), in the chart's order.
    areas_worked = models.JSONField(default=list)
    areas_to_avoid = models.JSONField(
        default=list, blank=True, help_text="Carried forward to the client's next session's notes."
    )
    pressure_used = models.PositiveSmallIntegerField(help_text="0-10, as agreed with the client.")
    problem = models.CharField(max_length=30, choices=Problem.choices)
    personal_tip = models.TextField(blank=True, max_length=500, help_text="Goes into the client's aftercare email.")
    pressure_reason = models.TextField(
        blank=True,
        max_length=500,
        help_text="Why, when the pressure was firm on a sensitive problem or firmer than last time after a flare-up.",
    )
    # What a panel or an insurer reads: what was found and done, how the client took it, and
    # what they were told. Staff-only; never in an email.
    findings = models.TextField(blank=True, max_length=2000, help_text="What you found: tissue, tenderness, movement.")
    techniques = models.TextField(blank=True, max_length=2000, help_text="Techniques used, and where.")
    client_response = models.TextField(
        blank=True, max_length=2000, help_text="How the client responded during and after the work."
    )
    advice_given = models.TextField(blank=True, max_length=2000, help_text="Advice given: self-care, load, referral.")
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    WRITTEN_MAX = 2000
    WRITTEN = ("findings", "techniques", "client_response", "advice_given")
    # The fields a therapist can correct later, each change kept as a SessionNoteAmendment.
    AMENDABLE = (
        "areas_worked",
        "areas_to_avoid",
        "pressure_used",
        "pressure_reason",
        "problem",
        "personal_tip",
        *WRITTEN,
    )
    # Within this time of writing, the author corrects without giving a reason (the change is
    # still recorded); after it, the notes are locked against silent edits.
    SILENT_EDIT_WINDOW = datetime.timedelta(hours=24)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pressure_used__lte=10), name="session_note_pressure_0_to_10")
        ]

    def __str__(self) -> str:
        return f"Notes for booking {self.booking_id}"

    def is_locked(self, now: datetime.datetime) -> bool:
        return now >= self.written_at + self.SILENT_EDIT_WINDOW

    def clean(self):
        errors = {}
        for field in ("areas_worked", "areas_to_avoid"):
            if not_regions := body_chart.unknown(getattr(self, field)):
                errors[field] = (
                    f"Not a region on the body chart: {', '.join(not_regions)}. Choose from the chart or the list."
                )
        if not errors and (both := body_chart.in_chart_order(set(self.areas_worked) & set(self.areas_to_avoid))):
            errors["areas_to_avoid"] = (
                f"Marked both worked and to avoid: {'; '.join(body_chart.labels(both))}. Untick one of them."
            )
        if errors:
            raise ValidationError(errors)


class SessionNoteAmendment(models.Model):
    """One correction to session notes: who, when, each changed field's old and new value, and
    why. The original stays readable by undoing the trail (bookings.records.selectors.note_history);
    rows are never edited or deleted."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="amendments")
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amended_at = models.DateTimeField()
    changes = models.JSONField(help_text="{field: [old value, new value]} for each field changed.")
    reason = models.TextField(blank=True, max_length=500)

    class Meta:
        ordering = ["amended_at", "pk"]

    def __str__(self) -> str:
        return f"Amendment to notes for booking {self.note.booking_id} at {self.amended_at:%Y-%m-%d %H:%M}"
