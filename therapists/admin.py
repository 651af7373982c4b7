from django.contrib import admin

from .models import Therapist, TimeOff, WorkingHours


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "cnhc_number", "registration_status"]
    list_filter = ["registration_status"]
    search_fields = ["display_name", "cnhc_number", "user__email"]
    raw_id_fields = ["user"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "start_time", "end_time", "effective_from", "effective_until"]
    list_filter = ["weekday", "therapist"]
    list_select_related = ["therapist"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["reason", "therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"
