"""Where a login lands, and setting up an authenticator straight after it: a therapist on
today in their diary, reception on today's clinic diary, a client on the home page, an
explicit ?next= wherever it says; the set-up does not ask for the password just typed, and
its last page goes on with "Continue"."""

import datetime as dt
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone

from ..factories import PASSWORD, TOTP_SECRET, grant_clinic_diary, make_bookable_therapist, make_user

# The real clock: authenticator codes and allauth's "recently" are counted on it.
pytestmark = pytest.mark.django_db


def code(secret: str = TOTP_SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client, email: str, next_url: str | None = None) -> str:
    """Logs in with the password (and the authenticator's code when asked); returns where it lands."""
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    if response.url == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": code()})
        assert response.status_code == 302
    return response.url


def test_a_therapist_lands_on_today_in_their_diary(client, asha):
    landed = log_in(client, "asha@example.com")

    assert landed == reverse("diary:day", args=[timezone.localdate().isoformat()])
    assert client.get(landed).status_code == 200


def test_reception_lands_on_todays_clinic_diary(client):
    grant_clinic_diary(make_user("rita", is_staff=True))

    landed = log_in(client, "rita@example.com")

    assert landed == reverse("diary:clinic_today")
    assert client.get(landed).status_code == 200


def test_staff_without_the_clinic_diary_and_clients_land_on_the_home_page(client, alice, sam):
    assert log_in(client, "alice@example.com") == reverse("home")
    client.logout()
    assert log_in(client, "sam@example.com") == reverse("home")


def test_an_explicit_next_still_wins(client, asha):
    assert log_in(client, "asha@example.com", next_url=reverse("my_data")) == reverse("my_data")


def test_setting_up_an_authenticator_straight_after_login_asks_no_password_and_ends_with_continue(client):
    tom = make_bookable_therapist("tom", second_factor=False)
    landed = log_in(client, "tom@example.com")
    assert client.get(landed).url == reverse("mfa_activate_totp")  # nothing opens before one is set up

    page = client.get(reverse("mfa_activate_totp"))

    assert page.status_code == 200  # the form itself, not "Confirm Access"
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": code(secret)})
    assert response.url == reverse("mfa_view_recovery_codes")
    html = client.get(response.url).content.decode()
    today = reverse("diary:day", args=[timezone.localdate().isoformat()])
    assert f'<a class="btn btn-primary" href="{today}">Continue</a>' in html
    assert tom.user.authenticator_set.filter(type="totp").exists()


def test_a_login_longer_ago_than_the_timeout_is_asked_for_the_password_again(client, time_machine, settings):
    make_bookable_therapist("tom", second_factor=False)
    time_machine.move_to(timezone.now(), tick=False)
    log_in(client, "tom@example.com")

    time_machine.shift(dt.timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1))
    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
