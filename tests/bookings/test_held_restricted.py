"""A clinical record held after the client asked for erasure is restricted: marked as held,
left out of the clinic's lists and searches, and opened only by staff allowed to read health
data who give a reason, which the access log keeps."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.diary.selectors import feed_bookings
from bookings.models import Booking, ErasureRequest, HealthDataAccess, HealthScreen, SessionNote
from bookings.privacy.claims import bookings_claim
from bookings.privacy.my_data import client_data_erase, guest_data_erase
from bookings.privacy.retention import erase_expired_records

from ..clock import NOW, TODAY, at
from ..factories import grant_clinic_diary, grant_permissions, make_booking, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

GINA = "gina@example.com"
SESSION_DAY = TODAY - dt.timedelta(days=3)


def held_guest_booking(asha, sports, hour="10:00", email=GINA, name="Gina Guest") -> Booking:
    booking = make_booking(
        therapist=asha,
        session_type=sports,
        start=at(SESSION_DAY, hour),
        status="attended",
        client_email=email,
        client_name=name,
    )
    HealthScreen.objects.create(booking=booking, main_problem="knee_pain", notes="Left knee", consent_given_at=NOW)
    SessionNote.objects.create(
        booking=booking, areas_worked=["front-thigh-right"], pressure_used=6, problem="knee_pain"
    )
    return booking


@pytest.fixture
def gina(asha, sports, alice, admin_user):
    """Gina's attended session, held after she asked for erasure; Alice's session the same day
    is an ordinary one."""
    booking = held_guest_booking(asha, sports)
    make_booking(therapist=asha, session_type=sports, start=at(SESSION_DAY, "12:00"), client=alice, client_name="Alice")
    guest_data_erase(email=GINA, run_by=admin_user, now=NOW)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def hana(db):
    """Staff allowed to read health data."""
    return grant_permissions(make_user("hana", is_staff=True), "view_booking", "view_health_data")


@pytest.fixture
def as_hana(client, hana):
    client.force_login(hana)
    return client


def held_url(booking, page="booking") -> str:
    return f"/bookings/{booking.pk}/held/?next={page}"


def test_held_bookings_are_marked_until_the_hold_date_and_others_are_not(gina, asha, alice, sports):
    assert gina.restricted_until == ErasureRequest.objects.get().hold_until and gina.is_restricted
    assert Booking.objects.get(client_name="Alice").restricted_until is None
    # A client with an account: the same mark on her held record.
    mine = make_booking(therapist=asha, session_type=sports, client=alice, start=NOW - dt.timedelta(days=9))
    Booking.objects.filter(pk=mine.pk).update(status="attended")
    erasure = client_data_erase(user=alice, now=NOW)
    mine.refresh_from_db()
    assert mine.restricted_until == erasure.hold_until


def test_retention_erases_them_on_the_date_and_clears_the_mark(gina):
    erase_expired_records(today=gina.restricted_until)

    gina.refresh_from_db()
    assert gina.restricted_until is None and gina.client_name == "Erased client"


def test_the_migration_marks_records_already_held(gina):
    Booking.objects.filter(pk=gina.pk).update(restricted_until=None)
    migration = importlib.import_module("bookings.migrations.0017_held_restricted")

    migration.held_bookings_restricted(apps, None)

    gina.refresh_from_db()
    assert gina.is_restricted


def test_the_diaries_and_the_calendar_feed_leave_them_out(client, gina, asha):
    client.force_login(asha.user)
    day = client.get(f"/diary/day/{SESSION_DAY.isoformat()}/").content.decode()
    assert "Alice" in day and "Gina" not in day
    assert [b.client_name for b in feed_bookings(therapist=asha, now=NOW)] == ["Alice"]

    client.force_login(grant_clinic_diary(make_user("rita", is_staff=True)))
    for url in (f"/diary/clinic/{SESSION_DAY.isoformat()}/", f"/diary/clinic/{SESSION_DAY.isoformat()}/?by=room"):
        html = client.get(url).content.decode()
        assert "Alice" in html and "Gina" not in html
    monday = SESSION_DAY - dt.timedelta(days=SESSION_DAY.weekday())
    week = client.get(f"/diary/clinic/week/{monday.isoformat()}/").content.decode()
    assert "Alice" in week and "Gina" not in week


def test_the_admin_list_shows_them_only_under_its_filter_with_the_name_masked(client, admin_user, gina):
    client.force_login(admin_user)

    listed = client.get("/admin/bookings/booking/").content.decode()
    assert "Alice" in listed and "Gina" not in listed
    held = client.get("/admin/bookings/booking/?held=yes").content.decode()
    assert f"Held after erasure until {gina.restricted_until:%-d %b %Y}" in held
    assert "Gina" not in held and "Alice" not in held
    for search in ("?q=gina", "?held=yes&q=gina"):
        assert "Held after erasure until" not in client.get(f"/admin/bookings/booking/{search}").content.decode()
    # Its emails and consents are left out of their lists too.
    assert GINA not in client.get("/admin/bookings/outboundemail/?q=gina").content.decode()


def test_the_admin_page_of_a_held_booking_asks_for_a_reason_then_is_read_only(client, admin_user, gina):
    client.force_login(admin_user)
    change = f"/admin/bookings/booking/{gina.pk}/change/"

    response = client.get(change)
    assert response.status_code == 302 and response["Location"] == held_url(gina, "admin")

    opened = client.post(held_url(gina, "admin"), {"reason": "Insurer's request"})
    assert opened["Location"] == change
    page = client.get(change).content.decode()
    assert "Gina Guest" in page and 'name="_save"' not in page  # read-only


@pytest.mark.parametrize("who", ["the therapist", "staff without the permission"])
def test_without_the_health_permission_a_held_record_does_not_exist(client, gina, asha, sam, who):
    client.force_login(asha.user if who == "the therapist" else grant_permissions(sam, "view_booking"))

    for url in (f"/bookings/{gina.pk}/", f"/bookings/{gina.pk}/record/", held_url(gina)):
        assert client.get(url).status_code == 404, url
    assert client.post(held_url(gina), {"reason": "Curious"}).status_code == 404
    # Nor can its therapist work on it.
    assert client.get(f"/bookings/{gina.pk}/complete/").status_code == 404
    assert client.get(f"/bookings/{gina.pk}/notes/amend/").status_code == 404
    assert not HealthDataAccess.objects.exists()


def test_a_get_only_asks_for_a_reason(as_hana, gina):
    response = as_hana.get(f"/bookings/{gina.pk}/")
    assert response.status_code == 302 and response["Location"] == held_url(gina)

    page = as_hana.get(held_url(gina)).content.decode()

    assert "This record is held after the client asked for erasure, until" in page
    assert f"{gina.restricted_until:%-d %B %Y}" in page
    assert "Gina" not in page and "Left knee" not in page
    assert not HealthDataAccess.objects.exists()


def test_an_empty_reason_is_refused_with_a_message_and_opens_nothing(as_hana, gina):
    response = as_hana.post(held_url(gina), {"reason": "   "})

    assert response.status_code == 400
    assert "Give a reason to open this held record" in response.content.decode()
    assert not HealthDataAccess.objects.exists()
    assert as_hana.get(f"/bookings/{gina.pk}/").status_code == 302


def test_a_reason_opens_it_for_a_while_and_is_logged(as_hana, hana, gina, clock):
    response = as_hana.post(held_url(gina, "record"), {"reason": "The insurer asked about  this session."})

    assert response["Location"] == f"/bookings/{gina.pk}/record/"
    (look,) = HealthDataAccess.objects.all()
    assert (look.accessed_by, look.booking, look.via) == (hana, gina, HealthDataAccess.Via.HELD_OPEN)
    assert (look.reason, look.client_email) == ("The insurer asked about this session.", GINA)
    for url in (f"/bookings/{gina.pk}/record/", f"/bookings/{gina.pk}/"):
        page = as_hana.get(url).content.decode()
        assert "Gina Guest" in page and "Held after erasure." in page
    # Each look after opening is logged as usual.
    assert HealthDataAccess.objects.count() == 3

    clock.move_to(NOW + dt.timedelta(minutes=16), tick=False)
    assert as_hana.get(f"/bookings/{gina.pk}/").status_code == 302


def test_a_held_guest_booking_joins_no_account_that_verifies_the_address(gina):
    erin = make_user("erin")

    assert bookings_claim(user=erin, email=GINA) == 0


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_lists_cost_the_same_queries_however_many_records_are_held(client, admin_user, gina, asha, sports):
    client.force_login(admin_user)
    urls = [
        f"/diary/clinic/{SESSION_DAY.isoformat()}/",
        "/admin/bookings/booking/",
        "/admin/bookings/booking/?held=yes",
    ]
    before = [query_count(client, url) for url in urls]
    for n, hour in enumerate(["14:00", "15:00", "16:00"]):
        held_guest_booking(asha, sports, hour=hour, email=f"guest{n}@example.com", name=f"Guest {n}")
        guest_data_erase(email=f"guest{n}@example.com", run_by=admin_user, now=NOW)

    assert [query_count(client, url) for url in urls] == before
