"""Data the slot and diary benches share: a database emptied for the bench, and therapists
who can be booked, working 08:00-20:00 every day. Import after django.setup()."""

import datetime as dt


def fresh_database() -> None:
    """Migrated and emptied, with the clinic's details row the flush removed put back."""
    from django.core.management import call_command

    from clinic.models import Clinic, clinic_placeholder_details

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    Clinic.objects.get_or_create(pk=1, defaults=clinic_placeholder_details())


def working_therapists(count: int, session_type, today: dt.date) -> list:
    """``count`` verified therapists ("Therapist 000"...) offering ``session_type``, checked for a
    year from ``today``, working 08:00-20:00 every day."""
    from django.contrib.auth import get_user_model

    from therapists.models import Therapist, WorkingHours

    therapists = []
    for n in range(count):
        user = get_user_model().objects.create(username=f"t{n}", email=f"t{n}@example.com")
        therapist = Therapist.objects.create(
            user=user,
            display_name=f"Therapist {n:03d}",
            registration_status=Therapist.RegistrationStatus.VERIFIED,
            registration_expires_on=today + dt.timedelta(days=365),
        )
        therapist.session_types.add(session_type)
        WorkingHours.objects.bulk_create(
            WorkingHours(therapist=therapist, weekday=day, start_time=dt.time(8), end_time=dt.time(20))
            for day in range(7)
        )
        therapists.append(therapist)
    return therapists
