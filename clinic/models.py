"""What the whole clinic shares: who it is, the sessions it sells and the rooms they happen in,
offered by therapists and booked by clients."""

import pathlib
import re
import secrets
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
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


# Word stems that would say something about a client's health if their session's name went
# into an email. Matched at the start of a word, case aside: "pain" but not "Spain".
HEALTH_WORD_STEMS = (
    "pregnan",
    "prenatal",
    "antenatal",
    "postnatal",
    "maternity",
    "fertility",
    "cancer",
    "oncolog",
    "chemo",
    "diabet",
    "injur",
    "pain",
    "arthrit",
    "fibromyalg",
    "lymph",
    "oedema",
    "edema",
    "rehab",
    "post-op",
    "postop",
    "surgery",
    "surgical",
    "sciatic",
    "migraine",
    "dementia",
    "palliative",
    "scoliosis",
    "mastectomy",
)


def health_words_in(text: str) -> list[str]:
    """The words of ``text`` that begin with a HEALTH_WORD_STEMS stem, as written."""
    return [word for word in re.findall(r"[\w-]+", text) if word.lower().startswith(HEALTH_WORD_STEMS)]


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
    # The clinic's own order for its menu (as Room.display_order is for rooms): the session it
    # sells most first, say, not the alphabet's choice.
    display_order = models.PositiveSmallIntegerField(
        default=0, help_text="Sessions are listed in this order (lowest first)."
    )

    class Meta:
        ordering = ["display_order", "kind", "duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=10, duration_minutes__lte=240),
                name="session_type_duration_between_10_and_240_minutes",
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="session_type_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A session's name goes into emails, which may be read on a lock screen or by someone
        else: it names the session, never a condition, a symptom or a treatment for one."""
        found = health_words_in(self.name)
        if found:
            raise ValidationError(
                {
                    "name": f"Emails carry this name, so it cannot name a health matter ({', '.join(found)}). "
                    "Name what the session is, for example \u201cGentle massage\u201d."
                }
            )

    @property
    def kind_unless_named(self) -> str:
        """The kind for a subtitle, or "" when the name already says it: "Sports massage"
        under "Sports massage", or "Deep tissue massage" under "Deep tissue 90", reads as a
        mistake; "Sports massage" under "Marathon recovery" tells the client something."""
        kind = self.get_kind_display()
        return "" if kind.lower().removesuffix(" massage") in self.name.lower() else kind


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


def clinic_placeholder_details() -> dict:
    """What a new database's details row says until an admin edits it. The phone number is in
    Ofcom's range kept for drama, so it rings no one."""
    hours = settings.FREE_CANCELLATION_HOURS
    return {
        "name": settings.CLINIC_NAME,
        "street_address": "1 High Street",
        "town": "London",
        "postcode": "N1 9GU",
        "phone": "020 7946 0123",
        "email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "bookings@clinic.example",
        "opening_hours": "Monday to Friday 08:00 to 20:00\nSaturday 09:00 to 16:00\nSunday closed",
        "map_url": "",
        "cancellation_policy": (
            f"You can change or cancel a booking free of charge until {hours} hours before it starts. "
            "A later cancellation, or a session missed without telling us, is recorded as a late cancellation."
        ),
    }


def logo_upload_to(instance, filename: str) -> str:
    # The name is the content's own suffix (uploads.validate_logo renames it); a random part
    # keeps an old cached logo from being served for a new one.
    return f"clinic/logo-{secrets.token_hex(8)}{pathlib.PurePath(filename).suffix}"


class Clinic(models.Model):
    """Who the clinic is and how to reach it: one row (pk 1), edited in the admin and shown
    on every page, in every email and in every calendar entry."""

    SINGLETON_PK = 1

    name = models.CharField(max_length=100)
    street_address = models.TextField(max_length=300, help_text="The street lines of the address, one per line.")
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    phone = models.CharField(max_length=30, help_text="As people should dial it, e.g. 020 7946 0000.")
    email = models.EmailField()
    opening_hours = models.TextField(
        max_length=500, help_text="As clients should read them, one line per day or range."
    )
    map_url = models.URLField(blank=True, help_text="A link to the clinic on a map, e.g. OpenStreetMap.")
    logo = models.FileField(upload_to=logo_upload_to, blank=True, max_length=200)
    cancellation_policy = models.TextField(max_length=2000)

    class Meta:
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="clinic_is_a_single_row")]

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        lines = [line.strip() for line in self.street_address.splitlines() if line.strip()]
        return [*lines, self.town, self.postcode]

    @property
    def address(self) -> str:
        return ", ".join(part for part in self.address_lines if part)

    @property
    def phone_uri(self) -> str:
        """tel: URI: digits only, a leading 0 becoming +44 so it dials from anywhere."""
        digits = "".join(c for c in self.phone if c.isdigit())
        if self.phone.strip().startswith("+"):
            # "+44 (0)20 ..." is written for people; the 0 is not dialled after +44.
            if digits.startswith("440"):
                digits = "44" + digits[3:]
            return f"tel:+{digits}"
        if digits.startswith("0"):
            return f"tel:+44{digits[1:]}"
        return f"tel:{digits}"


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
