"""The waitlist's rows: who is waiting for what, the time that frees up, and the offers made.

An offer's hold is a Booking row in status HELD: it sits inside the same exclusion constraints
as every booking (the therapist's time with the buffer, the room with its turnover), so while
an offer is open nobody, staff included, can book that time, whatever path they take."""

import datetime

from django.conf import settings
from django.db import models

from bookings.models.booking import Booking
from clinic.london import LONDON
from clinic.models import SessionType


class WaitlistEntry(models.Model):
    """A client asking to be told when a time comes up: a session type, a therapist or any,
    a range of days, the parts of the day they can come, and the shortest notice they can
    manage. Offered in the order of joining; staff may mark an entry urgent (first)."""

    class Ended(models.TextChoices):
        LEFT = "left", "Left the list"
        BOOKED = "booked", "Booked from an offer"
        PASSED = "passed", "Its days have passed"
        GONE = "gone", "Its booking was cancelled, moved or has started"

    # The parts of a London day a client can choose, as [from, until) hours.
    WINDOWS = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 21)}

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        "therapists.Therapist", on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist_entries"
    )
    # "Earlier than my booking": the client's booking to move to an earlier time offered (same
    # therapist and session). None: a new booking.
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="earlier_wanted")
    first_day = models.DateField()
    last_day = models.DateField()
    morning = models.BooleanField(default=True)
    afternoon = models.BooleanField(default=True)
    evening = models.BooleanField(default=True)
    notice_hours = models.PositiveSmallIntegerField(default=2)
    urgent = models.BooleanField(default=False, help_text="Offered before everyone else who matches.")
    joined_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_why = models.CharField(max_length=10, choices=Ended.choices, blank=True)

    class Meta:
        ordering = ["-urgent", "joined_at", "pk"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["ended_at", "session_type"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="waitlist_days_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(morning=True) | models.Q(afternoon=True) | models.Q(evening=True),
                name="waitlist_some_part_of_the_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} for {self.client} ({self.first_day} to {self.last_day})"

    @property
    def windows(self) -> list[str]:
        return [name for name in self.WINDOWS if getattr(self, name)]

    def suits(self, start: datetime.datetime, now: datetime.datetime) -> bool:
        """Whether a session at ``start`` falls in this entry's days and parts of the day, with
        at least the notice the client asked for."""
        local = start.astimezone(LONDON)
        in_window = any(begin <= local.hour < until for begin, until in (self.WINDOWS[w] for w in self.windows))
        enough_notice = start - now >= datetime.timedelta(hours=self.notice_hours)
        earlier = self.booking_id is None or start < self.booking.start
        return self.first_day <= local.date() <= self.last_day and in_window and enough_notice and earlier


class FreedTime(models.Model):
    """Time a booking gave up (a cancellation, a move, an offer declined or lapsed), written in
    the same transaction. The waitlist looks at it from ``offer_from`` and marks it considered:
    a worker killed in between leaves it to the next run."""

    # A cancellation or a move waits this long before its time is offered, so a change undone
    # at once (a slip of the finger, booked again) has sent nobody an offer.
    UNDO_DELAY = datetime.timedelta(minutes=3)

    therapist = models.ForeignKey("therapists.Therapist", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    offer_from = models.DateTimeField()
    considered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["considered_at", "offer_from"])]

    def __str__(self) -> str:
        return f"{self.therapist} free at {self.start:%Y-%m-%d %H:%M}"


class WaitlistOffer(models.Model):
    """A freed time offered to one entry, held for it (``hold``, a HELD booking) until
    ``respond_by``. Accepting turns the hold into the booking; declining or lapsing cancels
    it and passes the time to the next entry."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the client"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        LAPSED = "lapsed", "No answer in time"
        TAKEN = "taken", "Taken by someone else"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    # One hold per offer, or (inside 3 hours of the session) one shared by everyone offered it.
    hold = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="waitlist_offers")
    respond_by = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"Offer of {self.hold.start:%Y-%m-%d %H:%M} to {self.entry.client} ({self.get_status_display()})"
