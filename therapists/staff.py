"""Who counts as staff, and who must sign in with a second factor.

Staff are therapists and the clinic's admins. The second factor and the idle timeout reach
further: one rule covers everyone who can read clients' health data, check registrations,
erase data, see the whole clinic's diary or open the admin, whether through is_staff, being a
therapist, or holding one of SENSITIVE_PERMISSIONS (directly or through a group; superusers
hold them all). A password alone never reaches any of those.
"""

import dataclasses
import functools
import operator

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q

from .models import Therapist
from .selectors import VERIFY_PERMISSION

# Every permission that opens clients' records or decides who may. A new permission is
# classified here or in tests/clinic/test_staff_security.py's NOT_SENSITIVE (the test walks
# every permission in the database), so none slips through with a password alone.
SENSITIVE_PERMISSIONS = (
    "bookings.view_health_data",  # health answers, session notes, the client's record
    VERIFY_PERMISSION,  # decides who may treat clients
    "bookings.erase_guest_data",  # acts on a guest's data
    "bookings.view_clinic_diary",  # every client's name, session and room
    "bookings.view_reports",  # the clinic's figures, every therapist's
    "bookings.change_charge",  # charges or waives fees on any client's saved card
)


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
    # Staff, superusers and holders of a sensitive permission: an authenticator and the idle
    # timeout before any page.
    needs_second_factor: bool
    has_second_factor: bool


def _sensitive(prefix: str = "") -> Q:
    pairs = (name.split(".", 1) for name in SENSITIVE_PERMISSIONS)
    return functools.reduce(
        operator.or_,
        (Q(**{f"{prefix}content_type__app_label": app, f"{prefix}codename": codename}) for app, codename in pairs),
    )


def staff_standing(user) -> StaffStanding:
    """Whether ``user`` is staff, needs a second factor and has an authenticator app set up,
    all in one query (the permissions held directly and through groups are read inside it)."""
    if not user.is_authenticated:
        return StaffStanding(is_staff_member=False, needs_second_factor=False, has_second_factor=False)
    user_model = get_user_model()
    direct = user_model.user_permissions.through.objects.filter(user_id=OuterRef("pk")).filter(
        _sensitive("permission__")
    )
    grouped = Permission.objects.filter(_sensitive(), group__user=OuterRef("pk"))
    is_therapist, has_totp, holds_sensitive = (
        user_model.objects.filter(pk=user.pk)
        .annotate(
            is_therapist=Exists(Therapist.objects.filter(user=OuterRef("pk"))),
            has_totp=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)),
            holds_sensitive=Exists(direct) | Exists(grouped),
        )
        .values_list("is_therapist", "has_totp", "holds_sensitive")
        .get()
    )
    staff = is_staff_member(user, is_therapist=is_therapist)
    return StaffStanding(
        is_staff_member=staff,
        needs_second_factor=staff or user.is_superuser or holds_sensitive,
        has_second_factor=has_totp,
    )
