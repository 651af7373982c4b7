"""The admin side of records held after an erasure request (bookings.privacy.held): the booking
list leaves them out unless asked for with its "Held after erasure" filter, and then masks the
client's name; no search finds them; a held booking's page is read-only and opens only with
the health permission and a recorded reason, like the staff booking page. Other lists keyed
by booking (emails, health consents) leave the held ones out."""

from django.contrib import admin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from bookings.models import HEALTH_DATA_PERMISSION, HealthDataAccess
from bookings.privacy.health_access import health_data_access_record
from bookings.privacy.held import held_is_open, held_may_open


class HeldFilter(admin.SimpleListFilter):
    title = "held after erasure"
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return [("yes", "Held after erasure")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(restricted_until__isnull=False)
        return queryset.not_restricted()


class HeldBookingsAdminMixin:
    """For BookingAdmin: see the module's docstring. Also logs every look at a booking's
    health answers on its change page."""

    def get_list_filter(self, request):
        return [HeldFilter, *super().get_list_filter(request)]

    @admin.display(description="Client", ordering="client_name")
    def client_or_held(self, booking) -> str:
        if booking.restricted_until:
            return f"Held after erasure until {booking.restricted_until:%-d %b %Y}"
        return booking.client_name

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            queryset = queryset.not_restricted()
        return queryset, may_have_duplicates

    def has_change_permission(self, request, obj=None):
        # Restricted processing: a held record is kept as it is.
        return (obj is None or not obj.is_restricted) and super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        booking = self.get_object(request, object_id)
        if booking is not None and booking.is_restricted:
            if not held_may_open(request.user):
                raise Http404
            if not held_is_open(booking=booking, session=request.session, now=timezone.now()):
                return redirect(f"{reverse('held_booking_open', args=[booking.pk])}?next=admin")
        response = super().change_view(request, object_id, form_url, extra_context)
        if booking is not None and response.status_code == 200 and request.user.has_perm(HEALTH_DATA_PERMISSION):
            health_data_access_record(user=request.user, booking=booking, via=HealthDataAccess.Via.ADMIN)
        return response


class HeldRowsHiddenMixin:
    """For an admin of rows that belong to a booking: those of held bookings are left out."""

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(booking__restricted_until__isnull=False)
