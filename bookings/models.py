from django.conf import settings
from django.db import models


class SessionType(models.Model):
    """A kind of session the clinic sells, with its length and price."""

    class Kind(models.TextChoices):
        SPORTS = "sports", "Sports massage"
        DEEP_TISSUE = "deep_tissue", "Deep tissue massage"
        RELAXATION = "relaxation", "Relaxation massage"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000)
    duration_minutes = models.PositiveSmallIntegerField()
    price = models.DecimalField(max_digits=6, decimal_places=2, help_text="In pounds sterling.")
    active = models.BooleanField(default=True, help_text="Only active session types can be booked.")

    class Meta:
        ordering = ["kind", "duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=10, duration_minutes__lte=240),
                name="session_type_duration_between_10_and_240_minutes",
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="session_type_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Booking(models.Model):
    """One client's session with one therapist, from start to end (stored in UTC)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    therapist = models.ForeignKey("therapists.Therapist", on_delete=models.PROTECT, related_name="bookings")
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["therapist", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} with {self.therapist} at {self.start:%Y-%m-%d %H:%M}"


class OutboundEmail(models.Model):
    """An email the clinic owes someone about a booking. The row is both the schedule (due_at)
    and the record: a dispatcher queues due rows, and the send task claims a row with a
    conditional UPDATE before sending, so a task delivered twice sends once."""

    class Kind(models.TextChoices):
        BOOKING_CONFIRMATION = "booking_confirmation", "Booking confirmation"
        BOOKING_REMINDER = "booking_reminder", "Reminder the day before"

    class Status(models.TextChoices):
        QUEUED = "queued", "Due"
        INFLIGHT = "inflight", "Sending"
        SENT = "sent", "Sent"
        AWAITING_RETRY = "awaiting_retry", "Waiting to retry"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    PENDING = [Status.QUEUED, Status.AWAITING_RETRY]

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    to_email = models.EmailField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the dispatcher last handed the row to the broker, so it is not queued again every
    # minute while it waits in the queue, but is queued again if that message was lost.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # When a send task claimed the row; a claim older than the lease means that worker died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} ({self.get_status_display()})"
