import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from clinic.problems import Problem


class TherapistQuerySet(models.QuerySet):
    def bookable(self, *, on: datetime.date) -> "TherapistQuerySet":
        """Therapists clients may book for a session on the given London date: an admin has
        verified their CNHC registration and that check has not expired by then.

        This is the one place the rule lives; every booking path and page filters through it.
        """
        return self.filter(
            registration_status=Therapist.RegistrationStatus.VERIFIED,
            registration_expires_on__gte=on,
        )

    def offering(self, session_type) -> "TherapistQuerySet":
        """Therapists who list ``session_type`` among the "Sessions you offer" on their
        profile: the only ones it can be booked with. A join, not another query."""
        return self.filter(session_types=session_type)


def _random_name(folder: str, filename: str) -> str:
    # The uploader's file name is never trusted or shown in a path: only its suffix is kept.
    return f"therapists/{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:6]}"


def photo_upload_to(instance, filename: str) -> str:
    return _random_name("photos", filename)


def certificate_upload_to(instance, filename: str) -> str:
    return _random_name("certificates", filename)


class Therapist(models.Model):
    """A massage therapist who works at the clinic and can be booked once their CNHC
    registration has been checked by an admin."""

    class RegistrationStatus(models.TextChoices):
        AWAITING_CHECK = "awaiting_check", "Awaiting check"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"
        SUSPENDED = "suspended", "Suspended"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist")
    display_name = models.CharField(max_length=100)
    bio = models.TextField(blank=True, max_length=2000)
    # CNHC publishes no number format, so the number is free text, trimmed, and unique;
    # it is never validated against a guessed pattern.
    cnhc_number = models.CharField("CNHC registration number", max_length=50, blank=True)
    registration_status = models.CharField(
        max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.AWAITING_CHECK
    )
    # The last day (London date) on which the admin's check still holds.
    registration_expires_on = models.DateField(null=True, blank=True)

    class Discipline(models.TextChoices):
        MASSAGE_THERAPY = "massage_therapy", "Massage Therapy"
        SPORTS_MASSAGE = "sports_massage", "Sports Massage"
        SPORTS_THERAPY = "sports_therapy", "Sports Therapy"
        REFLEXOLOGY = "reflexology", "Reflexology"

    # Profile shown to clients once bookable. Photos and certificates live under MEDIA_ROOT
    # and are only ever served through views that check who is asking.
    photo = models.FileField(upload_to=photo_upload_to, blank=True, max_length=200)
    specialities = models.JSONField(default=list, blank=True, help_text="Values of clinic.problems.Problem.")
    session_types = models.ManyToManyField("clinic.SessionType", blank=True, related_name="therapists")

    # What the therapist told us about their CNHC registration; an admin checks it on the register.
    disciplines = models.JSONField(default=list, blank=True, help_text="Values of Therapist.Discipline.")
    cnhc_renews_on = models.DateField("CNHC renewal date", null=True, blank=True)
    certificate = models.FileField(upload_to=certificate_upload_to, blank=True, max_length=200)
    other_registers = models.TextField(blank=True, max_length=500)
    # When the registration joined the check queue; the queue is served oldest first.
    registration_submitted_at = models.DateTimeField(null=True, blank=True)

    # Diary rules: blank means the clinic-wide value in the booking rules (bookings.BookingRules).
    buffer_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes kept free after each session. Blank: the clinic's default."
    )
    min_notice_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Shortest notice for a booking. Blank: the clinic's default."
    )
    # The secret in the private calendar feed URL; empty until the therapist asks for a link.
    feed_token = models.CharField(max_length=64, blank=True, editable=False)

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        permissions = [("verify_registration", "Can verify, reject or suspend CNHC registrations")]
        constraints = [
            models.UniqueConstraint(
                fields=["cnhc_number"],
                condition=~models.Q(cnhc_number=""),
                name="therapist_cnhc_number_unique",
                violation_error_message="Another therapist already has this CNHC registration number.",
            ),
            models.UniqueConstraint(
                fields=["feed_token"], condition=~models.Q(feed_token=""), name="therapist_feed_token_unique"
            ),
            # The register may drop a therapist who does not renew, so no check outlives the
            # renewal date, whichever code path writes either date.
            models.CheckConstraint(
                condition=models.Q(registration_expires_on__isnull=True)
                | models.Q(cnhc_renews_on__isnull=True)
                | models.Q(registration_expires_on__lte=models.F("cnhc_renews_on")),
                name="therapist_check_ends_by_renewal",
                violation_error_message="A check cannot hold past the therapist's CNHC renewal date.",
            ),
        ]
        indexes = [models.Index(fields=["registration_status", "registration_expires_on"])]

    def __str__(self) -> str:
        return self.display_name

    def clean(self):
        # The constraint again, for forms that leave the check's date out (the admin shows it
        # read-only), so a renewal date moved before it gets a message instead of an error.
        expires, renews = self.registration_expires_on, self.cnhc_renews_on
        if expires and renews and expires > renews:
            raise ValidationError(
                {
                    "cnhc_renews_on": f"The current check holds until {expires.day} {expires:%B %Y}, after this "
                    "date. Suspend the registration, or have the therapist send their new details for a check."
                }
            )

    def get_specialities_display(self) -> list[str]:
        return [Problem(value).label for value in self.specialities if value in Problem.values]

    def get_disciplines_display(self) -> list[str]:
        return [self.Discipline(value).label for value in self.disciplines if value in self.Discipline.values]


class RegistrationEvent(models.Model):
    """One append-only line of a therapist's registration history: what happened, who did it,
    when, and what they saw. Rows are only ever inserted (the admin offers no change or delete)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for a check"
        UPDATED = "updated", "Details updated"
        APPROVED = "approved", "Verified"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"
        REOPENED = "reopened", "Suspension lifted, awaiting a new check"
        EXPIRED = "expired", "Check expired"

    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="registration_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Null only for what the system does by itself (expiry).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    status_after = models.CharField(max_length=20, choices=Therapist.RegistrationStatus.choices)
    # Snapshot of the details the event was about, so history survives later edits.
    cnhc_number = models.CharField(max_length=50, blank=True)
    cnhc_renews_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    seen_on_register = models.TextField(blank=True, max_length=2000)
    # The certificate file the therapist had when this happened: a decision rests on it, so a
    # replaced certificate a decision saw is kept, and one no decision saw is deleted.
    certificate = models.CharField(max_length=200, blank=True)
    # A rejection or suspension reason (shown to the therapist), or what changed.
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["therapist", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="approved")
                | (~models.Q(seen_on_register="") & models.Q(expires_on__isnull=False)),
                name="registration_approval_records_what_was_seen",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["rejected", "suspended"]) | ~models.Q(note=""),
                name="registration_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="expired") | models.Q(actor__isnull=False),
                name="registration_event_has_actor_unless_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist}: {self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class RegistrationNotice(models.Model):
    """Proof that one registration reminder was written to the outbox (in the same
    transaction), so a re-run of the daily task or a racing one never writes it twice. The
    key names the reminder, for example ``reminder-30-2027-01-31``."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="registration_notices")
    key = models.CharField(max_length=50)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["therapist", "key"], name="registration_notice_sent_once")]

    def __str__(self) -> str:
        return f"{self.therapist}: {self.key}"


class WorkingHoursQuerySet(models.QuerySet):
    def in_force(self, first: datetime.date, last: datetime.date) -> "WorkingHoursQuerySet":
        """Stretches that apply on at least one London date from ``first`` to ``last``: their
        dates, where set, overlap the range. The weekday, and each date's own check, are left to
        the slot arithmetic that reads them."""
        return self.filter(
            models.Q(effective_from__isnull=True) | models.Q(effective_from__lte=last),
            models.Q(effective_until__isnull=True) | models.Q(effective_until__gte=first),
        )


class WorkingHours(models.Model):
    """One stretch of a therapist's working week in London wall-clock time, e.g. Mondays
    09:00-12:30. Several stretches on one weekday leave the gaps between them as breaks; the
    optional dates let a changed pattern start or stop on a given day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    effective_from = models.DateField(null=True, blank=True, help_text="First day this applies (blank: always has).")
    effective_until = models.DateField(null=True, blank=True, help_text="Last day this applies (blank: no end).")

    objects = WorkingHoursQuerySet.as_manager()

    class Meta:
        ordering = ["therapist", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="working_hours_weekday_0_to_6"),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="working_hours_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_from__isnull=True)
                | models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="working_hours_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """A stretch of time (stored in UTC) in which a therapist takes no bookings."""

    class Reason(models.TextChoices):
        HOLIDAY = "holiday", "Holiday"
        TRAINING = "training", "Training"
        ADMIN = "admin", "Admin"
        OTHER = "other", "Other"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.HOLIDAY)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["therapist", "start"]
        verbose_name_plural = "time off"
        indexes = [models.Index(fields=["therapist", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="time_off_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} for {self.therapist} from {self.start:%Y-%m-%d %H:%M}"
