"""Loads demo data for `make run`. Safe to run again: existing rows are left as they are."""

import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings.diary.services import working_hours_set
from bookings.models import PaymentPolicy, Take
from bookings.slots.availability import WeeklyHours
from clinic.models import Room, SessionType
from therapists.models import Therapist
from therapists.services import registration

DEMO_PASSWORD = "clinic-demo-2026"

SESSION_TYPES = [
    (
        SessionType.Kind.SPORTS,
        "Sports massage",
        60,
        Decimal("55.00"),
        "Targeted work on tight, overloaded muscles after training or a race. Firm and "
        "focused: it can feel uncomfortable in places, and you choose how much.",
    ),
    (
        SessionType.Kind.DEEP_TISSUE,
        "Deep tissue massage",
        60,
        Decimal("60.00"),
        "Slow, deep pressure for tension that has hung around for weeks and for knotted "
        "spots. Your therapist checks in often so the pressure stays right for you.",
    ),
    (
        SessionType.Kind.RELAXATION,
        "Relaxation massage",
        45,
        Decimal("45.00"),
        "Gentle, calming massage for stress and poor sleep, to help your body settle and recover.",
    ),
]

THERAPISTS = [
    ("asha", "Asha Patel", "Former club runner; works with calf, Achilles and heel problems.", "CNHC-DEMO-1001"),
    ("ben", "Ben Okafor", "Sports massage for footballers and lifters; hips and hamstrings.", "CNHC-DEMO-1002"),
    ("chloe", "Chloe Davies", "Deep tissue and relaxation massage; desk-bound backs and necks.", "CNHC-DEMO-1003"),
]


ROOMS = [
    ("Room 1", [SessionType.Kind.SPORTS, SessionType.Kind.DEEP_TISSUE, SessionType.Kind.RELAXATION]),
    ("Quiet room", [SessionType.Kind.DEEP_TISSUE, SessionType.Kind.RELAXATION]),
]


class Command(BaseCommand):
    help = "Create demo session types, therapists, an admin and a client (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()

        def user(username: str, **fields):
            account, created = User.objects.get_or_create(username=username, defaults=fields)
            if created:
                account.set_password(DEMO_PASSWORD)
                account.save()
            # Logging in needs a verified address; the demo's are taken as verified.
            EmailAddress.objects.get_or_create(
                user=account, email=account.email, defaults={"verified": True, "primary": True}
            )
            return account

        admin = user("admin", email="admin@clinic.example", is_staff=True, is_superuser=True)
        user("dana", email="dana@example.com", first_name="Dana", last_name="Reid")
        therapists = []
        for username, name, bio, number in THERAPISTS:
            first, last = name.split()
            account = user(username, email=f"{username}@clinic.example", first_name=first, last_name=last)
            therapist, _ = Therapist.objects.get_or_create(user=account, defaults={"display_name": name, "bio": bio})
            therapists.append(therapist)
            if therapist.registration_submitted_at is None:
                # Demo therapists go through the same check as real ones, decided by the demo
                # admin, so the demo shows a real history; real checks are done by a person
                # looking the therapist up on the CNHC register.
                renews_on = timezone.localdate() + datetime.timedelta(days=300)
                registration.registration_submit(
                    therapist_id=therapist.pk,
                    submitted_by=account,
                    cnhc_number=number,
                    disciplines=[Therapist.Discipline.SPORTS_MASSAGE],
                    cnhc_renews_on=renews_on,
                    other_registers="",
                )
                # A check never holds past the therapist's own renewal date.
                registration.registration_approve(
                    therapist_id=therapist.pk,
                    decided_by=admin,
                    seen_on_register="Demo data: no real register entry was looked up.",
                    expires_on=renews_on,
                )
            if not therapist.working_hours.exists():
                # Weekdays with a lunch break, so the demo diary and free times have something to show.
                working_hours_set(
                    therapist=therapist,
                    stretches=[
                        WeeklyHours(day, datetime.time(start), datetime.time(end))
                        for day in range(5)
                        for start, end in ((9, 13), (14, 18))
                    ],
                )
        for kind, name, minutes, price, description in SESSION_TYPES:
            SessionType.objects.get_or_create(
                name=name,
                defaults={"kind": kind, "duration_minutes": minutes, "price": price, "description": description},
            )
        _payment_policies()
        for therapist in therapists:
            # Clients can book a therapist only for the sessions they offer: the demo ones offer all.
            if not therapist.session_types.exists():
                therapist.session_types.set(SessionType.objects.filter(active=True))
        # Fewer rooms than therapists, and one that suits the quieter sessions only, so the
        # demo shows a time offered only while a suitable room is free.
        for order, (name, kinds) in enumerate(ROOMS):
            room, made = Room.objects.get_or_create(
                name=name, defaults={"display_order": order, "turnover_minutes": 10}
            )
            if made:
                room.session_types.set(SessionType.objects.filter(kind__in=kinds))

        self.stdout.write(
            f"Demo logins by email (password for all: {DEMO_PASSWORD}):\n"
            "  admin@clinic.example - clinic admin, http://127.0.0.1:8000/admin/\n"
            "  asha@, ben@, chloe@clinic.example - therapists\n"
            "  dana@example.com - client\n"
            "Staff set up an authenticator app (any TOTP app) at their first login."
        )


def _payment_policies() -> None:
    """Deep tissue takes a 20% deposit through the local Stripe (test card 4242 4242 4242 4242),
    with fees for cancelling late and not coming; the other sessions are paid at the clinic."""
    PaymentPolicy.objects.get_or_create(
        session_type=SessionType.objects.get(name="Deep tissue massage"),
        defaults={
            "take": Take.DEPOSIT,
            "deposit_percent": 20,
            "late_cancel_fee_percent": 50,
            "no_show_fee_percent": 100,
        },
    )
