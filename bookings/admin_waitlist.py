"""The waitlist in the admin: staff see who is waiting and mark an entry urgent (offered
first); offers are read-only, since their answers come from the client's page."""

from django.contrib import admin

from bookings.models import WaitlistEntry, WaitlistOffer


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "therapist", "first_day", "last_day", "urgent", "confirmed_at", "joined_at", "ended_why"]
    list_editable = ["urgent"]
    list_filter = ["urgent", "session_type", ("ended_at", admin.EmptyFieldListFilter)]
    list_select_related = ["client", "session_type", "therapist"]
    readonly_fields = ["client", "guest_email", "added_by", "confirmed_at", "joined_at", "ended_at", "ended_why"]
    search_fields = ["client__email", "client__first_name", "client__last_name", "guest_email", "guest_name"]


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(admin.ModelAdmin):
    list_display = ["entry", "hold", "respond_by", "status", "created_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["entry__client", "entry__session_type", "hold__therapist", "hold__session_type"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
