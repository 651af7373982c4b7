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

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cnhc_number"],
                condition=~models.Q(cnhc_number=""),
                name="therapist_cnhc_number_unique",
                violation_error_message="Another therapist already has this CNHC registration number.",
            )
        ]

    def __str__(self) -> str:
        return self.display_name
