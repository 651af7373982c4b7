"""Staff (therapists and admins) read health data: a second factor before any page, the
admin's login through the same guarded page, and an end to idle sessions. Guessing
passwords is slowed to a crawl on both login pages."""

import datetime as dt
import re
import time
import uuid

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from therapists.middleware import SECOND_FACTOR_SETUP_URLS

from ..clock import NOW
from ..factories import PASSWORD, TOTP_SECRET, make_therapist, make_user

pytestmark = pytest.mark.django_db

TOTP_SETUP = "/accounts/2fa/totp/activate/"


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


# Walking every URL the site has ---------------------------------------------------------

SAMPLE_ROUTE_VALUES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.uuid4())}
SAMPLE_REGEX_GROUPS = {"app_label": "auth", "object_id": "1", "model_name": "user"}


def _sample(pattern) -> str:
    text = str(pattern)
    if "<" in text and "(?P" not in text:
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ROUTE_VALUES[m.group(1) or "str"], text)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_REGEX_GROUPS.get(m.group(1), "1"), text)
    return text.lstrip("^").rstrip("$").replace("\\", "")


def every_url(patterns=None, prefix="/"):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from every_url(entry.url_patterns, prefix + _sample(entry.pattern))
        elif isinstance(entry, URLPattern):
            path = prefix + _sample(entry.pattern)
            try:
                match = resolve(path)
            except Resolver404:
                continue
            yield path, match.url_name


def test_the_url_walk_covers_the_site_and_the_admin():
    names = {name for _, name in every_url()}

    assert len(names) > 60
    assert {"booking_detail", "index", "auth_user_changelist", "week_current", "checks", "my_bookings"} <= names


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_no_staff_url_opens_without_a_second_factor(client, who):
    staff = (
        make_therapist("tom", second_factor=False).user
        if who == "therapist"
        else make_user("ada", is_staff=True, is_superuser=True, second_factor=False)
    )
    client.force_login(staff)

    opened = []
    for path, name in every_url():
        if name in SECOND_FACTOR_SETUP_URLS:
            continue
        response = client.get(path)
        if not (response.status_code == 302 and response.url == TOTP_SETUP):
            opened.append((path, response.status_code))

    assert opened == []


def test_a_client_is_not_asked_for_a_second_factor(client, alice):
    client.force_login(alice)

    assert client.get(reverse("my_bookings")).status_code == 200


def test_a_staff_member_without_a_second_factor_can_set_one_up(client):
    tom = make_therapist("tom", second_factor=False)
    client.post(reverse("account_login"), {"login": "tom@example.com", "password": PASSWORD})

    response = client.get(reverse("diary:week_current"), follow=True)
    # Setting one up asks for the password again first.
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    client.post(response.redirect_chain[-1][0], {"password": PASSWORD})
    page = client.get(TOTP_SETUP)
    assert page.status_code == 200
    secret = page.context["form"].secret

    client.post(TOTP_SETUP, {"code": format_hotp_value(hotp_value(secret, int(time.time()) // 30))})

    assert tom.user.authenticator_set.filter(type="totp").exists()
    assert client.get(reverse("diary:week_current")).status_code == 200


def test_a_stolen_staff_password_alone_opens_nothing(client, asha):
    response = client.post(reverse("account_login"), {"login": "asha@example.com", "password": PASSWORD})

    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("diary:week_current")).status_code == 302
    assert client.get("/admin/").status_code == 302

    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert client.get(reverse("diary:week_current")).status_code == 302

    client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert client.get(reverse("diary:week_current")).status_code == 200


def test_the_admin_login_is_the_guarded_login_page(client, admin_user):
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.get("/admin/").status_code == 302  # still not logged in


# Idle staff sessions -----------------------------------------------------------------------


def test_a_staff_session_ends_after_the_idle_time(client, asha, time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    client.force_login(asha.user)
    assert client.get(reverse("diary:week_current")).status_code == 200

    time_machine.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES - 1))
    assert client.get(reverse("diary:week_current")).status_code == 200  # activity restarts the clock
    time_machine.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES - 1))
    assert client.get(reverse("diary:week_current")).status_code == 200

    time_machine.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1))
    response = client.get(reverse("diary:week_current"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    page = client.get(response.url).content.decode()
    assert f"logged out after {settings.STAFF_IDLE_MINUTES} minutes" in page
    assert client.get(reverse("diary:week_current")).status_code == 302


def test_the_idle_time_is_the_clinics_setting(client, asha, time_machine, settings):
    settings.STAFF_IDLE_MINUTES = 5
    time_machine.move_to(NOW, tick=False)
    client.force_login(asha.user)

    time_machine.shift(dt.timedelta(minutes=6))

    assert client.get(reverse("diary:week_current")).status_code == 302


def test_a_client_session_does_not_end_after_half_an_hour(client, alice, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.force_login(alice)

    time_machine.shift(dt.timedelta(hours=3))

    assert client.get(reverse("my_bookings")).status_code == 200


# Guessing passwords -----------------------------------------------------------------------


def log_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_twenty_wrong_passwords_lock_the_account_and_say_for_how_long(client, alice, settings):
    responses = [log_in(client, "alice@example.com", f"guess-{n}") for n in range(20)]

    locked = [r for r in responses if "Please try again in 15 minutes" in r.content.decode()]
    assert len(locked) == 20 - settings.LOGIN_FAILURES_ALLOWED
    # The right password does not get in while the lock holds...
    response = log_in(client, "alice@example.com", PASSWORD)
    assert "Please try again in 15 minutes" in response.content.decode()
    assert client.get(reverse("my_bookings")).status_code == 302


def test_the_lock_lifts_after_its_time(client, alice, time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    for n in range(settings.LOGIN_FAILURES_ALLOWED):
        log_in(client, "alice@example.com", f"guess-{n}")

    time_machine.shift(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1))

    assert log_in(client, "alice@example.com", PASSWORD).status_code == 302
    assert client.get(reverse("my_bookings")).status_code == 200


def test_one_network_guessing_many_accounts_is_locked_out_too(client, alice, settings):
    for n in range(settings.LOGIN_FAILURES_PER_NETWORK):
        log_in(client, f"someone-{n}@example.com", "guess")

    response = log_in(client, "alice@example.com", PASSWORD)

    assert "Please try again in 15 minutes" in response.content.decode()


def test_guessing_on_the_admin_login_tries_no_password_at_all(client, admin_user):
    for n in range(20):
        response = client.post("/admin/login/", {"username": "admin", "password": f"guess-{n}"})
        assert response.url.startswith(reverse("account_login"))
    assert client.get("/admin/").status_code == 302
