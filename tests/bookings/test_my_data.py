"""My data: a client sees and downloads everything held on them and only that, and asks
for erasure; clinical records are held for the retention period, then a daily task erases
them, once, on the right London date."""

import datetime as dt
import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from bookings.models import ErasureRequest, HealthDataAccess, HealthScreen, OutboundEmail, SessionNote
from bookings.privacy.my_data import ErasureRefused, client_data_erase
from bookings.privacy.retention import erase_expired_records
from bookings.tasks import erase_expired_records_daily
from clinic.london import LONDON

from ..clock import NOW
from ..factories import make_booking, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def alices_history(alice, asha, sports):
    """Alice: one attended session with notes (a clinical record) and one cancelled booking."""
    attended = make_booking(
        therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=30), status="attended"
    )
    HealthScreen.objects.create(
        booking=attended, main_problem="knee_pain", notes="Left knee, since May", consent_given_at=NOW
    )
    SessionNote.objects.create(
        booking=attended,
        areas_worked=["front-thigh-right"],
        areas_to_avoid=["front-knee-left"],
        pressure_used=6,
        problem="knee_pain",
    )
    cancelled = make_booking(
        therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=10), status="cancelled"
    )
    HealthScreen.objects.create(
        booking=cancelled, main_problem="knee_pain", notes="Still the knee", consent_given_at=NOW
    )
    OutboundEmail.objects.create(
        booking=cancelled, kind="booking_confirmation", to_email="alice@example.com", due_at=NOW
    )
    OutboundEmail.objects.create(booking=cancelled, kind="staff_booked", to_email="asha@example.com", due_at=NOW)
    HealthDataAccess.objects.create(
        accessed_by=asha.user, booking=attended, client_email="alice@example.com", via="booking_page"
    )
    return attended, cancelled


def test_the_download_holds_everything_on_the_client_and_only_hers(client, alice, asha, sports, alices_history):
    make_booking(therapist=asha, client=make_user("erin"), session_type=sports, start=NOW - dt.timedelta(days=5))
    client.force_login(alice)

    response = client.get(reverse("my_data_download"))

    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email_addresses"][0]["email"] == "alice@example.com"
    assert [b["status"] for b in data["bookings"]] == ["Cancelled", "Attended"]
    cancelled, attended = data["bookings"]
    assert attended["health_answers"]["notes"] == "Left knee, since May"
    assert attended["session_notes"]["pressure_used"] == 6
    assert attended["session_notes"]["areas_to_avoid"] == ["Knee, left"]
    assert attended["health_data_looked_at"][0]["via"].startswith("Booking page")
    assert [e["to"] for e in cancelled["emails_sent_to_you"]] == ["alice@example.com"]  # not the therapist's copy
    assert "erin" not in response.content.decode()


def test_the_page_shows_it_readably(client, alice, alices_history):
    client.force_login(alice)

    page = client.get(reverse("my_data")).content.decode()

    assert "Left knee, since May" in page
    assert "pressure 6/10" in page
    assert "areas worked: Thigh (quads), right; areas to avoid: Knee, left" in page


def test_a_client_cannot_reach_another_clients_data(client, alice, alices_history):
    client.force_login(make_user("erin"))

    for name in ("my_data", "my_data_download"):
        assert "Left knee" not in client.get(reverse(name)).content.decode()


def test_erasure_needs_a_post_and_a_login(client, alice, alices_history):
    assert client.post(reverse("my_data_erase")).status_code == 302  # to the login page
    client.force_login(alice)

    client.get(reverse("my_data_erase"))
    client.head(reverse("my_data_erase"))

    assert not ErasureRequest.objects.exists()
    assert get_user_model().objects.get(pk=alice.pk).is_active


def test_erasure_removes_at_once_what_no_duty_covers_and_holds_clinical_records(client, alice, alices_history):
    attended, cancelled = alices_history
    client.force_login(alice)

    page = client.post(reverse("my_data_erase"))

    assert "Your data is erased" in page.content.decode()
    cancelled.refresh_from_db()
    assert (cancelled.client_name, cancelled.client_phone, cancelled.client) == ("Erased client", "", None)
    assert not HealthScreen.objects.filter(booking=cancelled).exists()
    assert not OutboundEmail.objects.filter(to_email="alice@example.com").exists()
    attended.refresh_from_db()
    assert attended.client_email == "alice@example.com"
    assert SessionNote.objects.filter(booking=attended).exists()
    erasure = ErasureRequest.objects.get()
    last_session = (NOW - dt.timedelta(days=30)).date()
    assert erasure.hold_until == last_session.replace(year=last_session.year + 8)
    assert erasure.respond_by == dt.date(2030, 2, 16)
    assert "kept as clinical records" in erasure.kept
    user = get_user_model().objects.get(pk=alice.pk)
    assert (user.is_active, user.email, user.has_usable_password()) == (False, "", False)
    assert not EmailAddress.objects.filter(email="alice@example.com").exists()
    assert client.get(reverse("my_bookings")).status_code == 302  # logged out


def test_erasure_withdraws_marketing_consent_and_stops_the_links(alice, alices_history):
    from bookings.messaging.tokens import link_booking_id, link_issue
    from bookings.models import BookingLink, MarketingConsent
    from bookings.privacy.marketing import marketing_consent_give

    _, cancelled = alices_history
    marketing_consent_give(email="alice@example.com", how="booking form, ticked", now=NOW)
    token = link_issue(booking=cancelled, purpose=BookingLink.Purpose.STOP)

    client_data_erase(user=alice, now=NOW)

    assert MarketingConsent.objects.get().withdrawn_at == NOW
    assert link_booking_id(token=token, purpose=BookingLink.Purpose.STOP) is None


def test_erasure_with_nothing_held_is_done_at_once(alice):
    erasure = client_data_erase(user=alice, now=NOW)

    assert (erasure.status, erasure.hold_until, erasure.completed_at) == ("done", None, NOW)


def test_erasure_waits_for_upcoming_bookings_to_be_cancelled(client, alice, asha, sports):
    make_booking(therapist=asha, client=alice, session_type=sports, start=NOW + dt.timedelta(days=3))
    client.force_login(alice)

    response = client.post(reverse("my_data_erase"), follow=True)

    assert "You have 1 upcoming booking. Please cancel it from My bookings first" in response.content.decode()
    assert not ErasureRequest.objects.exists()
    assert get_user_model().objects.get(pk=alice.pk).is_active


def test_a_staff_account_is_not_erased_from_the_page(asha):
    with pytest.raises(ErasureRefused):
        client_data_erase(user=asha.user, now=NOW)


def test_the_daily_task_erases_held_records_once_on_the_right_london_date(alice, alices_history):
    attended, _ = alices_history
    erasure = client_data_erase(user=alice, now=NOW)

    assert erase_expired_records(today=erasure.hold_until - dt.timedelta(days=1)) == 0
    attended.refresh_from_db()
    assert attended.client_email == "alice@example.com"

    assert erase_expired_records(today=erasure.hold_until) == 1
    assert erase_expired_records(today=erasure.hold_until) == 0  # a second run finds nothing

    attended.refresh_from_db()
    assert attended.client_name == "Erased client"
    assert not SessionNote.objects.filter(booking=attended).exists()
    assert not HealthDataAccess.objects.filter(client_email="alice@example.com").exists()
    erasure.refresh_from_db()
    assert erasure.status == "done" and "Erased on" in erasure.kept


def test_the_beat_task_erases_on_the_hold_date_in_london(alice, alices_history, time_machine):
    attended, _ = alices_history
    hold = client_data_erase(user=alice, now=NOW).hold_until
    midnight_in_london = dt.datetime.combine(hold, dt.time(0), tzinfo=LONDON)

    time_machine.move_to(midnight_in_london - dt.timedelta(minutes=1))
    assert erase_expired_records_daily()["erasure_requests_completed"] == 0
    time_machine.move_to(midnight_in_london + dt.timedelta(minutes=1))
    assert erase_expired_records_daily()["erasure_requests_completed"] == 1
    assert erase_expired_records_daily()["erasure_requests_completed"] == 0

    attended.refresh_from_db()
    assert attended.client_name == "Erased client"


def test_admins_see_requests_with_their_deadline_and_what_was_kept(admin_client, alice, alices_history):
    client_data_erase(user=alice, now=NOW)

    page = admin_client.get(reverse("admin:bookings_erasurerequest_changelist")).content.decode()

    assert "Feb. 16, 2030" in page or "16 Feb 2030" in page or "16 February 2030" in page
    detail = admin_client.get(
        reverse("admin:bookings_erasurerequest_change", args=[ErasureRequest.objects.get().pk])
    ).content.decode()
    assert "kept as clinical records" in detail
