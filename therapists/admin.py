from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from clinic.admin import RecordAdmin
from clinic.free_times import FreeTimesAdminMixin

from .models import RegistrationEvent, RegistrationNotice, Therapist, TimeOff, WorkingHours
from .services.profile import therapist_invite

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    """Django's user admin, plus the one way an account becomes a therapist's."""

    actions = ["make_therapists"]

    @admin.action(description="Add as therapists (they then fill in a profile and registration)")
    def make_therapists(self, request, queryset):
        for user in queryset:
            therapist_invite(user=user)
        messages.success(
            request,
            f'{queryset.count()} account(s) can now set up a therapist profile under "Your profile".',
        )


class RegistrationEventInline(admin.TabularInline):
    model = RegistrationEvent
    fields = ["at", "kind", "actor", "status_after", "cnhc_number", "expires_on", "seen_on_register", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Therapist)
class TherapistAdmin(FreeTimesAdminMixin, admin.ModelAdmin):
    list_display = ["display_name", "cnhc_number", "registration_status", "registration_expires_on"]
    list_filter = ["registration_status"]
    search_fields = ["display_name", "cnhc_number", "user__email"]
    raw_id_fields = ["user"]
    # Registration state changes only through the check pages, which record who decided and why;
    # editing it here would leave no trace.
    readonly_fields = ["registration_status", "registration_expires_on", "registration_submitted_at"]
    inlines = [RegistrationEventInline]


@admin.register(RegistrationEvent)
class RegistrationEventAdmin(RecordAdmin):
    """The audit trail: readable, never added to, changed or deleted by hand."""

    list_display = ["at", "therapist", "kind", "actor", "status_after"]
    list_filter = ["kind"]
    list_select_related = ["therapist", "actor"]
    search_fields = ["therapist__display_name", "cnhc_number"]
    date_hierarchy = "at"


@admin.register(RegistrationNotice)
class RegistrationNoticeAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "therapist", "key"]
    list_select_related = ["therapist"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DiaryEditedByTherapistAdmin(FreeTimesAdminMixin, admin.ModelAdmin):
    """Hours and time off change only in the therapist's diary, where overlapping stretches
    and time off over booked sessions are refused with a message; the admin form would save
    either without a word. Admins can read and delete them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkingHours)
class WorkingHoursAdmin(DiaryEditedByTherapistAdmin):
    list_display = ["therapist", "weekday", "start_time", "end_time", "effective_from", "effective_until"]
    list_filter = ["weekday", "therapist"]
    list_select_related = ["therapist"]


@admin.register(TimeOff)
class TimeOffAdmin(DiaryEditedByTherapistAdmin):
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["reason", "therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"
