"""The session notes and the consent to treatment on the admin's booking page: read-only (notes
are changed only by their therapist, as amendments with a trail), and shown only to staff
allowed to read health data, like the health answers beside them. The reason for risky
pressure is shown with the pressure it explains."""

from django.contrib import admin

from bookings.models import HEALTH_DATA_PERMISSION, SessionNote, TreatmentConsent


class HealthDataReadOnlyInline(admin.StackedInline):
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(HEALTH_DATA_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False


class TreatmentConsentInline(HealthDataReadOnlyInline):
    model = TreatmentConsent
    verbose_name_plural = "Consent to treatment"
    fields = readonly_fields = ["confirmed_at", "confirmed_by", "wording"]


class SessionNoteInline(HealthDataReadOnlyInline):
    model = SessionNote
    verbose_name_plural = "Session notes (as they stand; amendments are on the client record)"
    fields = readonly_fields = [
        "written_at",
        "written_by",
        "problem",
        "areas_worked",
        "areas_to_avoid",
        "pressure_used",
        "pressure_reason",
        *SessionNote.WRITTEN,
        "personal_tip",
    ]
