"""Who counts as staff: therapists and the clinic's admins. Both read clients' health data,
so both must sign in with a second factor and are signed out when idle."""

import dataclasses

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from .models import Therapist


def is_staff_member(user, *, is_therapist: bool | None = None) -> bool:
    """Whether ``user`` counts as staff: one of the clinic's admins (Django's is_staff) or a
    therapist. Never someone signed out. One query for a signed-in non-admin, none when the
    caller already read ``is_therapist`` (staff_standing reads it with the second factor)."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if is_therapist is None:
        is_therapist = Therapist.objects.filter(user=user).exists()
    return is_therapist


@dataclasses.dataclass(frozen=True)
class StaffStanding:
    is_staff_member: bool
    has_second_factor: bool


def staff_standing(user) -> StaffStanding:
    """Whether ``user`` is staff and has an authenticator app set up, in one query."""
    if not user.is_authenticated:
        return StaffStanding(is_staff_member=False, has_second_factor=False)
    is_therapist, has_totp = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            is_therapist=Exists(Therapist.objects.filter(user=OuterRef("pk"))),
            has_totp=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)),
        )
        .values_list("is_therapist", "has_totp")
        .get()
    )
    return StaffStanding(is_staff_member=is_staff_member(user, is_therapist=is_therapist), has_second_factor=has_totp)
