"""Small factories for the people and things tests talk about, and the helpers more than one
test module needs (no test module imports another: tests/clinic/test_tests_stand_alone.py).

The named people themselves (alice, asha, victor...) and the clinic's ``rules`` are fixtures in
tests/conftest.py, built from these. ``make_booking`` writes a booking row as it is asked;
``book`` books through the real service, with its checks, rooms and emails.
"""

import datetime
import re
import threading
import uuid
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingRules, OutboundEmail, TreatmentConsent, WaitlistEntry, WaitlistOffer
from bookings.services.booking import ClientDetails, HealthAnswers, booking_create
from clinic.models import Room, RoomClosure, SessionType
from clinic.problems import Problem
from therapists.models import Therapist, TimeOff, WorkingHours
from therapists.services import registration

from .clock import NOW, at, days_from_now
from .outbox import send_due_emails

PASSWORD = "correct-horse-battery"
# The authenticator-app secret of every staff member the factories make (base32), so a
# browser test can type the code of the moment (tests/browser/helpers.py).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# The clinic's standard working week, which asha keeps: 09:00 to 17:00 on every day of the week.
STANDARD_HOURS = tuple((weekday, datetime.time(9), datetime.time(17)) for weekday in range(7))


def make_user(username: str, *, second_factor: bool | None = None, **fields):
    """An account whose email address is verified, so it can log in. Staff get an
    authenticator app (TOTP_SECRET) unless ``second_factor=False``."""
    fields.setdefault("email", f"{username}@example.com")
    fields.setdefault("first_name", username.capitalize())
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if second_factor or (second_factor is None and user.is_staff):
        give_second_factor(user)
    return user


def give_second_factor(user) -> None:
    TOTP.activate(user, TOTP_SECRET)


def make_therapist(username: str, *, second_factor: bool = True, **fields) -> Therapist:
    """A therapist offering every session the clinic sells (a test about "Sessions you offer"
    sets them itself), whichever of the two a test makes first."""
    user = make_user(username, second_factor=second_factor)
    fields.setdefault("display_name", f"{username.capitalize()} Therapist")
    therapist = Therapist.objects.create(user=user, **fields)
    therapist.session_types.set(SessionType.objects.all())
    return therapist


def make_session_type(name: str = "Sports massage", *, offered_by_all: bool = True, **fields) -> SessionType:
    """A session type, offered by every therapist made so far unless ``offered_by_all=False``."""
    fields.setdefault("kind", SessionType.Kind.SPORTS)
    fields.setdefault("duration_minutes", 60)
    fields.setdefault("price", Decimal("55.00"))
    fields.setdefault("description", f"About {name}.")
    session_type = SessionType.objects.create(name=name, **fields)
    if offered_by_all:
        session_type.therapists.set(Therapist.objects.all())
    return session_type


def make_booking(*, therapist, client=None, session_type=None, start=None, buffer_minutes=0, **fields):
    session_type = session_type or make_session_type()
    start = start or timezone.now() + datetime.timedelta(days=3)
    end = start + datetime.timedelta(minutes=session_type.duration_minutes)
    if client is not None:
        fields.setdefault("client_name", client.get_full_name() or client.get_username())
        fields.setdefault("client_email", client.email)
    fields.setdefault("client_name", "Guest Client")
    fields.setdefault("client_email", "guest@example.com")
    fields.setdefault("client_phone", "07700 900123")
    room = fields.get("room")
    if room is not None:
        fields.setdefault("room_until", end + datetime.timedelta(minutes=room.turnover_minutes))
    return Booking.objects.create(
        therapist=therapist,
        client=client,
        session_type=session_type,
        start=start,
        end=end,
        blocks_until=end + datetime.timedelta(minutes=buffer_minutes),
        **fields,
    )


def make_waitlist_entry(client, session_type, *, therapist=None, first_day=None, last_day=None, **fields):
    """``client`` waiting for ``session_type`` (with ``therapist``, or any) any time of day from
    today (NOW's day) to a fortnight on, joined at NOW."""
    today = timezone.localtime(NOW).date()
    fields.setdefault("confirmed_at", fields.get("joined_at", NOW))
    return WaitlistEntry.objects.create(
        client=client,
        session_type=session_type,
        therapist=therapist,
        first_day=first_day or today,
        last_day=last_day or today + datetime.timedelta(days=14),
        joined_at=fields.pop("joined_at", NOW),
        **fields,
    )


def make_waitlist_offer(hold: Booking, client, *, respond_by=None) -> WaitlistOffer:
    """An open offer of ``hold`` (a booking row, made HELD here) to ``client``."""
    Booking.objects.filter(pk=hold.pk).update(status=Booking.Status.HELD)
    entry = make_waitlist_entry(client, hold.session_type, therapist=hold.therapist)
    respond_by = respond_by or NOW + datetime.timedelta(minutes=30)
    return WaitlistOffer.objects.create(entry=entry, hold=hold, respond_by=respond_by, created_at=NOW)


def waitlist_email_extra(kind: str, booking: Booking, client) -> dict:
    """What a waitlist email about ``booking`` (made a hold) for ``client`` carries: the offer
    it names; for a place that ended, what the place was for; for a guest's confirmation, the
    place."""
    if kind == OutboundEmail.Kind.WAITLIST_CONFIRM:  # a guest's place, under the client's name
        day = timezone.localtime(booking.start).date()
        entry = WaitlistEntry.objects.create(
            guest_name=client.first_name,
            guest_email=client.email,
            session_type=booking.session_type,
            therapist=booking.therapist,
            first_day=day,
            last_day=day,
            joined_at=NOW,
        )
        return {"entry_id": entry.pk}
    if kind == OutboundEmail.Kind.WAITLIST_ENDED:
        day = timezone.localtime(booking.start).date()
        return {
            "client_name": client.first_name,
            "session": booking.session_type.name,
            "first_day": day.isoformat(),
            "last_day": day.isoformat(),
        }
    return {"offer_id": make_waitlist_offer(booking, client).pk}


def make_room(name: str, *, suits=(), **fields) -> Room:
    """A treatment room suiting the session types ``suits``, with no opening hours of its own."""
    fields.setdefault("turnover_minutes", 0)
    room = Room.objects.create(name=name, **fields)
    room.session_types.set(suits)
    return room


def make_bookable_therapist(username: str, **fields) -> Therapist:
    """A therapist whose CNHC check an admin has recorded, valid for a year from today.

    "Today" is whatever the clock says when the therapist is made: NOW under the ``clock``
    fixture, the real date in a browser test, so the check never lapses under a test.
    """
    fields.setdefault("registration_status", Therapist.RegistrationStatus.VERIFIED)
    fields.setdefault("registration_expires_on", timezone.localdate() + datetime.timedelta(days=365))
    return make_therapist(username, **fields)


def make_working_hours(therapist: Therapist, hours=STANDARD_HOURS, **fields) -> list[WorkingHours]:
    """Gives the therapist weekly ``hours``: (weekday, start, end) stretches, Monday being 0."""
    return [
        WorkingHours.objects.create(therapist=therapist, weekday=weekday, start_time=start, end_time=end, **fields)
        for weekday, start, end in hours
    ]


def grant_verify(user, *, staff: bool = True):
    """Gives ``user`` the verify permission, and by default makes them staff (both are needed)."""
    if staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="verify_registration"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


def grant_clinic_diary(user):
    """Lets ``user`` (reception, say) see the whole clinic's diary and move bookings between rooms."""
    user.user_permissions.add(Permission.objects.get(codename="view_clinic_diary"))
    return type(user).objects.get(pk=user.pk)


def submitted_therapist(username: str, *, number: str | None = None, renews_in_days: int = 400) -> Therapist:
    """A therapist who has sent registration details and is awaiting a check."""
    therapist = make_therapist(username)
    return registration.registration_submit(
        therapist_id=therapist.pk,
        submitted_by=therapist.user,
        cnhc_number=number or f"CN-{username}",
        disciplines=[Therapist.Discipline.SPORTS_MASSAGE],
        cnhc_renews_on=timezone.localdate() + datetime.timedelta(days=renews_in_days),
        other_registers="",
    )


def verified_therapist(username: str, *, by, expires_on: datetime.date | None = None) -> Therapist:
    """A therapist whose check ``by`` (a verifier) has approved, through the real workflow."""
    therapist = submitted_therapist(username)
    registration.registration_approve(
        therapist_id=therapist.pk,
        decided_by=by,
        seen_on_register="Listed: Sports Massage, Leeds, registered.",
        expires_on=expires_on or timezone.localdate() + datetime.timedelta(days=365),
    )
    therapist.refresh_from_db()
    return therapist


def manage_token(booking: Booking) -> str:
    """A manage link's token, as a booking email would carry it."""
    from bookings.messaging.tokens import link_issue
    from bookings.models import BookingLink

    return link_issue(booking=booking, purpose=BookingLink.Purpose.MANAGE)


def grant_permissions(user, *codenames: str):
    """Gives ``user`` the permissions named, and returns a fresh object (they are cached per instance)."""
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


# The health-data matrix (tests/conftest.py's ``people``): everyone it tries, and who may read.
EVERYONE = [
    "anonymous",
    "the client",
    "another client",
    "the therapist",
    "another therapist",
    "staff without the permission",
    "staff with the permission",
    "superuser",
]
MAY_READ = {"the therapist", "staff with the permission", "superuser"}


# The clinic's booking rules and booking through the service -----------------------------


def booking_rules(**overrides) -> BookingRules:
    """The clinic's booking rules with no buffer after a session, so a booking hides only the
    starts it overlaps; the rest are the clinic's defaults (15-minute steps, 2 hours' notice,
    60 days ahead) unless ``overrides`` say otherwise."""
    rules = BookingRules.load()
    for field, value in {"buffer_minutes": 0, **overrides}.items():
        setattr(rules, field, value)
    rules.save()
    return rules


DETAILS = ClientDetails(name="Alice Walker", email="alice@example.com", phone="07700 900123")
FINE = HealthAnswers(
    answered_yes=(), main_problem=Problem.SHIN_SPLINTS, preferred_pressure=5, notes="Left shin", consent=True
)


def book(session_type, therapist, start, *, answers=FINE, details=DETAILS, key=None, now=NOW, **kwargs) -> Booking:
    """Books through the real service, as the booking form does: Alice Walker, fit to be treated,
    at ``start`` with ``therapist`` (None: whoever is free), told the time is NOW."""
    return booking_create(
        session_type_id=session_type.pk,
        therapist_id=therapist.pk if therapist else None,
        start=start,
        details=details,
        answers=answers,
        idempotency_key=key or uuid.uuid4(),
        now=now,
        **kwargs,
    )


def crowd(name: str, therapists: int, rooms: int, bookings_each: int, session_type, *, day=None) -> None:
    """A busy ``day`` (default: next Tuesday, six days from NOW): therapists with hours and
    time off, rooms with time off, and bookings, the first therapists' in a room each."""
    day = day or days_from_now(6)
    made_rooms = [make_room(f"{name} room {n}", suits=[session_type]) for n in range(rooms)]
    for n in range(therapists):
        therapist = make_bookable_therapist(f"{name}{n}")
        make_working_hours(therapist)
        TimeOff.objects.create(therapist=therapist, start=at(day, "16:00"), end=at(day, "17:00"))
        for k in range(bookings_each):
            make_booking(
                therapist=therapist,
                session_type=session_type,
                start=at(day, "09:00") + datetime.timedelta(hours=k),
                room=made_rooms[n] if n < rooms else None,
            )
    for room in made_rooms:
        RoomClosure.objects.create(room=room, start=at(day, "18:00"), end=at(day, "19:00"))


# The booking form, as a client fills it in -----------------------------------------------


def details_url(session_type) -> str:
    """The booking form's page (the details steps) for ``session_type``."""
    return reverse("book_details", args=[session_type.pk])


def second_details_step(client, session_type, data: dict) -> str:
    """The page Continue opens after the health step: who is coming and their agreement, with
    ``data`` (form_data's, say) as the first step would have sent it."""
    response = client.post(details_url(session_type), {**data, "step": "continue"})
    assert response.status_code == 200, response.content.decode()
    page = response.content.decode()
    assert "Step 3 of 3" in page
    return page


def form_data(therapist, start, /, **overrides) -> dict:
    """What Gina Guest posts to the booking form to book ``therapist`` at ``start``: fit to be
    treated, consenting to the clinic keeping her answers (a returning client's history answered
    again, as if something had changed); ``overrides`` may change any field (``therapist`` and
    ``start`` too)."""
    data = {
        "therapist": str(therapist.pk),
        "start": start.isoformat(),
        "idempotency_key": str(uuid.uuid4()),
        "health_urgent": ["none"],
        "health_pain": ["none"],
        "health_history": ["none"],
        "history_changed": "yes",
        "adult": "yes",
        "main_problem": "shin_splints",
        "preferred_pressure": "5",
        "notes": "Left shin, half marathon in March",
        "name": "Gina Guest",
        "email": "gina@example.com",
        "phone": "07700 900456",
        "consent": "on",
    }
    data.update(overrides)
    return data


# Links in the emails ---------------------------------------------------------------------


def aftercare_path(message) -> str:
    """The aftercare page's path in an aftercare email (not the stop link's)."""
    [path] = re.findall(r"https?://[^/\s]+(/aftercare/(?!stop/)[\w-]+/)", message.body)
    return path


def check_in_path(booking) -> str:
    """Sends the aftercare due by three days from NOW and returns the check-in email's page."""
    send_due_emails(at(days_from_now(3), "12:00"))
    return aftercare_path(next(m for m in mail.outbox if m.subject.startswith("Two days on")))


# Pages -----------------------------------------------------------------------------------


def blocks(html: str) -> list[str]:
    """Each block of a diary page, its classes and words squashed onto one line."""
    found = re.findall(r'class="cd-block ([^"]+)"[^>]*>(.*?)</(?:a|div)>', html, re.S)
    return [f"{classes} | {' '.join(re.sub(r'<[^>]+>', ' ', text).split())}" for classes, text in found]


def consent_given(booking: Booking) -> Booking:
    """The booking's therapist confirmed the client's consent to treatment at its start, as they
    must before writing notes (bookings.records.consent)."""
    TreatmentConsent.objects.create(
        booking=booking,
        confirmed_at=booking.start,
        confirmed_by=booking.therapist.user,
        wording=TreatmentConsent.WORDING,
    )
    return booking


def at_once(*calls) -> list:
    """Runs each call in a thread of its own, all let go together, and returns what each
    returned or raised, in the calls' order: two clients pressing the same button. Each thread
    closes its own database connection (transactional tests only)."""
    start_line = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(n: int, call) -> None:
        start_line.wait()
        try:
            outcomes[n] = call()
        except Exception as error:  # returned, for the test to sort
            outcomes[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
