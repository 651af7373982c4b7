from django.contrib import admin

from .models import SessionType


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "duration_minutes", "price", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["active"]
