import datetime

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models.functions import Upper

from bookings.clinical.aftercare import FLARE_ANSWERS, Feedback
from bookings.constraints import PostgresExclusionConstraint
from clinic.models import SessionType

HEALTH_DATA_PERMISSION = "bookings.view_health_data"


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


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
            models.CheckConstraint(
                condition=models.Q(buffer_minutes__lte=240), name="booking_rules_buffer_at_most_240"
            ),
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

    def not_restricted(self) -> "BookingQuerySet":
        """Leaves out clinical records held after the client asked for erasure (restricted
        processing): what every staff list and search shows."""
        return self.filter(restricted_until__isnull=True)


class Booking(models.Model):
    """One client's session with one therapist, from start to end (stored in UTC)."""

    class Status(models.TextChoices):
        AWAITING_REVIEW = "awaiting_review", "Awaiting therapist review"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"
        # Kept for a waitlist offer (bookings.models.waitlist): busy like a booking, nobody's yet.
        HELD = "held", "Held for a waitlist offer"
        # Holds its time (bookings.models.payments.BookingPayment.pay_by) until paid or released.
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"

    # Still going ahead: the statuses a booking can be moved or cancelled in, before it starts.
    OPEN_STATUSES = [Status.AWAITING_REVIEW, Status.CONFIRMED]

    # A client with an account; guests book with their email and have none.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", null=True, blank=True
    )
    client_name = models.CharField(max_length=100)
    client_email = models.EmailField()
    client_phone = models.CharField(max_length=30)
    therapist = models.ForeignKey("therapists.Therapist", on_delete=models.PROTECT, related_name="bookings")
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The end plus the therapist's buffer (cleaning, notes) at the time of booking: the time the
    # booking keeps the therapist busy, and what the no-overlap constraint compares.
    blocks_until = models.DateTimeField()
    # The treatment room, and until when the session keeps it (the end plus the room's
    # turnover at the time of booking): what the room's no-overlap constraint compares. Both
    # are empty for a session that needs no room, and for bookings made before the clinic
    # tracked rooms.
    room = models.ForeignKey("clinic.Room", on_delete=models.PROTECT, related_name="bookings", null=True, blank=True)
    room_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    # Sent with the booking form, so a form submitted twice creates one booking.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # A keyed hash of what that form said (bookings.services.booking): the key answers again
    # only for the same details, so a replayed key with other details opens nothing.
    idempotency_details = models.CharField(max_length=64, blank=True, editable=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made the booking, when a therapist or admin booked for the client.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=500, blank=True)
    late_cancellation = models.BooleanField(default=False)
    # Rises with every change a calendar must pick up (a move, an acceptance, a cancellation),
    # so the client's calendar replaces the event it holds under the same UID.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    # The client's answer to the check-in email two days after the session; the first stands.
    feedback = models.CharField(max_length=10, blank=True, choices=Feedback.choices)
    feedback_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the client asked for erasure and this clinical record must be kept: the London
    # date it is erased. Until then it is restricted (bookings.privacy.held): left out of
    # staff lists and searches, opened only with the health permission and a logged reason.
    restricted_until = models.DateField(null=True, blank=True, editable=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["therapist", "start"]),
            models.Index(fields=["room", "start"]),
            # client_email__iexact (the booking page's earlier sessions, the manage link, claiming
            # guest bookings) compares UPPER(client_email) on PostgreSQL: the index must too.
            models.Index(Upper("client_email"), name="booking_client_email_upper"),
        ]
        permissions = [
            ("view_clinic_diary", "Can see the whole clinic's diary and move bookings between rooms"),
            ("view_reports", "Can see the whole clinic's reports"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"),
            models.CheckConstraint(
                condition=models.Q(blocks_until__gte=models.F("end")), name="booking_blocks_at_least_until_end"
            ),
            # Whatever code path writes a booking, PostgreSQL refuses a second one that overlaps
            # the same therapist's time (buffer included). Cancelled bookings free their time.
            PostgresExclusionConstraint(
                name="booking_no_overlap_per_therapist",
                expressions=[
                    (TsTzRange("start", "blocks_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=~models.Q(status="cancelled"),
            ),
            models.CheckConstraint(
                condition=models.Q(room__isnull=True, room_until__isnull=True)
                # room_until not null spelled out: a CHECK that comes out NULL passes.
                | models.Q(room__isnull=False, room_until__isnull=False, room_until__gte=models.F("end")),
                name="booking_room_held_at_least_until_end",
            ),
            # The same for rooms: whatever code path writes a booking, two sessions never hold
            # one room at once (turnover included), whichever therapists they are with.
            PostgresExclusionConstraint(
                name="booking_no_overlap_per_room",
                expressions=[
                    (TsTzRange("start", "room_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=~models.Q(status="cancelled") & models.Q(room__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} with {self.therapist} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def client_first_name(self) -> str:
        return self.client_name.split()[0] if self.client_name.strip() else "there"

    @property
    def feedback_is_flare(self) -> bool:
        """The client said the session made things worse: the therapist is told, and the next
        session goes lighter."""
        return self.feedback in FLARE_ANSWERS

    def is_open_to_staff(self, user) -> bool:
        """Whether ``user`` may read this booking's health answers and session notes: its own
        therapist, or staff holding bookings.view_health_data (superusers hold every
        permission). Being staff alone is not enough."""
        return self.therapist.user_id == user.pk or (user.is_active and user.has_perm(HEALTH_DATA_PERMISSION))

    @property
    def is_restricted(self) -> bool:
        """Held after an erasure request: see restricted_until."""
        return self.restricted_until is not None

    def is_changeable(self, now: datetime.datetime) -> bool:
        """Whether the booking can still be moved or cancelled: it is going ahead and has not
        started. Once a session starts, only its outcome (attended, no-show) can be recorded."""
        return self.status in self.OPEN_STATUSES and self.start > now

    def awaits_outcome(self, now: datetime.datetime) -> bool:
        """Whether the therapist can now mark it attended or a no-show: it is confirmed (not
        cancelled, not still in review, no outcome yet) and has started."""
        return self.status == self.Status.CONFIRMED and self.start <= now

    @property
    def free_cancellation_until(self) -> datetime.datetime:
        """The clinic's free-cancellation period ends FREE_CANCELLATION_HOURS before the start."""
        return self.start - datetime.timedelta(hours=settings.FREE_CANCELLATION_HOURS)

    def is_late_to_cancel(self, now: datetime.datetime) -> bool:
        """Whether a client cancelling at ``now`` cancels late: after free_cancellation_until.
        (A cancellation by the therapist or an admin is never counted as late: booking_cancel
        decides that.)"""
        return now > self.free_cancellation_until


class BookingLink(models.Model):
    """A link from an email to a page about one booking (manage it, read its aftercare, stop
    aftercare emails). The token itself is random and only its SHA-256 is kept, so the link
    says nothing about the booking or the client, a copy of the database opens nothing, and a
    link can be revoked (a cancellation, an erasure) or left to expire after the session."""

    class Purpose(models.TextChoices):
        MANAGE = "manage", "See, move or cancel the booking"
        AFTERCARE = "aftercare", "Aftercare advice and the check-in"
        STOP = "stop", "Stop aftercare emails"
        UNSUBSCRIBE = "unsubscribe", "Stop marketing emails"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # None: no expiry (the stop link: a way out must keep working).
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["booking", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for booking {self.booking_id}"


class BookingContactChange(models.Model):
    """One correction of a booking's contact details: who made it, when, why, and the address
    before and after. A changed address never moves the booking to another account (see
    bookings.privacy.claims), and the row is written in the same transaction as the change."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="contact_changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    old_email = models.EmailField()
    new_email = models.EmailField()
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["-at"]
        verbose_name = "booking contact change"
        verbose_name_plural = "booking contact changes"

    def __str__(self) -> str:
        return f"{self.changed_by} changed the contact details of booking {self.booking_id}"
