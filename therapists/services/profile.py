"""A therapist's public profile: what clients see before they book."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clinic.errors import ServiceError
from clinic.free_times import free_times_changed
from clinic.models import SessionType
from clinic.problems import Problem

from ..models import Therapist
from .text import clean_choices, clean_text


class NotATherapist(ServiceError):
    """The account is not one the clinic has made a therapist; the page says how to join."""

    def __init__(self):
        super().__init__("Only therapists the clinic has added have a therapist profile.")


def therapist_invite(*, user, display_name: str = "") -> Therapist:
    """Makes ``user`` a therapist: the explicit step an admin takes for someone joining the
    clinic. The profile starts awaiting a CNHC check and is not bookable until an admin
    verifies it. The account keeps its own bookings as a client. Inviting twice is harmless."""
    display_name = display_name or user.get_full_name() or user.email.split("@")[0]
    therapist, _ = Therapist.objects.get_or_create(user=user, defaults={"display_name": display_name[:100]})
    return therapist


def therapist_profile_save(
    *,
    user,
    display_name: str,
    bio: str,
    specialities: Iterable[str],
    session_type_ids: Iterable[int],
    photo: UploadedFile | None = None,
    remove_photo: bool = False,
) -> Therapist:
    """Updates the profile of the therapist whose account is ``user``.

    Only an admin makes an account a therapist (``therapist_invite``): saving this form never
    does. A replaced or removed photo is deleted from storage.
    Raises NotATherapist for an account the clinic has not made a therapist, and
    ValidationError (by field) for an empty or over-long name, an over-long bio, an unknown
    speciality or an inactive session type. ``photo`` must already have passed
    ``uploads.validate_photo``.
    """
    display_name = clean_text(display_name, field="display_name", label="display name", max_length=100, required=True)
    bio = clean_text(bio, field="bio", label="bio", max_length=2000, required=False)
    specialities = clean_choices(specialities, allowed=Problem.values, field="specialities")
    session_type_ids = {int(pk) for pk in session_type_ids}
    session_types = list(SessionType.objects.filter(active=True, pk__in=session_type_ids))
    if len(session_types) != len(session_type_ids):
        raise ValidationError({"session_types": "Choose from the sessions the clinic offers."})

    with transaction.atomic():
        therapist = Therapist.objects.select_for_update().filter(user=user).first()
        if therapist is None:
            raise NotATherapist()
        therapist.display_name = display_name
        therapist.bio = bio
        therapist.specialities = specialities
        old_photo = therapist.photo.name
        if photo is not None:
            therapist.photo = photo
        elif remove_photo:
            therapist.photo = ""
        therapist.save()
        therapist.session_types.set(session_types)
        free_times_changed(therapist_id=therapist.pk)
        if old_photo and old_photo != therapist.photo.name:
            # A photo of a person is personal data: once replaced or removed it is deleted,
            # after the commit so a rolled-back save still has its photo.
            storage = therapist.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
    return therapist
