"""The small things a clinic trips over: the home page in the clinic's order and without the
session's name twice, a favicon, My data naming the client as their bookings do and saying
how to cancel what is still to come, and the session list's checkboxes named in the admin."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from clinic.models import SessionType

from ..clock import at, days_from_now
from ..factories import make_booking, make_session_type, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def listed(html: str) -> list[str]:
    return re.findall(r'<h3 class="h5 card-title">([^<]+)</h3>', html)


def test_the_home_page_lists_sessions_in_the_clinics_order(client):
    make_session_type("Deep tissue 90", kind=SessionType.Kind.DEEP_TISSUE, display_order=3)
    make_session_type("Sports massage", display_order=1)
    make_session_type("Relaxation 45", kind=SessionType.Kind.RELAXATION, display_order=2)

    html = client.get(reverse("home")).content.decode()

    assert listed(html) == ["Sports massage", "Relaxation 45", "Deep tissue 90"]


def test_a_subtitle_names_the_kind_only_when_the_name_does_not(client):
    make_session_type("Sports massage", display_order=1)
    make_session_type("Deep tissue 90", kind=SessionType.Kind.DEEP_TISSUE, duration_minutes=90, display_order=2)
    make_session_type("Marathon recovery", display_order=3)

    html = client.get(reverse("home")).content.decode()

    subtitles = re.findall(r'<p class="text-body-secondary mb-2">([^<]+)</p>', html)
    assert subtitles == ["60 minutes · £55.00", "90 minutes · £55.00", "Sports massage · 60 minutes · £55.00"]


def test_every_page_links_a_favicon_drawn_here(client):
    html = client.get(reverse("home")).content.decode()

    [href] = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert href.endswith("/img/favicon.svg")
    drawn = finders.find("img/favicon.svg")
    assert drawn and "<svg" in Path(drawn).read_text()


def test_my_data_names_a_client_as_their_bookings_do(client, asha, sports):
    gina = make_user("gina", first_name="")  # signed up with an address only
    make_booking(client=gina, therapist=asha, session_type=sports, start=at(days_from_now(-20), "10:00"))
    make_booking(
        client=gina, therapist=asha, session_type=sports, start=at(days_from_now(3), "10:00"), client_name="Gina Guest"
    )
    client.force_login(gina)

    html = client.get(reverse("my_data")).content.decode()

    assert "Not given" not in html
    assert 'Gina Guest <span class="text-body-secondary">(as you gave it when booking)</span>' in html


def test_my_data_says_nothing_given_when_there_is_nothing(client):
    client.force_login(make_user("nadia", first_name=""))

    assert "Not given" in client.get(reverse("my_data")).content.decode()


def test_my_data_says_what_to_cancel_before_erasure_and_links_to_it(client, alice):
    client.force_login(alice)

    html = client.get(reverse("my_data")).content.decode()

    assert (
        f'A booking still to come has to be cancelled first: cancel it from <a href="{reverse("my_bookings")}">'
        "My bookings</a>, then ask here." in html
    )


def test_the_admins_session_list_names_each_checkbox(admin_client, sports):
    html = admin_client.get(reverse("admin:clinic_sessiontype_changelist")).content.decode()

    assert re.search(r'<input type="checkbox" name="form-0-active"[^>]* aria-label="Sports massage is active"', html)
    assert re.search(r'name="form-0-display_order"[^>]* aria-label="Order of Sports massage"', html)
