import datetime

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from clinic.models import SessionType
from clinic.problems import Problem

from . import body_chart
from .aftercare import FLARE_ANSWERS, Feedback
from .constraints import PostgresExclusionConstraint

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


class Booking(models.Model):
    """One client's session with one therapist, from start to end (stored in UTC)."""

    class Status(models.TextChoices):
        AWAITING_REVIEW = "awaiting_review", "Awaiting therapist review"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"

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
        permissions = [("view_clinic_diary", "Can see the whole clinic's diary and move bookings between rooms")]
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


class HealthScreen(models.Model):
    """The client's answers before a booking: special category data. Only the booking's
    therapist and staff holding bookings.view_health_data may see it, each look is recorded
    (HealthDataAccess), and it never goes into an email."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="health_screen")
    answered_yes = models.JSONField(
        default=list, blank=True, help_text="Keys of the questions answered yes (bookings.health)."
    )
    main_problem = models.CharField(max_length=30, choices=Problem.choices)
    preferred_pressure = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="0-10; empty lets the therapist advise."
    )
    notes = models.TextField(blank=True, max_length=1000)
    consent_given_at = models.DateTimeField(help_text="When the client agreed to the clinic holding these answers.")
    # "Needs a doctor's OK first" answers (bookings.health.DOCTORS_OK): the client says they have
    # it; the therapist records seeing it before accepting the booking.
    doctor_ok_confirmed = models.BooleanField(default=False)
    pregnancy_trimester = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "First"), (2, "Second"), (3, "Third")]
    )
    doctor_ok_seen_at = models.DateTimeField(null=True, blank=True)
    doctor_ok_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(preferred_pressure__isnull=True) | models.Q(preferred_pressure__lte=10),
                name="health_screen_pressure_0_to_10",
            )
        ]
        permissions = [("view_health_data", "Can read clients' health answers and session notes")]

    def __str__(self) -> str:
        return f"Health screen for booking {self.booking_id}"


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
    duty keeps (bookings.services.my_data)."""

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


class OutcomeScore(models.Model):
    """One rating by the client, 0-10: their pain, or how well they can do an activity that
    matters to them (a patient-specific functional scale: 0 cannot, 10 as before the problem).
    Taken when booking and again at the 48-hour check-in; health data, shown only to those who
    may read the booking's health answers, and never in an email."""

    class Taken(models.TextChoices):
        BOOKING = "booking", "When booking"
        CHECK_IN = "check_in", "At the check-in, two days after"

    class Kind(models.TextChoices):
        PAIN = "pain", "Pain (0 none, 10 worst)"
        ACTIVITY = "activity", "Activity (0 cannot, 10 as before)"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="outcome_scores")
    taken = models.CharField(max_length=10, choices=Taken.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # "pain", or the activity in the client's own words ("running 5k").
    measure = models.CharField(max_length=60)
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=10), name="outcome_score_0_to_10"),
            models.UniqueConstraint(fields=["booking", "taken", "measure"], name="outcome_score_once_per_reading"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.score}/10 ({self.get_taken_display().lower()}, booking {self.booking_id})"


class HealthDataAccess(models.Model):
    """One look at a booking's health answers or session notes: who, whose, what, when.
    Written by every page that shows them; never changed or deleted by hand."""

    class Via(models.TextChoices):
        BOOKING_PAGE = "booking_page", "Booking page (health answers and notes)"
        NOTES_FORM = "notes_form", "Session notes form (health answers)"
        ADMIN = "admin", "Admin booking page (health answers)"
        CLIENT_RECORD = "client_record", "Client's record (all their sessions)"
        NOTES_AMEND = "notes_amend", "Amending session notes"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    accessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="health_accesses")
    # Whose data it was, kept with the row so the log reads the same after contact details change.
    client_email = models.EmailField()
    via = models.CharField(max_length=20, choices=Via.choices)

    class Meta:
        verbose_name = "health data access"
        verbose_name_plural = "health data access log"
        indexes = [models.Index(fields=["client_email", "-at"], name="health_access_by_client")]

    def __str__(self) -> str:
        return f"{self.accessed_by} read {self.client_email}'s {self.get_via_display().lower()}"


class SessionNote(models.Model):
    """What the therapist did in the session, written when they mark it attended. It shapes
    the client's aftercare and, after a flare-up, the next session."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="session_note")
    # Region codes from the body chart (bookings.body_chart), in the chart's order.
    areas_worked = models.JSONField(default=list)
    areas_to_avoid = models.JSONField(
        default=list, blank=True, help_text="Carried forward to the client's next session's notes."
    )
    pressure_used = models.PositiveSmallIntegerField(help_text="0-10, as agreed with the client.")
    problem = models.CharField(max_length=30, choices=Problem.choices)
    personal_tip = models.TextField(blank=True, max_length=500, help_text="Goes into the client's aftercare email.")
    pressure_reason = models.TextField(
        blank=True,
        max_length=500,
        help_text="Why, when the pressure was firm on a sensitive problem or firmer than last time after a flare-up.",
    )
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    # The fields a therapist can correct later, each change kept as a SessionNoteAmendment.
    AMENDABLE = ("areas_worked", "areas_to_avoid", "pressure_used", "problem", "personal_tip")
    # Within this time of writing, the author corrects without giving a reason (the change is
    # still recorded); after it, the notes are locked against silent edits.
    SILENT_EDIT_WINDOW = datetime.timedelta(hours=24)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pressure_used__lte=10), name="session_note_pressure_0_to_10")
        ]

    def __str__(self) -> str:
        return f"Notes for booking {self.booking_id}"

    def is_locked(self, now: datetime.datetime) -> bool:
        return now >= self.written_at + self.SILENT_EDIT_WINDOW

    def clean(self):
        errors = {}
        for field in ("areas_worked", "areas_to_avoid"):
            if not_regions := body_chart.unknown(getattr(self, field)):
                errors[field] = (
                    f"Not a region on the body chart: {', '.join(not_regions)}. Choose from the chart or the list."
                )
        if not errors and (both := body_chart.in_chart_order(set(self.areas_worked) & set(self.areas_to_avoid))):
            errors["areas_to_avoid"] = (
                f"Marked both worked and to avoid: {'; '.join(body_chart.labels(both))}. Untick one of them."
            )
        if errors:
            raise ValidationError(errors)


class SessionNoteAmendment(models.Model):
    """One correction to session notes: who, when, each changed field's old and new value, and
    why. The original stays readable by undoing the trail (bookings.selectors.note_history);
    rows are never edited or deleted."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="amendments")
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amended_at = models.DateTimeField()
    changes = models.JSONField(help_text="{field: [old value, new value]} for each field changed.")
    reason = models.TextField(blank=True, max_length=500)

    class Meta:
        ordering = ["amended_at", "pk"]

    def __str__(self) -> str:
        return f"Amendment to notes for booking {self.note.booking_id} at {self.amended_at:%Y-%m-%d %H:%M}"


class AftercareOptOut(models.Model):
    """An email address that asked for no more aftercare emails (until it asks again)."""

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Looked up with email__iexact (UPPER on PostgreSQL), which the unique index cannot serve.
        indexes = [models.Index(Upper("email"), name="aftercare_opt_out_email_upper")]

    def __str__(self) -> str:
        return self.email


class OutboundEmail(models.Model):
    """An email the clinic owes someone: about a booking, or about a therapist's registration.
    Every email the app sends is one of these rows, written in the same transaction as the
    change it reports. The row is both the schedule (due_at) and the record: a dispatcher
    queues due rows, and a send task claims each row (its status re-checked under a lock)
    before sending, so a task delivered twice sends once."""

    class Kind(models.TextChoices):
        BOOKING_CONFIRMATION = "booking_confirmation", "Booking confirmation"
        BOOKING_REQUESTED = "booking_requested", "Booking request (the therapist will confirm)"
        BOOKING_REMINDER = "booking_reminder", "Reminder"
        BOOKING_MOVED = "booking_moved", "Booking moved"
        BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
        STAFF_BOOKED = "staff_booked", "New booking (therapist and admins)"
        STAFF_MOVED = "staff_moved", "Booking moved (therapist and admins)"
        STAFF_CANCELLED = "staff_cancelled", "Booking cancelled (therapist and admins)"
        AFTERCARE_TODAY = "aftercare_today", "Aftercare: the rest of today"
        AFTERCARE_NEXT_DAY = "aftercare_next_day", "Aftercare: the next day"
        AFTERCARE_CHECK_IN = "aftercare_check_in", "Aftercare: how do you feel now?"
        THERAPIST_FLARE_ALERT = "therapist_flare_alert", "Client says it got worse (therapist)"
        BOOK_AGAIN = "book_again", "Book again (marketing: needs consent)"
        REGISTRATION_DECISION = "registration_decision", "CNHC registration decision"
        REGISTRATION_EXPIRED = "registration_expired", "CNHC registration check expired"
        REGISTRATION_REMINDER = "registration_reminder", "CNHC registration check ends soon"

    class Status(models.TextChoices):
        QUEUED = "queued", "Due"
        INFLIGHT = "inflight", "Sending"
        SENT = "sent", "Sent"
        AWAITING_RETRY = "awaiting_retry", "Waiting to retry"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    PENDING = [Status.QUEUED, Status.AWAITING_RETRY]
    AFTERCARE = [Kind.AFTERCARE_TODAY, Kind.AFTERCARE_NEXT_DAY, Kind.AFTERCARE_CHECK_IN]
    REGISTRATION = [Kind.REGISTRATION_DECISION, Kind.REGISTRATION_EXPIRED, Kind.REGISTRATION_REMINDER]
    TO_STAFF = [Kind.STAFF_BOOKED, Kind.STAFF_MOVED, Kind.STAFF_CANCELLED, Kind.THERAPIST_FLARE_ALERT]
    # About a session still to come: pointless, even misleading, once the booking is cancelled.
    VOID_WHEN_CANCELLED = [
        Kind.BOOKING_CONFIRMATION,
        Kind.BOOKING_REQUESTED,
        Kind.BOOKING_REMINDER,
        Kind.BOOKING_MOVED,
        Kind.STAFF_BOOKED,
        Kind.STAFF_MOVED,
    ]

    # What the email is about: a booking, or (for registration emails) a therapist.
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="emails", null=True, blank=True)
    therapist = models.ForeignKey(
        "therapists.Therapist", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    to_email = models.EmailField()
    # Small facts the email needs beyond the booking itself (say, the start it moved from).
    extra = models.JSONField(default=dict, blank=True)
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
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # Aftercare stop/restart and a corrected client address find pending rows by to_email__iexact.
            models.Index(Upper("to_email"), name="outbound_email_to_upper"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(booking__isnull=False) | models.Q(therapist__isnull=False),
                name="outbound_email_is_about_a_booking_or_a_therapist",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        """Fixed once the row exists, so every attempt to send it carries the same Message-ID
        and a resend after a crash is recognised as the same message."""
        return f"<outbound-{self.pk}@{settings.SITE_HOST}>"


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
