from django import forms
from django.contrib import admin

from .free_times import FreeTimesAdminMixin
from .models import Clinic, SessionType
from .selectors import clinic_forget
from .uploads import validate_logo


class SessionTypeRowForm(forms.ModelForm):
    """One row of the session list, edited in place. The admin draws its inputs without labels
    (the column heading is not one): each gets a name a screen reader says, the session's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.instance.name
        self.fields["display_order"].widget.attrs["aria-label"] = f"Order of {name}"
        self.fields["active"].widget.attrs["aria-label"] = f"{name} is active"


@admin.register(SessionType)
class SessionTypeAdmin(FreeTimesAdminMixin, admin.ModelAdmin):
    list_display = ["name", "display_order", "kind", "duration_minutes", "price", "active", "needs_room"]
    list_filter = ["kind", "active", "needs_room"]
    list_editable = ["display_order", "active"]

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=SessionTypeRowForm, **kwargs)


class ClinicForm(forms.ModelForm):
    map_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Map link",
        help_text="A link to the clinic on a map, e.g. OpenStreetMap.",
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "logo",
            "street_address",
            "town",
            "postcode",
            "map_url",
            "phone",
            "email",
            "opening_hours",
            "cancellation_policy",
        ]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        # A new upload is an UploadedFile with a content_type; the stored file is left alone.
        if logo and hasattr(logo, "content_type"):
            return validate_logo(logo)
        return logo


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    """One row, made by a migration: it can be changed, never added twice or deleted."""

    form = ClinicForm
    fieldsets = [
        (None, {"fields": ["name", "logo"]}),
        ("Where", {"fields": ["street_address", "town", "postcode", "map_url"]}),
        ("How to reach us", {"fields": ["phone", "email", "opening_hours"]}),
        ("Policies", {"fields": ["cancellation_policy"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.pk = Clinic.SINGLETON_PK
        super().save_model(request, obj, form, change)
        clinic_forget()


class RecordAdmin(admin.ModelAdmin):
    """For records the app writes and nobody edits (audit trails, logs, requests): readable in
    the admin, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
