from django.contrib import admin, messages

from clinic.free_times import FreeTimesAdminMixin

from . import outbox
from .models import Booking, BookingRules, HealthScreen, OutboundEmail
from .services import booking as booking_services


class HealthScreenInline(admin.StackedInline):
    model = HealthScreen
    can_delete = False
    readonly_fields = ["answered_yes", "main_problem", "preferred_pressure", "notes", "consent_given_at"]

    def has_add_permission(self, request, obj=None):
        return False


class OutboundEmailInline(admin.TabularInline):
    model = OutboundEmail
    fields = ["kind", "to_email", "due_at", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(FreeTimesAdminMixin, admin.ModelAdmin):
    list_display = ["start", "therapist", "session_type", "client_name", "status"]
    list_filter = ["status", "therapist"]
    list_select_related = ["therapist", "session_type"]
    search_fields = ["client_name", "client_email"]
    date_hierarchy = "start"
    # Booking, moving and cancelling go through the booking pages, which check the slot and
    # tell the client and therapist; saved here, a new time would do neither. Only the
    # client's contact details can be corrected.
    readonly_fields = [
        "therapist",
        "session_type",
        "start",
        "end",
        "blocks_until",
        "status",
        "client",
        "booked_by",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
        "late_cancellation",
        "feedback",
        "feedback_at",
        "idempotency_key",
        "created_at",
    ]
    inlines = [HealthScreenInline, OutboundEmailInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        booking_services.booking_contact_update(
            booking_id=obj.pk, name=obj.client_name, email=obj.client_email, phone=obj.client_phone
        )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Every email the app sends, booking and registration alike: admins watch here for ones
    that failed for good, send them again once the cause is fixed, or send a copy of one."""

    list_display = ["due_at", "kind", "to_email", "status", "attempts", "last_error"]
    list_filter = ["status", "kind"]
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


@admin.register(BookingRules)
class BookingRulesAdmin(FreeTimesAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "buffer_minutes", "min_notice_minutes", "horizon_days", "slot_step_minutes"]

    def has_add_permission(self, request):
        # One row only; BookingRules.load() creates it with the defaults.
        return not BookingRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
