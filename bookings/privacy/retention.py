"""Retention: what the clinic keeps, and for how long, applied by a daily task (beat).

Clinical records held after an erasure request are erased when their retention period ends.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from bookings.models import ErasureRequest
from bookings.privacy.my_data import booking_personal_data_erase


def erase_expired_records(*, today: datetime.date, now: datetime.datetime | None = None) -> int:
    """Erases the held clinical records whose retention ended by ``today`` (London). Running
    it again the same day finds nothing more to do. Returns how many requests it completed."""
    now = now or timezone.now()
    completed = 0
    for request_id in ErasureRequest.objects.filter(
        status=ErasureRequest.Status.HOLDING, hold_until__lte=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            request = ErasureRequest.objects.select_for_update().get(pk=request_id)
            if request.status != ErasureRequest.Status.HOLDING:
                continue  # another run finished it
            for booking in request.bookings_held.all():
                booking_personal_data_erase(booking)
            request.status = ErasureRequest.Status.DONE
            request.completed_at = now
            request.kept += f" Erased on {today:%-d %B %Y}, when the retention period ended."
            request.save()
            completed += 1
    return completed
