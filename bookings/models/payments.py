"""Payments' rows: what each session type asks for, what a booking's client agreed to, the
card and charges made through Stripe, the ledger and the webhooks received.

Amounts are whole pence in pounds sterling. The ledger is append-only: a refund or a waived
fee is a new row, never an edit of an old one, so the booking's page and the admin read the
same history the clinic's accounts will."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from bookings.models.booking import Booking
from clinic.models import SessionType


class Take(models.TextChoices):
    """What a booking asks for before it is confirmed."""

    NONE = "none", "Nothing: pay at the clinic"
    DEPOSIT = "deposit", "A deposit"
    FULL = "full", "The full price"
    CARD = "card", "A card saved for fees only"


class PaymentPolicy(models.Model):
    """A session type's payment policy, the clinic's choice in the admin. Without one, or with
    "nothing", a booking is confirmed as it is made and nothing is charged online."""

    class FeesCharged(models.TextChoices):
        AUTOMATIC = "automatic", "Charged from the saved card at once"
        REVIEW = "review", "Queued for staff to charge or waive"

    session_type = models.OneToOneField(SessionType, on_delete=models.CASCADE, related_name="payment_policy")
    take = models.CharField(max_length=10, choices=Take.choices, default=Take.NONE)
    deposit_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A deposit as a share of the price (1-100), or give an amount instead."
    )
    deposit_pence = models.PositiveIntegerField(null=True, blank=True, help_text="A deposit in pence.")
    first_visit_take = models.CharField(
        max_length=10,
        choices=Take.choices,
        blank=True,
        help_text="A stricter policy for a client's first visit (blank: the same as everyone's).",
    )
    late_cancel_fee_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    late_cancel_fee_pence = models.PositiveIntegerField(null=True, blank=True)
    no_show_fee_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    no_show_fee_pence = models.PositiveIntegerField(null=True, blank=True)
    fees_charged = models.CharField(max_length=10, choices=FeesCharged.choices, default=FeesCharged.AUTOMATIC)
    no_fee_when_refilled = models.BooleanField(
        default=True, help_text="No late-cancellation fee when someone else books the freed time."
    )

    class Meta:
        verbose_name_plural = "payment policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deposit_percent__isnull=True) | models.Q(deposit_percent__range=(1, 100)),
                name="payment_policy_deposit_percent_1_to_100",
            ),
            models.CheckConstraint(
                condition=models.Q(late_cancel_fee_percent__isnull=True)
                | models.Q(late_cancel_fee_percent__range=(1, 100)),
                name="payment_policy_late_fee_percent_1_to_100",
            ),
            models.CheckConstraint(
                condition=models.Q(no_show_fee_percent__isnull=True) | models.Q(no_show_fee_percent__range=(1, 100)),
                name="payment_policy_no_show_fee_percent_1_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment policy for {self.session_type}"

    def clean(self):
        errors = {}
        for name in ("deposit", "late_cancel_fee", "no_show_fee"):
            if getattr(self, f"{name}_percent") is not None and getattr(self, f"{name}_pence") is not None:
                errors[f"{name}_pence"] = "Give a percentage or an amount, not both."
        takes_deposit = Take.DEPOSIT in (self.take, self.first_visit_take)
        if takes_deposit and self.deposit_percent is None and self.deposit_pence is None:
            errors["deposit_percent"] = "Say how much the deposit is: a percentage or an amount."
        if errors:
            raise ValidationError(errors)


class BookingPayment(models.Model):
    """What a booking's client agreed to when booking (the policy's amounts then, so a later
    change of policy changes nothing agreed), the Stripe customer and card, and until when an
    unpaid booking holds its time."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="payment")
    take = models.CharField(max_length=10, choices=Take.choices)
    due_pence = models.PositiveIntegerField(help_text="Charged at booking: the deposit or the price, or 0.")
    late_cancel_fee_pence = models.PositiveIntegerField(default=0)
    no_show_fee_pence = models.PositiveIntegerField(default=0)
    fees_charged = models.CharField(max_length=10, choices=PaymentPolicy.FeesCharged.choices)
    no_fee_when_refilled = models.BooleanField(default=True)
    # The booking's status once paid: confirmed, or awaiting the therapist's review.
    status_when_paid = models.CharField(max_length=20, choices=Booking.Status.choices)
    pay_by = models.DateTimeField(help_text="An unpaid booking is released at this time.")
    stripe_customer = models.CharField(max_length=255, blank=True)
    stripe_setup_intent = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_payment_method = models.CharField(max_length=255, blank=True)
    card_saved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # When the booking's outcome (cancelled, no-show) was settled in money: refunds made, fees
    # charged or queued. Empty while there is nothing to settle or it is still to be done.
    settled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Payment terms of booking {self.booking_id}"


class Charge(models.Model):
    """One charge asked of Stripe: the booking's deposit or price, or a fee. Written (and
    committed) before Stripe is called, so a charge whose answer was lost is still known and
    the reconcile task asks Stripe about it."""

    class Purpose(models.TextChoices):
        AT_BOOKING = "at_booking", "Paid at booking"
        LATE_CANCEL_FEE = "late_cancel_fee", "Late-cancellation fee"
        NO_SHOW_FEE = "no_show_fee", "No-show fee"

    class Status(models.TextChoices):
        STARTING = "starting", "Asked of Stripe"
        NEEDS_ACTION = "needs_action", "Waiting for the client to confirm with their bank"
        REVIEW = "review", "Waiting for staff to charge or waive"
        SUCCEEDED = "succeeded", "Paid"
        DECLINED = "declined", "Declined"
        WAIVED = "waived", "Waived"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="charges")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    amount_pence = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STARTING)
    stripe_payment_intent = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # A declined charge may be tried again with another card: each try is a new PaymentIntent
    # under its own idempotency key.
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_pence__gt=0), name="charge_amount_positive"),
            # One fee of each kind per booking, and one payment at booking.
            models.UniqueConstraint(fields=["booking", "purpose"], name="charge_one_per_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} of £{self.amount_pence / 100:.2f} for booking {self.booking_id}"


class LedgerEntry(models.Model):
    """One movement of money (or a fee let go), never edited or deleted: who, when, why and
    Stripe's id for it. A Stripe id is recorded once, so a webhook, the reconcile task and the
    page that took the payment can all report the same charge and it counts once."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        REFUND = "refund", "Refund"
        FEE_CHARGED = "fee_charged", "Fee charged"
        FEE_WAIVED = "fee_waived", "Fee waived"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_pence = models.PositiveIntegerField()
    stripe_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} £{self.amount_pence / 100:.2f}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are never changed: add a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are never deleted.")


class StripeEvent(models.Model):
    """A webhook Stripe sent, stored once by its id: a replay finds it here and changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
