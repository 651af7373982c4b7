"""What the whole clinic shares: the sessions it sells and the rooms they happen in, offered by
therapists and booked by clients."""

from django.db import models

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


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
    needs_room = models.BooleanField(
        default=True, help_text="Held in a treatment room (not, say, a home visit or a video call)."
    )

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


class Room(models.Model):
    """A treatment room: a scarce place that two sessions may never share at once.

    Until the clinic adds its first room, sessions are booked with a therapist only (the clinic
    has not started tracking rooms); from then on every session whose type needs a room gets
    one that suits it, and the database refuses two that overlap (bookings.Booking)."""

    name = models.CharField(max_length=60, unique=True)
    active = models.BooleanField(default=True, help_text="Only active rooms are given to new bookings.")
    display_order = models.PositiveSmallIntegerField(
        default=0, help_text="Rooms are offered and shown in this order (lowest first)."
    )
    session_types = models.ManyToManyField(
        SessionType, blank=True, related_name="rooms", help_text="The sessions this room suits."
    )
    turnover_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="Minutes kept free after each session to clean the couch and air the room."
    )

    class Meta:
        ordering = ["display_order", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(turnover_minutes__lte=120), name="room_turnover_at_most_120"),
        ]

    def __str__(self) -> str:
        return self.name


class RoomHours(models.Model):
    """When a room may be used, in London wall-clock time, e.g. Mondays 08:00-20:00. A room
    with no hours has no limit of its own: the therapists' hours decide."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["room", "weekday", "start_time"]
        verbose_name = verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="room_hours_weekday_0_to_6"),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="room_hours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class RoomClosure(models.Model):
    """A stretch of time (stored in UTC) in which a room takes no sessions: maintenance,
    a deep clean, a repair."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="closures")
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["room", "start"]
        verbose_name = "room time off"
        verbose_name_plural = "room time off"
        indexes = [models.Index(fields=["room", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="room_closure_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.room} closed from {self.start:%Y-%m-%d %H:%M}"
