"""A guest who booked without an account asks the clinic to erase their data: an admin allowed
to checks who they are and runs the same erasure as My data, from the admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core import serializers
from django.urls import reverse

from bookings.models import Booking, ErasureRequest, HealthScreen, OutcomeScore, SessionNote
from bookings.privacy.my_data import ERASED_NAME
from bookings.privacy.retention import erase_expired_records

from ..clock import NOW
from ..factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

URL = reverse("admin:bookings_erasurerequest_erase_guest")
GINA = "gina@example.com"


@pytest.fixture
def ginas_history(asha, sports):
    """Gina, a guest: one attended session with notes, one cancelled booking."""
    attended = make_booking(
        therapist=asha, session_type=sports, start=NOW - dt.timedelta(days=30), status="attended", client_email=GINA
    )
    HealthScreen.objects.create(booking=attended, main_problem="knee_pain", notes="Left knee", consent_given_at=NOW)
    SessionNote.objects.create(
        booking=attended, areas_worked=["front-thigh-right"], pressure_used=6, problem="knee_pain"
    )
    cancelled = make_booking(
        therapist=asha, session_type=sports, start=NOW - dt.timedelta(days=10), status="cancelled", client_email=GINA
    )
    HealthScreen.objects.create(
        booking=cancelled, main_problem="knee_pain", notes="Still the knee", consent_given_at=NOW
    )
    return attended, cancelled


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def erase(client, email=GINA, checked=True):
    data = {"email": email, **({"identity_checked": "on"} if checked else {})}
    return client.post(URL, data, follow=True)


def test_an_admin_erases_a_guests_bookings_now_and_holds_the_clinical_record(as_admin, admin_user, ginas_history):
    attended, cancelled = ginas_history

    page = erase(as_admin).content.decode()

    assert "Erased: 1 booking(s) now; 1 attended session with notes, kept as clinical records" in page
    cancelled.refresh_from_db()
    assert (cancelled.client_name, cancelled.client_email) == (ERASED_NAME, f"erased-{cancelled.pk}@erased.invalid")
    assert not HealthScreen.objects.filter(booking=cancelled).exists()
    attended.refresh_from_db()
    assert attended.client_email == GINA and attended.session_note  # held, whole
    erasure = ErasureRequest.objects.get()
    assert (erasure.guest_email, erasure.run_by, erasure.user) == (GINA, admin_user, None)
    assert list(erasure.bookings_held.all()) == [attended]
    assert erasure.respond_by == dt.date(2030, 2, 16)


def test_the_held_record_is_erased_on_its_date_once(as_admin, ginas_history):
    attended, _ = ginas_history
    erase(as_admin)
    hold_until = ErasureRequest.objects.get().hold_until

    assert erase_expired_records(today=hold_until - dt.timedelta(days=1)) == 0
    assert erase_expired_records(today=hold_until) == 1
    assert erase_expired_records(today=hold_until) == 0
    attended.refresh_from_db()
    assert attended.client_name == ERASED_NAME
    assert not SessionNote.objects.exists()


def test_once_released_no_row_names_her_and_her_scores_are_gone(as_admin, ginas_history):
    attended, cancelled = ginas_history
    for booking in (attended, cancelled):
        OutcomeScore.objects.create(
            booking=booking, taken="booking", kind="activity", measure="Parkrun at Hackney", score=4, taken_at=NOW
        )
    erase(as_admin)
    assert not OutcomeScore.objects.filter(booking=cancelled).exists()

    erase_expired_records(today=ErasureRequest.objects.get().hold_until)

    assert not OutcomeScore.objects.exists()
    for model in (Booking, ErasureRequest, HealthScreen):
        dumped = serializers.serialize("json", model.objects.all()).lower()
        assert "gina" not in dumped and "hackney" not in dumped, model


def test_a_request_with_nothing_held_names_no_one_once_done(as_admin, ginas_history):
    attended, _ = ginas_history
    attended.delete()  # only the cancelled booking: nothing to hold

    erase(as_admin)

    erasure = ErasureRequest.objects.get()
    assert erasure.status == "done" and erasure.guest_email.endswith("@erased.invalid")


@pytest.mark.parametrize(
    "case, message",
    [
        ("identity not checked", "Check who is asking first: erasure cannot be undone."),
        (
            "unknown address",
            "No bookings or waitlist places were made with nobody@example.com: there is nothing to erase.",
        ),
        ("an account's address", "alice@example.com belongs to a client account"),
        ("an upcoming booking", "gina@example.com has 1 upcoming booking. Please cancel it first, then ask again"),
        ("already held", "gina@example.com&#x27;s data was erased on 16 January 2030"),
    ],
)
def test_it_refuses_with_a_clear_message_and_changes_nothing(
    as_admin, ginas_history, alice, asha, sports, case, message
):
    email = {"unknown address": "nobody@example.com", "an account's address": "alice@example.com"}.get(case, GINA)
    if case == "an account's address":
        make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(days=3))
    if case == "an upcoming booking":
        make_booking(therapist=asha, session_type=sports, client_email=GINA)
    if case == "already held":
        erase(as_admin)
    before = (
        ErasureRequest.objects.count(),
        list(Booking.objects.order_by("pk").values_list("client_email", flat=True)),
    )

    page = erase(as_admin, email=email, checked=case != "identity not checked").content.decode()

    assert message in page
    assert (
        ErasureRequest.objects.count(),
        list(Booking.objects.order_by("pk").values_list("client_email", flat=True)),
    ) == before


def test_only_staff_given_the_permission_may_and_a_get_erases_nothing(client, sam, ginas_history):
    client.force_login(sam)
    sam.user_permissions.add(Permission.objects.get(codename="view_erasurerequest"))
    assert client.get(URL).status_code == 403
    assert erase(client).status_code == 403

    sam.user_permissions.add(Permission.objects.get(codename="erase_guest_data"))
    page = client.get(URL)
    client.head(URL)

    assert "I have checked that the person asking is the person who booked" in page.content.decode()
    assert not ErasureRequest.objects.exists()
    assert Booking.objects.filter(client_email=GINA).count() == 2


def test_the_list_links_to_it_for_those_allowed(as_admin):
    page = as_admin.get(reverse("admin:bookings_erasurerequest_changelist")).content.decode()

    assert f'href="{URL}"' in page
