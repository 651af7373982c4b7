from django.contrib import admin

from .models import SessionType


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "duration_minutes", "price", "active", "needs_room"]
    list_filter = ["kind", "active", "needs_room"]
    list_editable = ["active"]
