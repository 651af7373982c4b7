from django.contrib import admin

from .models import Therapist


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "cnhc_number", "registration_status"]
    list_filter = ["registration_status"]
    search_fields = ["display_name", "cnhc_number", "user__email"]
    raw_id_fields = ["user"]
