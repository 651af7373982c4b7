"""Who may read health data, and the record of every look at it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from bookings.models import HEALTH_DATA_PERMISSION, Booking, HealthDataAccess


def health_data_access_record(*, user, booking: Booking, via: str) -> HealthDataAccess:
    """Records that ``user`` was shown ``booking``'s health answers or notes. Call it from
    every page that shows them, after the access check passed."""
    return HealthDataAccess.objects.create(
        accessed_by=user, booking=booking, client_email=booking.client_email, via=via
    )


def health_data_readers() -> QuerySet:
    """Active accounts holding bookings.view_health_data, directly, through a group, or as
    superusers: the staff who may be told about a booking's health review."""
    app_label, codename = HEALTH_DATA_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission))
        .distinct()
    )
