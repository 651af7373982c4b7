"""What the whole clinic shares: the sessions it sells, offered by therapists and booked by clients."""

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
