from django.db.models import QuerySet

from .models import SessionType


def session_type_list_active() -> QuerySet[SessionType]:
    """The session types a client can book, in menu order."""
    return SessionType.objects.filter(active=True)
