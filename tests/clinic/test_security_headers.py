"""Headers that keep pages safe: a Content-Security-Policy with no inline script or style,
and no caching of pages that show health answers, session notes or a manage link."""

import pytest
from django.urls import reverse

from bookings.messaging import tokens
from bookings.models import BookingLink

from ..factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split(maxsplit=1)[1] for part in policy.split("; ")}


def test_every_page_sends_a_policy_without_inline_script_or_style(client):
    policy = directives(client.get(reverse("home")))

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in client.get(reverse("home"))["Content-Security-Policy"]


def test_error_pages_need_no_inline_style_either(client):
    from django.template.loader import render_to_string

    for name in ("500.html", "503.html"):
        page = render_to_string(name)
        assert "<style" not in page and "style=" not in page and "<script" not in page


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_with_health_answers_notes_or_a_manage_link_are_never_cached(client, asha, alice, sports):
    booking = make_booking(therapist=asha, client=alice, session_type=sports)

    client.force_login(asha.user)
    assert no_store(client.get(reverse("booking_detail", args=[booking.pk])))
    assert no_store(client.get(reverse("diary:week_current")))
    client.force_login(alice)
    assert no_store(client.get(reverse("my_bookings")))
    client.logout()
    manage = client.get(
        reverse("booking_manage", args=[tokens.link_issue(booking=booking, purpose=BookingLink.Purpose.MANAGE)])
    )
    assert manage.status_code == 200 and no_store(manage)


def test_account_pages_and_every_page_a_logged_in_person_sees_are_never_cached(client, alice):
    assert no_store(client.get(reverse("account_login")))
    assert no_store(client.get(reverse("account_reset_password")))
    client.force_login(alice)
    assert no_store(client.get(reverse("home")))
    assert no_store(client.get(reverse("account_email")))


def test_public_pages_may_be_cached(client):
    assert not no_store(client.get(reverse("home")))
