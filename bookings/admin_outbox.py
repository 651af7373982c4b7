"""The outbox in the admin: every email the app sends, booking and registration alike."""

from django.contrib import admin, messages

from bookings.admin_held import HeldRowsHiddenMixin
from bookings.messaging import outbox
from bookings.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(HeldRowsHiddenMixin, admin.ModelAdmin):
    """Every email the app sends, booking and registration alike: admins watch here for ones
    that failed for good, send them again once the cause is fixed, or send a copy of one."""

    # "May have arrived": the server dropped the connection after taking the message, so an
    # admin checks with the client before sending a failed one again.
    list_display = ["due_at", "kind", "to_email", "status", "maybe_delivered", "attempts", "last_error"]
    list_filter = ["status", "maybe_delivered", "kind"]
    search_fields = ["to_email"]
    date_hierarchy = "due_at"
    readonly_fields = [
        "booking",
        "therapist",
        "kind",
        "to_email",
        "extra",
        "due_at",
        "status",
        "attempts",
        "dispatched_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "maybe_delivered",
        "created_at",
    ]

    actions = ["send_again", "send_a_copy"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request, queryset):
        queued = outbox.outbound_emails_send_again(email_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - queued
        self.message_user(
            request,
            f"{queued} email{'s' if queued != 1 else ''} will be sent again within a minute."
            + (f" {skipped} not failed, left alone." if skipped else ""),
            messages.SUCCESS if queued else messages.WARNING,
        )

    @admin.action(description="Send a copy of the selected sent emails")
    def send_a_copy(self, request, queryset):
        queued = outbox.outbound_emails_resend(email_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - queued
        self.message_user(
            request,
            f"{queued} cop{'ies' if queued != 1 else 'y'} will be sent within a minute."
            + (f" {skipped} not sent yet, left alone." if skipped else ""),
            messages.SUCCESS if queued else messages.WARNING,
        )
