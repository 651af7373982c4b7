from django.contrib import admin

from .models import SessionType


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "duration_minutes", "price", "active", "needs_room"]
    list_filter = ["kind", "active", "needs_room"]
    list_editable = ["active"]


class RecordAdmin(admin.ModelAdmin):
    """For records the app writes and nobody edits (audit trails, logs, requests): readable in
    the admin, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
