from django.conf import settings
from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from .models import Clinic
from .selectors import clinic_get


def _clinic_or_name_only() -> Clinic:
    try:
        return clinic_get()
    except DatabaseError:
        # The pages that need no database (log in, the static ones) still render while it is
        # down, with the name alone: better no phone number than a made-up one.
        return Clinic(name=settings.CLINIC_NAME)


def clinic(request) -> dict:
    """The clinic's details for every template, fetched (from the cache) only if one uses them."""
    return {"clinic": SimpleLazyObject(_clinic_or_name_only)}
