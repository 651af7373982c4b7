"""Guests on the waitlist: a place counts once its address is confirmed by the emailed link
(a GET changes nothing); a confirmed guest's offer opens to its link alone and books as a
guest; reception adds a phone caller the same way; a place never confirmed ends quietly; and a
guest's erasure takes their places and the emails about them."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from bookings.models import Booking, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.privacy.my_data import guest_data_erase
from bookings.privacy.retention import retention_apply
from bookings.services.booking_changes import booking_cancel
from bookings.waitlist import offers
from clinic.london import LONDON

from ..clock import NOW, at, days_from_now
from ..factories import book, form_data, make_user, make_waitlist_entry
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TEN = at(days_from_now(6), "10:00")
LATER = NOW + datetime.timedelta(minutes=3)
TODAY = NOW.astimezone(LONDON).date()


def join_as_guest(client, sports, **overrides) -> object:
    return client.post(
        reverse("waitlist_join"),
        {
            "name": "Gina Guest",
            "email": "Gina@Example.com",
            "session_type": sports.pk,
            "therapist": "",
            "first_day": TODAY.isoformat(),
            "last_day": days_from_now(10).isoformat(),
            "windows": ["morning"],
            "notice_hours": 2,
            **overrides,
        },
    )


def link_in(message, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({path}\S+/)", message.body).group(1)


@pytest.fixture
def freed_ten(asha, sports):
    booking_cancel(booking_id=book(sports, asha, TEN).pk, now=NOW)


def test_a_guests_place_counts_once_the_emailed_link_confirms_it(client, sports, freed_ten, asha):
    assert join_as_guest(client, sports).status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.client, entry.guest_email, entry.confirmed_at) == (None, "Gina@Example.com", None)
    (confirm,) = [m for m in send_due_emails() if m.to == ["Gina@Example.com"]]  # at any hour
    assert offers.waitlist_run(now=LATER) == 0  # not confirmed: not offered

    place = link_in(confirm, "/waitlist/place/")
    assert "Confirm my place" in client.get(place).content.decode()
    client.head(place)
    entry.refresh_from_db()
    assert entry.confirmed_at is None  # looking changes nothing
    client.post(place, {"answer": "confirm"})
    entry.refresh_from_db()
    assert entry.confirmed_at is not None

    # The time freed at NOW was looked at once, before she confirmed; another is offered her.
    booking_cancel(booking_id=book(sports, asha, at(days_from_now(6), "11:00")).pk, now=NOW)
    assert offers.waitlist_run(now=LATER) == 1
    (offer_email,) = [m for m in send_due_emails(now=LATER) if m.to == ["Gina@Example.com"]]
    offer_page = link_in(offer_email, "/waitlist/offer/")
    assert "Take this time" in client.get(offer_page).content.decode()  # no login: the link is enough

    taken = client.post(offer_page, {**form_data(asha, TEN), "answer": "accept", "email": "Gina@Example.com"})
    assert taken.status_code == 302
    booked = Booking.objects.get(start=at(days_from_now(6), "11:00"), status=Booking.Status.CONFIRMED)
    assert booked.client is None and booked.client_email.lower() == "gina@example.com"


def test_a_guest_can_leave_from_the_link(client, sports):
    join_as_guest(client, sports)
    (confirm,) = send_due_emails()
    client.post(link_in(confirm, "/waitlist/place/"), {"answer": "leave"})
    assert WaitlistEntry.objects.get().ended_why == WaitlistEntry.Ended.LEFT
    assert client.get(link_in(confirm, "/waitlist/place/")).status_code == 404  # an ended place opens nothing


def test_a_guest_joining_gets_a_clear_message_for_a_missing_address_and_nothing_is_kept(client, sports):
    refused = join_as_guest(client, sports, email="")
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert not WaitlistEntry.objects.exists() and not OutboundEmail.objects.exists()


def test_reception_adds_a_phone_caller_who_confirms_like_any_guest(admin_client, sports):
    page = admin_client.get(reverse("waitlist_join")).content.decode()
    assert "Add a phone caller to the waitlist" in page
    assert join_as_guest(admin_client, sports).status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.added_by.is_superuser and entry.confirmed_at is None
    (confirm,) = send_due_emails()
    assert "As you asked on the phone" in confirm.body


def test_a_place_never_confirmed_ends_quietly(sports):
    WaitlistEntry.objects.create(
        guest_name="Gina",
        guest_email="gina@example.com",
        session_type=sports,
        first_day=TODAY,
        last_day=TODAY,
        joined_at=NOW,
    )
    offers.waitlist_run(now=NOW + datetime.timedelta(days=1))
    assert WaitlistEntry.objects.get().ended_why == WaitlistEntry.Ended.PASSED
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.WAITLIST_ENDED).exists()


def test_a_clients_offer_needs_them_signed_in_and_opens_to_nobody_else(client, alice, sports, freed_ten):
    make_waitlist_entry(alice, sports)
    offers.waitlist_run(now=LATER)
    (offer_email,) = [m for m in send_due_emails(now=LATER) if m.subject.startswith("A time has come up")]
    offer_page = link_in(offer_email, "/waitlist/offer/")
    assert client.get(offer_page).url.startswith(reverse("account_login"))
    client.force_login(make_user("mallory", email="mallory@example.com"))
    assert client.get(offer_page).status_code == 404


def test_a_guests_erasure_takes_their_places_and_the_emails_about_them(client, sports, freed_ten, admin_user):
    join_as_guest(client, sports)
    entry = WaitlistEntry.objects.get()
    entry.confirmed_at = NOW
    entry.save()
    offers.waitlist_run(now=LATER)
    hold = WaitlistOffer.objects.get().hold

    guest_data_erase(email="gina@example.com", run_by=admin_user, now=LATER)

    assert not WaitlistEntry.objects.exists() and not WaitlistOffer.objects.exists()
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CANCELLED
    assert not OutboundEmail.objects.filter(to_email__icontains="gina").exists()
    assert not [m for m in mail.outbox if "gina" in m.to[0].lower()]  # none were sent before


def test_a_guests_ended_place_loses_their_name_and_address_a_year_on(sports):
    ended = NOW - datetime.timedelta(days=366)
    WaitlistEntry.objects.create(
        guest_name="Gina Guest",
        guest_email="gina@example.com",
        session_type=sports,
        first_day=TODAY,
        last_day=TODAY,
        joined_at=ended,
        ended_at=ended,
        ended_why=WaitlistEntry.Ended.PASSED,
    )
    recent = WaitlistEntry.objects.create(
        guest_name="Hal Guest",
        guest_email="hal@example.com",
        session_type=sports,
        first_day=TODAY,
        last_day=TODAY,
        joined_at=NOW,
        ended_at=NOW,
        ended_why=WaitlistEntry.Ended.LEFT,
    )

    run = retention_apply(today=TODAY)

    assert run.guest_waitlist_places_anonymised == 1
    assert list(WaitlistEntry.objects.exclude(pk=recent.pk).values_list("guest_name", "guest_email")) == [
        ("", "erased@erased.invalid")
    ]
    assert retention_apply(today=TODAY).guest_waitlist_places_anonymised == 0  # once
