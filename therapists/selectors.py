"""Reads that feed the therapist and registration pages."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from clinic.models import SessionType

from .models import RegistrationEvent, Therapist

VERIFY_PERMISSION = "therapists.verify_registration"


def can_verify(user) -> bool:
    """Staff holding therapists.verify_registration (superusers hold every permission)."""
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm(VERIFY_PERMISSION)


def _public(therapists: QuerySet[Therapist]) -> QuerySet[Therapist]:
    """What clients see of a therapist: the sessions they offer and when the clinic last
    checked their CNHC entry (``checked_at``, the latest approval), in two queries however many."""
    last_approval = (
        RegistrationEvent.objects.filter(therapist=OuterRef("pk"), kind=RegistrationEvent.Kind.APPROVED)
        .order_by("-at")
        .values("at")[:1]
    )
    return therapists.annotate(checked_at=Subquery(last_approval)).prefetch_related(
        Prefetch("session_types", queryset=SessionType.objects.filter(active=True))
    )


def therapist_list_bookable(*, on: datetime.date) -> QuerySet[Therapist]:
    """The therapists clients may book on that London date, with what they offer (2 queries)."""
    return _public(Therapist.objects.bookable(on=on))


def therapist_get_bookable(*, therapist_id: int, on: datetime.date) -> Therapist | None:
    """One therapist clients may book on that London date, as the list shows them; None for
    anyone else (awaiting a check, lapsed, suspended), whom no page shows."""
    return _public(Therapist.objects.bookable(on=on)).filter(pk=therapist_id).first()


def registration_queue() -> QuerySet[Therapist]:
    """Registrations awaiting a check, oldest submission first."""
    return (
        Therapist.objects.filter(
            registration_status=Therapist.RegistrationStatus.AWAITING_CHECK, registration_submitted_at__isnull=False
        )
        .select_related("user")
        .order_by("registration_submitted_at", "pk")
    )


def registration_list_all() -> QuerySet[Therapist]:
    """Every therapist with their registration state, for admins."""
    return Therapist.objects.select_related("user").order_by("display_name", "pk")


def registration_history(*, therapist: Therapist) -> QuerySet[RegistrationEvent]:
    return therapist.registration_events.select_related("actor").order_by("-at", "-pk")


def therapist_for_user(*, user) -> Therapist | None:
    return Therapist.objects.filter(user_id=user.pk).first() if user.is_authenticated else None


def therapist_get_for_file(*, therapist_id: int, user, field: str, public_on: datetime.date | None) -> Therapist | None:
    """The therapist whose ``field`` file ``user`` may read: their own, any for a verifier, or
    (when ``public_on`` is given) a bookable therapist's. None otherwise, for no file and for
    a file they may not read alike, so the page (a 404) never tells whether it exists."""
    therapist = Therapist.objects.filter(pk=therapist_id).first()
    if therapist is None or not getattr(therapist, field):
        return None
    allowed = (
        (user.is_authenticated and therapist.user_id == user.pk)
        or can_verify(user)
        or (public_on is not None and Therapist.objects.bookable(on=public_on).filter(pk=therapist.pk).exists())
    )
    return therapist if allowed else None


def registration_verifier_emails() -> list[str]:
    """Addresses of active staff who may decide on registrations (superusers included)."""
    permission = Permission.objects.filter(content_type__app_label="therapists", codename="verify_registration")
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission))
        .exclude(email="")
        .distinct()
    )
    return sorted(set(users.values_list("email", flat=True)))
