from django.conf import settings
from django.db import models
from django.utils import timezone

from bookings.models.booking import Booking


class ConsentRecord(models.Model):
    """What every consent keeps: the exact words shown and their version, when and how it was
    given, and when and how it was withdrawn."""

    wording = models.TextField(help_text="The words the client agreed to, as shown.")
    wording_version = models.CharField(max_length=20)
    given_at = models.DateTimeField()
    given_how = models.CharField(max_length=100)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_how = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


class HealthConsent(ConsentRecord):
    """A client's agreement to the clinic holding their health answers for a booking (special
    category data): the exact words shown and their version, when and how it was given, and
    when and how it was withdrawn. Giving it again is a new row, so the history stays.
    Withdrawing stops the clinic relying on it from then on; it erases nothing the retention
    duty keeps (bookings.privacy.my_data)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="health_consents")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["booking", "given_at"])]
        constraints = [
            models.UniqueConstraint(
                "booking", condition=models.Q(withdrawn_at__isnull=True), name="health_consent_one_live_per_booking"
            )
        ]

    def __str__(self) -> str:
        return f"Health consent for booking {self.booking_id} ({'withdrawn' if self.withdrawn_at else 'given'})"


class HealthDataAccess(models.Model):
    """One look at a booking's health answers or session notes: who, whose, what, when.
    Written by every page that shows them; never changed or deleted by hand."""

    class Via(models.TextChoices):
        BOOKING_PAGE = "booking_page", "Booking page (health answers and notes)"
        NOTES_FORM = "notes_form", "Session notes form (health answers)"
        ADMIN = "admin", "Admin booking page (health answers)"
        CLIENT_RECORD = "client_record", "Client's record (all their sessions)"
        NOTES_AMEND = "notes_amend", "Amending session notes"
        HELD_OPEN = "held_open", "Opening a record held after erasure (with a reason)"
        DOCTORS_LETTER = "doctors_letter", "Copy of the doctor's letter"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    accessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="health_accesses")
    # Whose data it was, kept with the row so the log reads the same after contact details change.
    client_email = models.EmailField()
    via = models.CharField(max_length=20, choices=Via.choices)
    # Why a record held after an erasure request was opened (bookings.privacy.held); empty
    # for an ordinary look.
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "health data access"
        verbose_name_plural = "health data access log"
        indexes = [models.Index(fields=["client_email", "-at"], name="health_access_by_client")]

    def __str__(self) -> str:
        return f"{self.accessed_by} read {self.client_email}'s {self.get_via_display().lower()}"


class ErasureRequest(models.Model):
    """A client's request to erase what the clinic holds on them. What no retention duty
    covers is erased when asked; clinical records (sessions with notes) are held until the
    retention period after the last session ends, then a daily task erases them."""

    class Status(models.TextChoices):
        HOLDING = "holding", "Done, clinical records held until the retention date"
        DONE = "done", "Done"

    # A client with an account asks from My data; a guest without one asks the clinic, which
    # checks who they are and runs it from the admin for their email address.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    guest_email = models.EmailField(blank=True, help_text="The guest's address, for a request run by the clinic.")
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The admin who checked the guest's identity and ran the erasure.",
    )
    requested_at = models.DateTimeField()
    # UK GDPR: answer within one month of the request.
    respond_by = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    erased_bookings = models.PositiveIntegerField(default=0)
    held_bookings = models.PositiveIntegerField(default=0)
    hold_until = models.DateField(null=True, blank=True, help_text="London date the held records are erased.")
    kept = models.TextField(blank=True, help_text="What was kept, and why.")
    completed_at = models.DateTimeField(null=True, blank=True)
    # The clinical records held, which the daily task erases on hold_until.
    bookings_held = models.ManyToManyField(Booking, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="done") | models.Q(hold_until__isnull=False),
                name="erasure_holding_has_a_date",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(guest_email=""),
                name="erasure_is_for_an_account_or_a_guest",
            ),
        ]
        permissions = [("erase_guest_data", "Can erase a guest's data on their request")]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} ({self.get_status_display()})"


class MarketingConsent(ConsentRecord):
    """Permission to send "book again" emails, which are marketing (PECR): given by ticking a
    box nobody ticked for the client, stored with the exact words they saw, and withdrawn by
    one click in any such email. A new row each time it is given, so the history stays."""

    email = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "email", condition=models.Q(withdrawn_at__isnull=True), name="marketing_consent_one_live_per_email"
            )
        ]

    def __str__(self) -> str:
        return f"Marketing consent of {self.email} ({'withdrawn' if self.withdrawn_at else 'given'})"
