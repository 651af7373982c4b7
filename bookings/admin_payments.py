"""Payments in the admin: each session type's policy (the clinic's choice), and read-only
lists of the ledger, charges and Stripe's webhooks. The ledger is never edited here: a
refund or a waived fee is a new entry, made by the app."""

from django.contrib import admin
from django.utils.html import format_html_join

from bookings.models import Charge, LedgerEntry, PaymentPolicy, StripeEvent
from clinic.admin import RecordAdmin


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(admin.ModelAdmin):
    list_display = ["session_type", "take", "deposit_percent", "deposit_pence", "first_visit_take", "fees_charged"]
    list_select_related = ["session_type"]
    fieldsets = [
        (None, {"fields": ["session_type", "take", "first_visit_take"]}),
        ("Deposit (a percentage or an amount in pence)", {"fields": ["deposit_percent", "deposit_pence"]}),
        (
            "Fees, never above the price (a percentage or an amount in pence)",
            {
                "fields": [
                    "late_cancel_fee_percent",
                    "late_cancel_fee_pence",
                    "no_show_fee_percent",
                    "no_show_fee_pence",
                    "fees_charged",
                    "no_fee_when_refilled",
                ]
            },
        ),
    ]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(RecordAdmin):
    list_display = ["at", "booking", "kind", "amount", "stripe_id", "by", "reason"]
    list_filter = ["kind"]
    list_select_related = ["booking__session_type", "booking__therapist", "by"]
    search_fields = ["stripe_id", "booking__client_email"]
    date_hierarchy = "at"

    @admin.display(description="Amount")
    def amount(self, entry: LedgerEntry) -> str:
        return f"£{entry.amount_pence / 100:.2f}"


@admin.register(Charge)
class ChargeAdmin(RecordAdmin):
    list_display = ["created_at", "booking", "purpose", "amount_pence", "status", "attempts", "failure_message"]
    list_filter = ["status", "purpose"]
    list_select_related = ["booking__session_type", "booking__therapist"]


@admin.register(StripeEvent)
class StripeEventAdmin(RecordAdmin):
    list_display = ["received_at", "type", "event_id", "object_id"]
    list_filter = ["type"]
    search_fields = ["event_id", "object_id"]


def ledger_in_words(booking) -> str:
    """The booking's ledger as lines for its admin page (read-only: the ledger is never edited)."""
    entries = LedgerEntry.objects.filter(booking=booking).select_related("by")
    return (
        format_html_join(
            "\n",
            "<div>{} {}: £{} ({}{})</div>",
            (
                (
                    f"{entry.at:%Y-%m-%d %H:%M}",
                    entry.get_kind_display(),
                    f"{entry.amount_pence / 100:.2f}",
                    entry.reason,
                    f", by {entry.by}" if entry.by else "",
                )
                for entry in entries
            ),
        )
        or "None"
    )
