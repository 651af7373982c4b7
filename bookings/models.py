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


class BookingRules(models.Model):
    """The clinic-wide booking rules: one row, edited in the admin. A therapist may override
    the buffer and the notice on their own profile."""

    buffer_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Minutes kept free after each session for cleaning and notes."
    )
    min_notice_minutes = models.PositiveIntegerField(
        default=120, help_text="How long before its start a session can still be booked."
    )
    horizon_days = models.PositiveSmallIntegerField(default=60, help_text="How many days ahead clients can book.")
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Offered start times are this many minutes apart."
    )

    class Meta:
        verbose_name = verbose_name_plural = "booking rules"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="booking_rules_single_row"),
            models.CheckConstraint(condition=models.Q(buffer_minutes__lte=240), name="booking_rules_buffer_at_most_240"),
            models.CheckConstraint(
                condition=models.Q(slot_step_minutes__gte=5, slot_step_minutes__lte=120),
                name="booking_rules_step_5_to_120",
            ),
            models.CheckConstraint(
                condition=models.Q(horizon_days__gte=1, horizon_days__lte=366), name="booking_rules_horizon_1_to_366"
            ),
        ]

    def __str__(self) -> str:
        return "Booking rules"

    @classmethod
    def load(cls) -> "BookingRules":
        """The clinic's rules, created with the defaults the first time they are needed."""
        rules, _ = cls.objects.get_or_create(pk=1)
        return rules


class BookingQuerySet(models.QuerySet):
    def holding_time(self) -> "BookingQuerySet":
        """Bookings that keep their therapist busy: every status except cancelled, so a
        status added later (say, awaiting the therapist's review) blocks the diary too."""
        return self.exclude(status=Booking.Status.CANCELLED)


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

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["therapist", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} with {self.therapist} at {self.start:%Y-%m-%d %H:%M}"
