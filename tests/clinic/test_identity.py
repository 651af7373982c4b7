"""The clinic's identity is data an admin edits, and every page, email and calendar entry
shows it: whose clinic it is, where, and a number to tap."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from bookings.messaging.calendar import booking_ics_for_client
from clinic.emails import render_email
from clinic.models import Clinic
from clinic.selectors import clinic_get

from ..factories import make_booking
from ..uploads import PDF, image_bytes, upload

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def kates_clinic(**fields) -> Clinic:
    """The clinic as its admin has set it up: Kate O'Neil's, in Leeds."""
    details = {
        "name": "Kate O'Neil & Co Sports Massage",
        "street_address": "Unit 4, Mill Yard\n12 Canal Street",
        "town": "Leeds",
        "postcode": "LS1 4AB",
        "phone": "0113 496 0555",
        "email": "hello@kates.example",
        "opening_hours": "Monday to Friday 07:00 to 21:00\nWeekends 09:00 to 13:00",
        "map_url": "https://www.openstreetmap.org/#map=19/53.79/-1.55",
        "cancellation_policy": "Free to change until 48 hours before.",
        **fields,
    }
    Clinic.objects.filter(pk=1).update(**details)
    from clinic.selectors import clinic_forget

    clinic_forget()
    return clinic_get()


def test_a_new_database_has_the_clinic_with_placeholder_details():
    clinic = Clinic.objects.get()

    assert clinic.pk == 1
    assert clinic.name and clinic.phone and clinic.town and clinic.cancellation_policy


@pytest.mark.parametrize("url", ["/", "/therapists/", "/accounts/login/"])
def test_every_page_shows_whose_clinic_it_is_and_a_number_to_tap(client, url):
    kates_clinic()

    page = client.get(url).content.decode()

    assert "Kate O&#x27;Neil &amp; Co Sports Massage</a>" in page  # the brand in the header
    assert page.count('href="tel:+441134960555"') == 2  # header and footer
    assert "Unit 4, Mill Yard<br>12 Canal Street" in page
    assert "LS1 4AB" in page
    assert 'href="mailto:hello@kates.example"' in page
    assert "Weekends 09:00 to 13:00" in page
    assert 'href="https://www.openstreetmap.org/#map=19/53.79/-1.55"' in page
    assert "Free to change until 48 hours before." in page
    assert '<a href="tel:999">999</a>' in page and '<a href="tel:111">NHS 111</a>' in page
    assert " · Kate O&#x27;Neil &amp; Co Sports Massage</title>" in page


def test_the_footer_is_schema_org_local_business_microdata(client):
    kates_clinic()

    page = client.get("/").content.decode()

    assert 'itemscope itemtype="https://schema.org/LocalBusiness"' in page
    assert '<p class="fw-semibold mb-1" itemprop="name">Kate O&#x27;Neil &amp; Co Sports Massage</p>' in page
    assert 'itemprop="address" itemscope itemtype="https://schema.org/PostalAddress"' in page
    assert '<span itemprop="addressLocality">Leeds</span>' in page
    assert '<span itemprop="postalCode">LS1 4AB</span>' in page
    assert '<span itemprop="telephone">0113 496 0555</span>' in page
    assert '<span itemprop="email">hello@kates.example</span>' in page
    assert 'itemprop="hasMap"' in page
    # Microdata, not a JSON-LD <script>: the CSP allows no inline script.
    assert "application/ld+json" not in page


@pytest.mark.parametrize(
    "phone, uri",
    [
        ("0113 496 0555", "tel:+441134960555"),
        ("+44 (0)20 7946 0123", "tel:+442079460123"),
        ("+44 20 7946 0123", "tel:+442079460123"),
        ("020-7946-0123", "tel:+442079460123"),
    ],
)
def test_a_phone_number_dials_from_anywhere(phone, uri):
    assert Clinic(phone=phone).phone_uri == uri


def test_the_details_cost_one_query_on_a_cold_cache_and_none_after(client, django_assert_num_queries):
    from clinic.selectors import clinic_forget

    clinic_forget()
    with django_assert_num_queries(2):  # the clinic, then the session types
        client.get("/")
    with django_assert_num_queries(1):
        client.get("/")


def test_an_admins_change_shows_on_the_next_page(admin_client, client):
    client.get("/")  # cached now
    form = {
        "name": "Northside Massage",
        "street_address": "3 Park Row",
        "town": "Bristol",
        "postcode": "BS1 5LJ",
        "phone": "0117 496 0000",
        "email": "desk@northside.example",
        "opening_hours": "Every day 08:00 to 20:00",
        "map_url": "",
        "cancellation_policy": "Free to change until 24 hours before.",
    }

    response = admin_client.post(reverse("admin:clinic_clinic_change", args=[1]), form)

    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Northside Massage" in page and 'href="tel:+441174960000"' in page


def test_admins_cannot_add_a_second_clinic_or_delete_the_one(admin_client):
    assert admin_client.get(reverse("admin:clinic_clinic_add")).status_code == 403
    assert admin_client.get(reverse("admin:clinic_clinic_delete", args=[1])).status_code == 403
    assert Clinic.objects.count() == 1


def test_a_logo_must_be_an_image_and_then_shows_in_the_header(admin_client, client, media_root):
    form = {
        field: getattr(clinic_get(), field)
        for field in (
            "name",
            "street_address",
            "town",
            "postcode",
            "phone",
            "email",
            "opening_hours",
            "map_url",
            "cancellation_policy",
        )
    }
    url = reverse("admin:clinic_clinic_change", args=[1])

    refused = admin_client.post(url, {**form, "logo": upload("logo.png", PDF, "image/png")})

    assert refused.status_code == 200
    assert "The logo must be a JPEG, PNG or WebP image." in refused.content.decode()
    assert not Clinic.objects.get().logo

    admin_client.post(url, {**form, "logo": upload("logo.gif", image_bytes("PNG"), "image/gif")})

    assert Clinic.objects.get().logo.name.endswith(".png")
    page = client.get("/").content.decode()
    assert re.search(r'<img class="clinic-logo" src="/logo\?v=[^"]+\.png" alt="" height="40">', page)
    logo = client.get("/logo")
    assert logo["Content-Type"] == "image/png"
    assert logo["Cache-Control"] == "public, max-age=86400"


def test_there_is_no_logo_to_fetch_until_one_is_uploaded(client):
    assert client.get("/logo").status_code == 404


def test_every_email_ends_with_the_clinics_details(alice):
    kates_clinic()

    subject, text, html = render_email(
        "registration_reminder", {"therapist": {"display_name": "Alice"}, "days_left": 7, "audience": "therapist"}
    )

    # The plain-text part is not HTML: the name reads as typed.
    footer = text.rsplit("\n-- \n", 1)[1]
    assert footer.splitlines()[:5] == [
        "Kate O'Neil & Co Sports Massage",
        "Unit 4, Mill Yard, 12 Canal Street, Leeds, LS1 4AB",
        "Phone: 0113 496 0555",
        "Email: hello@kates.example",
        "Map: https://www.openstreetmap.org/#map=19/53.79/-1.55",
    ]
    assert "Kate O&#x27;Neil &amp; Co Sports Massage" in html
    assert '<a href="tel:+441134960555" style="color:#0b5d57;">0113 496 0555</a>' in html


@pytest.mark.parametrize(
    "template",
    sorted(path.name for path in (TEMPLATES / "emails").glob("*-body.txt")),
)
def test_every_plain_text_body_gets_the_footer(template, asha, alice):
    """render_email adds it, so no body can forget it; here each kind of body is rendered."""
    kates_clinic()
    booking = make_booking(therapist=asha, client=alice)

    _, text, _ = render_email(template.removesuffix("-body.txt"), {"booking": booking})

    assert "\n-- \nKate O'Neil & Co Sports Massage\n" in text


def test_a_booking_email_says_call_us_with_the_number(asha, alice):
    kates_clinic()
    booking = make_booking(therapist=asha, client=alice)

    _, text, html = render_email(
        "booking_cancelled",
        {
            "client_name": "Alice",
            "booking": booking,
            "session_type": booking.session_type,
            "therapist": asha,
            "start": booking.start,
            "declined": True,
        },
    )

    assert "What next: call us on 0113 496 0555 if you would like to talk it over" in text
    assert 'call us on <a href="tel:+441134960555" style="color:#0b5d57;">0113 496 0555</a>' in html


def test_the_calendar_entry_is_at_the_clinics_address(asha, alice):
    kates_clinic()
    booking = make_booking(therapist=asha, client=alice)

    ics = booking_ics_for_client(booking).decode()

    unfolded = ics.replace("\r\n ", "")
    assert "LOCATION:Unit 4\\, Mill Yard\\, 12 Canal Street\\, Leeds\\, LS1 4AB" in unfolded
    assert 'ORGANIZER;CN="Kate O\'Neil & Co Sports Massage"' in unfolded


def test_account_emails_end_with_the_clinics_details(client, alice):
    kates_clinic()

    client.post(reverse("account_reset_password"), {"email": alice.email})

    [message] = mail.outbox
    assert "Kate O'Neil & Co Sports Massage\nUnit 4, Mill Yard, 12 Canal Street, Leeds, LS1 4AB" in message.body
    assert "Phone: 0113 496 0555" in message.body


def test_no_page_or_email_says_call_the_clinic_without_the_number():
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*")
        if path.is_file() and "call the clinic" in path.read_text().replace("{% else %}call the clinic", "")
    ]
    assert offenders == []


def test_the_error_page_gives_the_number_when_it_is_cached_and_needs_no_database(rf):
    from clinic.views import server_error

    kates_clinic()
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert '<a href="tel:+441134960555">0113 496 0555</a>' in response.content.decode()
