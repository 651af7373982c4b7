from django.conf import settings
from django.db import models
from django.db.models.functions import Upper

from bookings.models.booking import Booking


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
        WAITLIST_OFFER = "waitlist_offer", "Waitlist: a time has come up"
        WAITLIST_TAKEN = "waitlist_taken", "Waitlist: someone else took that time"
        WAITLIST_ENDED = "waitlist_ended", "Waitlist: a place's days have passed"
        WAITLIST_CONFIRM = "waitlist_confirm", "Waitlist: a guest confirms their address"
        PAYMENT_NOTICE = "payment_notice", "Payment: a refund made or a fee charged"

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
    # WAITLIST_CONFIRM answers the guest's own joining, at any hour; the rest wait for the day.
    WAITLIST = [Kind.WAITLIST_OFFER, Kind.WAITLIST_TAKEN, Kind.WAITLIST_ENDED, Kind.WAITLIST_CONFIRM]
    TO_STAFF = [Kind.STAFF_BOOKED, Kind.STAFF_MOVED, Kind.STAFF_CANCELLED, Kind.THERAPIST_FLARE_ALERT]
    # When each kind may leave. Only in London's sending hours (AFTERCARE_SEND_FROM_HOUR to
    # AFTERCARE_SEND_UNTIL_HOUR): what the clinic sends a client on its own schedule, which
    # they did not just ask for (reminders, aftercare, "book again"). At any hour: a direct
    # answer to what the client has just done, or news of a change to their booking that may
    # not wait for the morning (a therapist cancelling tomorrow's 08:30), and the staff's own
    # email (notices of bookings and changes, a client's check-in saying it got worse, CNHC
    # registration news, which the daily check sends at 06:00, before the first sessions).
    # Every kind is in exactly one list (a test fails on a new kind nobody placed).
    SENDING_HOURS_ONLY = [
        Kind.BOOKING_REMINDER,
        *AFTERCARE,
        Kind.BOOK_AGAIN,
        Kind.WAITLIST_OFFER,
        Kind.WAITLIST_TAKEN,
        Kind.WAITLIST_ENDED,
    ]
    ANY_HOUR = [
        Kind.BOOKING_CONFIRMATION,
        Kind.BOOKING_REQUESTED,
        Kind.BOOKING_MOVED,
        Kind.BOOKING_CANCELLED,
        Kind.WAITLIST_CONFIRM,
        Kind.PAYMENT_NOTICE,
        *TO_STAFF,
        *REGISTRATION,
    ]
    # About a session still to come: pointless, even misleading, once the booking is cancelled.
    VOID_WHEN_CANCELLED = [
        Kind.WAITLIST_OFFER,
        Kind.BOOKING_CONFIRMATION,
        Kind.BOOKING_REQUESTED,
        Kind.BOOKING_REMINDER,
        Kind.BOOKING_MOVED,
        Kind.STAFF_BOOKED,
        Kind.STAFF_MOVED,
    ]

    # What the email is about: a booking, or (for registration emails) a therapist; a waitlist
    # place that has ended is about neither, and carries what it says in ``extra``.
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
    # The connection failed after the server had the whole message and before its answer: it
    # may have stored it and delivered it. Shown to admins, and it caps the attempts left.
    maybe_delivered = models.BooleanField(
        "may have arrived",
        default=False,
        help_text="The server dropped the connection after receiving the message, before confirming it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # Aftercare stop/restart and a corrected client address find pending rows by to_email__iexact.
            models.Index(Upper("to_email"), name="outbound_email_to_upper"),
        ]
        constraints = [
            # A waitlist place's own emails are about neither (what they say is in extra).
            models.CheckConstraint(
                condition=models.Q(booking__isnull=False)
                | models.Q(therapist__isnull=False)
                | models.Q(kind__in=["waitlist_ended", "waitlist_confirm"]),
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
