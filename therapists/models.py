import datetime

from django.conf import settings
from django.db import models


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
    # Diary rules: blank means the clinic-wide value in bookings.BookingRules.
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
        ]

    def __str__(self) -> str:
        return self.display_name


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
