"""The waitlist's rows: who is waiting for what, the time that frees up, and the offers made.

An offer's hold is a Booking row in status HELD: it sits inside the same exclusion constraints
as every booking (the therapist's time with the buffer, the room with its turnover), so while
an offer is open nobody, staff included, can book that time, whatever path they take."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef

from bookings.models.booking import Booking
from clinic.free_times import free_times_changed
from clinic.london import LONDON
from clinic.models import SessionType


class WaitlistEntry(models.Model):
    """A client asking to be told when a time comes up: a session type, a therapist or any,
    a range of days, the parts of the day they can come, and the shortest notice they can
    manage. Offered in the order of joining; staff may mark an entry urgent (first).

    A client with an account, or a guest (a name and an address, given on the page or by
    phone to reception): a guest's place counts only once the address is confirmed by the
    link emailed to it (``confirmed_at``), so no one is offered times at an address they
    mistyped or that is not theirs."""

    class Ended(models.TextChoices):
        LEFT = "left", "Left the list"
        BOOKED = "booked", "Booked from an offer"
        PASSED = "passed", "Its days have passed"
        GONE = "gone", "Its booking was cancelled, moved or has started"

    # The parts of a London day a client can choose, as [from, until) hours.
    WINDOWS = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 21)}

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist_entries"
    )
    guest_name = models.CharField(max_length=100, blank=True)
    guest_email = models.EmailField(blank=True)
    # When the address was confirmed: at joining for an account; by the emailed link for a guest.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The guest's link to confirm or leave their place: only its hash, as for booking links.
    place_token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who added a phone caller.",
    )
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
    # Or the client's own hours (London), in place of the parts of the day: "after 18:30".
    custom_from = models.TimeField(null=True, blank=True)
    custom_until = models.TimeField(null=True, blank=True)
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
                condition=models.Q(client__isnull=False) | ~models.Q(guest_email=""),
                name="waitlist_a_client_or_a_guest_address",
            ),
            models.CheckConstraint(
                condition=models.Q(custom_from__isnull=True, custom_until__isnull=True)
                | models.Q(custom_until__gt=models.F("custom_from")),
                name="waitlist_own_hours_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(morning=True) | models.Q(afternoon=True) | models.Q(evening=True),
                name="waitlist_some_part_of_the_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} for {self.name} ({self.first_day} to {self.last_day})"

    @property
    def email(self) -> str:
        return self.client.email if self.client_id else self.guest_email

    @property
    def first_name(self) -> str:
        """How emails greet them ("there" when nothing better is known)."""
        name = self.client.first_name if self.client_id else self.guest_name.split(" ")[0]
        return name or "there"

    @property
    def name(self) -> str:
        """How staff pages name them."""
        if self.client_id:
            return self.client.get_full_name() or self.client.email
        return f"{self.guest_name} (guest)"

    @property
    def times_of_day(self) -> str:
        """The hours it waits for, in words: "morning, evening" or "18:30 to 20:00"."""
        if self.custom_from is not None:
            return f"{self.custom_from:%H:%M} to {self.custom_until:%H:%M}"
        return ", ".join(self.windows)

    @property
    def windows(self) -> list[str]:
        return [name for name in self.WINDOWS if getattr(self, name)]

    def suits(self, start: datetime.datetime, now: datetime.datetime) -> bool:
        """Whether a session at ``start`` falls in this entry's days and parts of the day, with
        at least the notice the client asked for."""
        local = start.astimezone(LONDON)
        if self.custom_from is not None:
            in_window = self.custom_from <= local.time() < self.custom_until
        else:
            in_window = any(begin <= local.hour < until for begin, until in (self.WINDOWS[w] for w in self.windows))
        enough_notice = start - now >= datetime.timedelta(hours=self.notice_hours)
        earlier = self.booking_id is None or start < self.booking.start
        return self.first_day <= local.date() <= self.last_day and in_window and enough_notice and earlier


class FreedTime(models.Model):
    """Time given up (a cancellation, a move, an offer declined or lapsed, time off taken back,
    a new working week), written in the same transaction. The waitlist looks at it from ``offer_from`` and marks it considered:
    a worker killed in between leaves it to the next run."""

    # A cancellation or a move waits this long before its time is offered, so a change undone
    # at once (a slip of the finger, booked again) has sent nobody an offer.
    UNDO_DELAY = datetime.timedelta(minutes=3)

    therapist = models.ForeignKey("therapists.Therapist", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    # A stretch rather than one booking's time (time off taken back, a new working week): any
    # start in [start, end) may be offered. None: the start alone.
    end = models.DateTimeField(null=True, blank=True)
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
    # The offer's own link (its email's): only its hash, so the link opens this offer and no
    # other offer of the same hold.
    link_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"Offer of {self.hold.start:%Y-%m-%d %H:%M} to {self.entry.client} ({self.get_status_display()})"


def expired_holds_end(*, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime) -> int:
    """Ends, at once, the holds over [start, end) none of whose offers may still be answered
    (every one answered, or past its time): what the waitlist's run does every minute, done
    by a booking that meets such a hold, so it is not refused for the minute until the run.
    The hold's row, then its offers, locked as the answers lock them (rows an answer holds now
    are left to it). Their time goes back to the waitlist. Returns how many holds ended."""
    answerable = WaitlistOffer.objects.filter(hold=OuterRef("pk"), status=WaitlistOffer.Status.OPEN, respond_by__gt=now)
    over = Booking.objects.filter(status=Booking.Status.HELD, start__lt=end, blocks_until__gt=start).exclude(
        Exists(answerable)
    )
    ended = 0
    for hold in over.select_for_update(skip_locked=True):
        WaitlistOffer.objects.filter(hold=hold, status=WaitlistOffer.Status.OPEN).update(
            status=WaitlistOffer.Status.LAPSED, answered_at=now
        )
        hold_let_go(hold, now)
        ended += 1
    return ended


def hold_let_go(hold: Booking, now: datetime.datetime) -> None:
    """A hold nobody can take any more is cancelled, and its time goes back to the waitlist at
    once (no undo delay: nothing was booked). Call with the hold's row locked."""
    Booking.objects.filter(pk=hold.pk).update(status=Booking.Status.CANCELLED, cancelled_at=now)
    free_times_changed(therapist_id=hold.therapist_id, room_ids=[hold.room_id])
    FreedTime.objects.create(therapist_id=hold.therapist_id, start=hold.start, offer_from=now)


def fill_counts(
    *, begins: datetime.datetime, ends: datetime.datetime, therapist_id: int | None = None
) -> tuple[int, int]:
    """For sessions starting in [begins, ends): the single times given up (cancellations,
    moves, offers passed on; a stretch of new hours or time off taken back is no booking lost)
    and how many were taken from the waitlist: the fill rate's two counts. Two queries."""
    freed = FreedTime.objects.filter(start__gte=begins, start__lt=ends, end__isnull=True)
    filled = WaitlistOffer.objects.filter(
        hold__start__gte=begins, hold__start__lt=ends, status=WaitlistOffer.Status.ACCEPTED
    )
    if therapist_id is not None:
        freed, filled = freed.filter(therapist_id=therapist_id), filled.filter(hold__therapist_id=therapist_id)
    return freed.values("therapist_id", "start").distinct().count(), filled.count()
