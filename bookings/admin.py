from django.contrib import admin

from .models import Booking, BookingRules, SessionType


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "duration_minutes", "price", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["active"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["start", "therapist", "session_type", "client_name", "status"]
    list_filter = ["status", "therapist"]
    list_select_related = ["therapist", "session_type"]
    search_fields = ["client_name", "client_email"]
    date_hierarchy = "start"
    raw_id_fields = ["client", "booked_by", "cancelled_by"]
    readonly_fields = ["idempotency_key", "created_at"]


@admin.register(BookingRules)
class BookingRulesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "buffer_minutes", "min_notice_minutes", "horizon_days", "slot_step_minutes"]

    def has_add_permission(self, request):
        # One row only; BookingRules.load() creates it with the defaults.
        return not BookingRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
