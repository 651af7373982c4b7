from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from bookings import (
    admin_outbox,  # noqa: F401  (registers the outbox's admin)
    admin_payments,  # noqa: F401  (registers the payments' admin)
    admin_waitlist,  # noqa: F401  (registers the waitlist's admin)
)
from bookings.admin_held import HeldBookingsAdminMixin, HeldRowsHiddenMixin
from bookings.admin_notes import HealthDataReadOnlyInline, SessionNoteInline, TreatmentConsentInline
from bookings.models import (
    HEALTH_DATA_PERMISSION,
    Booking,
    BookingContactChange,
    BookingRules,
    ErasureRequest,
    HealthConsent,
    HealthDataAccess,
    HealthScreen,
    MarketingConsent,
    OutboundEmail,
)
from bookings.privacy import my_data
from bookings.services import booking_changes
from bookings.services import rooms as room_services
from clinic.admin import RecordAdmin
from clinic.free_times import FreeTimesAdminMixin
from clinic.models import Room, RoomClosure, RoomHours


class HealthScreenInline(admin.StackedInline):
    model = HealthScreen
    can_delete = False
    readonly_fields = ["answered_yes", "main_problem", "preferred_pressure", "notes", "consent_given_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(HEALTH_DATA_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


class OutboundEmailInline(ReadOnlyInline):
    model = OutboundEmail
    fields = readonly_fields = [
        "kind",
        "to_email",
        "due_at",
        "status",
        "attempts",
        "sent_at",
        "maybe_delivered",
        "last_error",
    ]


class ContactChangeInline(ReadOnlyInline):
    model = BookingContactChange
    fields = readonly_fields = ["at", "changed_by", "old_email", "new_email", "reason"]
    verbose_name_plural = "Changes to the contact details (who, when and why)"


CONTACT_FIELDS = ["client_name", "client_email", "client_phone"]


class BookingChangeForm(forms.ModelForm):
    """The booking's contact details, and why they are being changed (logged with who)."""

    change_reason = forms.CharField(
        label="Why are you changing the contact details?",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Logged with your name. A new email address does not move the booking to another account.",
    )
    changed_by = None  # the signed-in user, set by BookingAdmin.get_form

    def clean(self):
        data = super().clean()
        if self.instance.pk and not self.errors and set(CONTACT_FIELDS) & set(self.changed_data):
            try:
                booking_changes.booking_contact_change_check(
                    booking=self.instance,
                    new_email=data.get("client_email", ""),
                    changed_by=self.changed_by,
                    reason=data.get("change_reason", ""),
                )
            except booking_changes.ContactChangeRefused as refused:
                raise ValidationError(refused.message) from refused
        return data


@admin.register(Booking)
class BookingAdmin(HeldBookingsAdminMixin, FreeTimesAdminMixin, admin.ModelAdmin):
    form = BookingChangeForm
    list_display = ["start", "therapist", "room", "session_type", "client_or_held", "status"]
    list_filter = ["status", "therapist", "room"]
    list_select_related = ["therapist", "session_type", "room"]
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
        "room",
        "room_until",
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
        "money",
    ]
    inlines = [
        HealthScreenInline,
        TreatmentConsentInline,
        SessionNoteInline,
        OutboundEmailInline,
        ContactChangeInline,
    ]

    @admin.display(description="Payments and refunds")
    def money(self, booking: Booking) -> str:
        return admin_payments.ledger_in_words(booking)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A booking carries health answers and notes the clinic must keep for years; deleting
        # it here would erase them with no trace. Cancelling goes through the booking pages.
        return False

    def get_inline_instances(self, request, obj=None):
        # Health answers only for staff allowed to read them (not merely allowed into the admin).
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if not isinstance(inline, (HealthScreenInline, HealthDataReadOnlyInline))
            or request.user.has_perm(HEALTH_DATA_PERMISSION)
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"changed_by": request.user})

    def save_model(self, request, obj, form, change):
        if set(CONTACT_FIELDS) & set(form.changed_data):
            booking_changes.booking_contact_update(
                booking_id=obj.pk,
                name=obj.client_name,
                email=obj.client_email,
                phone=obj.client_phone,
                changed_by=request.user,
                reason=form.cleaned_data.get("change_reason", ""),
            )


@admin.register(HealthDataAccess)
class HealthDataAccessAdmin(RecordAdmin):
    """Who read whose health data, and when: search by the client's email to see every look
    at one client's answers and notes. Nobody adds, changes or deletes a row here."""

    list_display = ["at", "client_email", "accessed_by", "via", "booking"]
    list_filter = ["via", "accessed_by"]
    list_select_related = ["accessed_by", "booking"]
    search_fields = ["client_email"]
    date_hierarchy = "at"


@admin.register(HealthConsent)
class HealthConsentAdmin(HeldRowsHiddenMixin, RecordAdmin):
    """Each consent to keep a client's health answers, with the words shown, and its
    withdrawal: search by the client's email. Written by the booking and My data pages only."""

    list_display = ["given_at", "booking", "given_how", "wording_version", "withdrawn_at", "withdrawn_how"]
    list_filter = ["wording_version", "given_how"]
    list_select_related = ["booking"]
    search_fields = ["booking__client_email"]
    date_hierarchy = "given_at"


@admin.register(MarketingConsent)
class MarketingConsentAdmin(RecordAdmin):
    """Consent to "book again" emails, with the words shown; withdrawn by the unsubscribe link."""

    list_display = ["given_at", "email", "given_how", "wording_version", "withdrawn_at", "withdrawn_how"]
    search_fields = ["email"]
    date_hierarchy = "given_at"


class GuestErasureForm(forms.Form):
    email = forms.EmailField(label="The guest's email address", help_text="The address they booked with.")
    identity_checked = forms.BooleanField(
        label="I have checked that the person asking is the person who booked with this address.",
        error_messages={"required": "Check who is asking first: erasure cannot be undone."},
    )


@admin.register(ErasureRequest)
class ErasureRequestAdmin(RecordAdmin):
    """Clients' erasure requests: the date each must be answered by, and what was kept and why.
    The service does the work when the client asks (or, for a guest without an account, when
    an admin runs it for them here); nothing is edited."""

    list_display = [
        "requested_at",
        "respond_by",
        "status",
        "user",
        "guest_email",
        "run_by",
        "erased_bookings",
        "held_bookings",
        "hold_until",
    ]
    list_filter = ["status"]
    list_select_related = ["user", "run_by"]
    readonly_fields = [f.name for f in ErasureRequest._meta.fields] + ["bookings_held"]
    change_list_template = "admin/bookings/erasurerequest/change_list.html"

    def get_urls(self):
        own = [
            path(
                "erase-guest/",
                self.admin_site.admin_view(self.erase_guest_view),
                name="bookings_erasurerequest_erase_guest",
            )
        ]
        return own + super().get_urls()

    def erase_guest_view(self, request):
        """A guest without an account asks the clinic to erase their data: the admin checks
        who they are, then runs the same erasure as My data does (POST only)."""
        if not request.user.has_perm("bookings.erase_guest_data"):
            raise PermissionDenied
        form = GuestErasureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                erasure = my_data.guest_data_erase(email=form.cleaned_data["email"], run_by=request.user)
            except my_data.ErasureRefused as refused:
                form.add_error("email", refused.message)
            else:
                messages.success(
                    request,
                    f"Erased: {erasure.erased_bookings} booking(s) now; {erasure.kept or 'nothing held.'}",
                )
                return redirect("admin:bookings_erasurerequest_change", erasure.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Erase a guest's data",
            "form": form,
        }
        return TemplateResponse(request, "admin/bookings/erasurerequest/erase_guest.html", context)


@admin.register(BookingRules)
class BookingRulesAdmin(FreeTimesAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "buffer_minutes", "min_notice_minutes", "horizon_days", "slot_step_minutes"]

    def has_add_permission(self, request):
        # One row only; BookingRules.load() creates it with the defaults.
        return not BookingRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# Rooms live in the clinic app, but changing one must look at its bookings, so their admin
# lives here. The admin saves a change form inside one transaction and runs the forms' clean()
# inside it, so the checks below lock the room (bookings.services.rooms) and hold the lock
# until the change is saved: a booking cannot slip into the room in between.


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "active", "display_order", "session_types", "turnover_minutes"]
        widgets = {"session_types": forms.CheckboxSelectMultiple}

    def clean(self):
        data = super().clean()
        if self.instance.pk and not self.errors:
            try:
                room_services.room_settings_check(
                    room_id=self.instance.pk,
                    active=data.get("active", False),
                    session_type_ids=[session_type.pk for session_type in data.get("session_types", [])],
                    now=timezone.now(),
                )
            except room_services.RoomInUse as refused:
                raise ValidationError(refused.message) from refused
        return data


class RoomClosureForm(forms.ModelForm):
    class Meta:
        model = RoomClosure
        fields = ["start", "end", "note"]

    def clean(self):
        data = super().clean()
        room_id = self.instance.room_id
        if room_id and self.has_changed() and data.get("start") and data.get("end") and not data.get("DELETE"):
            try:
                room_services.room_closure_check(room_id=room_id, start=data["start"], end=data["end"])
            except room_services.RoomClosureClashesWithBookings as refused:
                raise ValidationError(refused.message) from refused
        return data


class RoomHoursInline(admin.TabularInline):
    model = RoomHours
    extra = 0


class RoomClosureInline(admin.TabularInline):
    model = RoomClosure
    form = RoomClosureForm
    extra = 0


@admin.register(Room)
class RoomAdmin(FreeTimesAdminMixin, admin.ModelAdmin):
    """Treatment rooms: what each suits, its turnover, its opening hours (none: the therapists'
    hours decide) and its time off. A room with bookings still to come cannot be taken out of
    use, stop suiting their session, or close over them: the page lists those bookings."""

    form = RoomForm
    list_display = ["name", "display_order", "active", "turnover_minutes"]
    list_filter = ["active"]
    inlines = [RoomHoursInline, RoomClosureInline]

    def has_delete_permission(self, request, obj=None):
        # A room is taken out of use, never deleted: bookings point at it.
        return False
