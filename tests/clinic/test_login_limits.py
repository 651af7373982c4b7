"""Login limits that cannot be turned on others: wrong passwords count per address and
network, the network is the client's own (through the proxy we trust, never a header anyone
can forge), guessing stays slow overall, and wrong authenticator codes are counted apart."""

import datetime as dt
import logging
import runpy
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from ..clock import NOW
from ..factories import PASSWORD, TOTP_SECRET

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "Too many failed attempts to log in. Please try again in 15 minutes, or reset your password."
CODES_LOCKED = "Too many wrong codes. Please try again in 15 minutes."
PROXY = "10.0.0.2"  # the TLS proxy, as the app sees it
HOME = "203.0.113.10"  # Alice's and Asha's own networks
ELSEWHERE = "198.51.100.66"  # a stranger's


def log_in(email, password, *, network=HOME, forwarded=None, client=None):
    """One try at logging in from ``network`` (the connection's address), with the
    X-Forwarded-For header given, if any. Returns the response; the client is on it."""
    client = client or Client()
    extra = {"REMOTE_ADDR": network}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post(reverse("account_login"), {"login": email, "password": password}, **extra)
    response.client = client
    return response


def through_proxy(email, password, *, forwarded, client=None):
    return log_in(email, password, network=PROXY, forwarded=forwarded, client=client)


def guess(email, times, **where):
    for n in range(times):
        assert LOCKED not in log_in(email, f"guess-{n}", **where).content.decode()


def logged_in(response) -> bool:
    return response.status_code == 302 and response.client.get(reverse("my_bookings")).status_code == 200


def locked_out(response) -> bool:
    return response.status_code == 200 and LOCKED in response.content.decode()


@pytest.fixture
def behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


# Whose address counts ---------------------------------------------------------------------


def test_without_a_trusted_proxy_a_forged_forwarded_address_is_ignored(alice, settings):
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    for n in range(settings.LOGIN_FAILURES_ALLOWED):
        log_in("alice@example.com", f"guess-{n}", network=ELSEWHERE, forwarded=f"192.0.2.{n}")

    # Each forged header named a fresh address; the connection's address was counted.
    assert locked_out(log_in("alice@example.com", PASSWORD, network=ELSEWHERE, forwarded=HOME))
    assert logged_in(log_in("alice@example.com", PASSWORD, network=HOME))


def test_behind_the_proxy_the_address_it_saw_counts_not_the_proxys(alice, admin_user, behind_one_proxy, settings):
    # The bug this guards: twenty wrong passwords from anywhere used to lock out everyone.
    for n in range(settings.LOGIN_FAILURES_PER_NETWORK):
        through_proxy(f"someone-{n}@example.com", "guess", forwarded=ELSEWHERE)

    assert locked_out(through_proxy("alice@example.com", PASSWORD, forwarded=ELSEWHERE))
    assert logged_in(through_proxy("alice@example.com", PASSWORD, forwarded=HOME))


def test_behind_the_proxy_a_client_cannot_forge_an_earlier_hop(alice, behind_one_proxy, settings):
    # The stranger writes Alice's address into the header; the proxy adds the real one last.
    for n in range(settings.LOGIN_FAILURES_ALLOWED):
        through_proxy("alice@example.com", f"guess-{n}", forwarded=f"{HOME}, {ELSEWHERE}")

    assert locked_out(through_proxy("alice@example.com", PASSWORD, forwarded=f"{HOME}, {ELSEWHERE}"))
    assert locked_out(through_proxy("alice@example.com", PASSWORD, forwarded=f"192.0.2.1, {ELSEWHERE}"))
    assert logged_in(through_proxy("alice@example.com", PASSWORD, forwarded=HOME))


def test_behind_the_proxy_a_port_on_the_hop_is_the_same_address(alice, behind_one_proxy, settings):
    guess("alice@example.com", settings.LOGIN_FAILURES_ALLOWED, network=PROXY, forwarded=f"{ELSEWHERE}:50000")

    assert locked_out(through_proxy("alice@example.com", PASSWORD, forwarded=f"{ELSEWHERE}:50001"))


@pytest.mark.parametrize(
    "hop", ["not-an-address", "<script>alert(1)</script>", "999.1.1.1", "unknown", "1.2.3.4; DROP TABLE", "x" * 5000]
)
def test_a_hop_that_is_no_address_is_refused_and_nothing_is_written(alice, behind_one_proxy, hop, caplog):
    User = get_user_model()
    users_before = list(User.objects.values_list("pk", "last_login"))

    with caplog.at_level(logging.INFO):
        response = through_proxy("alice@example.com", PASSWORD, forwarded=f"{HOME}, {hop}")

    assert response.status_code == 403
    page = response.content.decode()
    assert "This is not open to you" in page and "nothing was changed" in page
    assert hop not in page
    assert response.client.get(reverse("my_bookings")).status_code == 302
    assert list(User.objects.values_list("pk", "last_login")) == users_before
    assert PASSWORD not in caplog.text


def test_without_a_trusted_proxy_a_hostile_header_changes_nothing(alice):
    response = log_in("alice@example.com", PASSWORD, forwarded="<script>, not-an-address, " + "9" * 5000)

    assert logged_in(response)


# Counting per address and network ---------------------------------------------------------


def test_a_stranger_guessing_elsewhere_cannot_keep_a_therapist_out(asha, settings):
    guess("asha@example.com", settings.LOGIN_FAILURES_ALLOWED, network=ELSEWHERE)

    assert locked_out(log_in("asha@example.com", PASSWORD, network=ELSEWHERE))
    response = log_in("asha@example.com", PASSWORD, network=HOME)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")


def test_one_network_guessing_many_addresses_is_stopped(alice, settings):
    for n in range(settings.LOGIN_FAILURES_PER_NETWORK):
        log_in(f"someone-{n}@example.com", "guess", network=ELSEWHERE)

    assert locked_out(log_in("alice@example.com", PASSWORD, network=ELSEWHERE))
    assert logged_in(log_in("alice@example.com", PASSWORD, network=HOME))


def test_an_ipv6_network_is_its_64_block(alice, settings):
    guess("alice@example.com", settings.LOGIN_FAILURES_ALLOWED, network="2001:db8:0:1::1")

    assert locked_out(log_in("alice@example.com", PASSWORD, network="2001:db8:0:1::ffff"))
    assert logged_in(log_in("alice@example.com", PASSWORD, network="2001:db8:0:2::1"))


def test_guessing_one_address_from_many_networks_stays_limited_overall(alice, settings):
    networks = settings.LOGIN_FAILURES_PER_ADDRESS // settings.LOGIN_FAILURES_ALLOWED
    assert (settings.LOGIN_FAILURES_ALLOWED, settings.LOGIN_FAILURES_PER_ADDRESS, networks) == (5, 50, 10)
    for n in range(networks):
        guess("alice@example.com", settings.LOGIN_FAILURES_ALLOWED, network=f"192.0.2.{n}")

    # Fifty wrong passwords from ten networks: no one tries this address for 15 minutes,
    # Alice included; other addresses are untouched.
    assert locked_out(log_in("alice@example.com", PASSWORD, network=HOME))
    assert not locked_out(log_in("bob@example.com", "guess", network=HOME))


def test_tries_refused_at_a_networks_limit_do_not_count_overall(alice, settings):
    # Nine networks hammer the address far past their own limit...
    for n in range(9):
        for attempt in range(20):
            log_in("alice@example.com", f"guess-{attempt}", network=f"192.0.2.{n}")

    # ...yet only their first five each were tried, so Alice still gets in from home.
    assert logged_in(log_in("alice@example.com", PASSWORD, network=HOME))


def test_the_overall_limit_lifts_after_its_time(alice, settings, time_machine):
    time_machine.move_to(NOW, tick=False)
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS // settings.LOGIN_FAILURES_ALLOWED):
        guess("alice@example.com", settings.LOGIN_FAILURES_ALLOWED, network=f"192.0.2.{n}")
    assert locked_out(log_in("alice@example.com", PASSWORD, network=HOME))

    time_machine.shift(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1))

    assert logged_in(log_in("alice@example.com", PASSWORD, network=HOME))


def test_the_right_password_takes_back_its_try(alice, settings):
    for _ in range(settings.LOGIN_FAILURES_ALLOWED + 1):
        assert logged_in(log_in("alice@example.com", PASSWORD))
    guess("alice@example.com", settings.LOGIN_FAILURES_ALLOWED - 1)

    assert logged_in(log_in("alice@example.com", PASSWORD))


def test_a_typed_address_made_to_look_like_alices_count_does_not_touch_hers(alice, settings):
    for typed in (f"alice@example.com|{HOME}", f"ALICE@example.com|{HOME}", f"alice@example.com|{HOME}|{ELSEWHERE}"):
        for n in range(settings.LOGIN_FAILURES_ALLOWED):
            log_in(typed, f"guess-{n}", network=ELSEWHERE)

    assert logged_in(log_in("alice@example.com", PASSWORD, network=HOME))


def test_an_address_is_counted_whatever_its_case(alice, settings):
    for n in range(settings.LOGIN_FAILURES_ALLOWED):
        log_in("Alice@Example.COM", f"guess-{n}", network=ELSEWHERE)

    assert locked_out(log_in("alice@example.com", PASSWORD, network=ELSEWHERE))


# The second factor --------------------------------------------------------------------------


def code_at(moment: float) -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(moment) // 30))


def wrong_code() -> str:
    right = {code_at(time.time() + drift) for drift in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def at_second_step(network=HOME) -> Client:
    response = log_in("asha@example.com", PASSWORD, network=network)
    assert response.url == reverse("mfa_authenticate")
    return response.client


def test_wrong_codes_are_limited_on_their_own_and_say_how_long(asha, settings):
    client = at_second_step()
    for _ in range(settings.SECOND_FACTOR_FAILURES_ALLOWED):
        response = client.post(reverse("mfa_authenticate"), {"code": wrong_code()})
        assert CODES_LOCKED not in response.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": code_at(time.time())})

    assert CODES_LOCKED in response.content.decode()
    assert client.get(reverse("diary:week_current")).status_code == 302


def test_wrong_codes_are_not_counted_as_wrong_passwords(asha, alice, settings):
    # A network that may fail only six times: five wrong codes must leave it all six.
    per = f"{settings.LOGIN_LOCKOUT_MINUTES * 60}s"
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_network": f"6/{per}/ip"}
    client = at_second_step()
    for _ in range(settings.SECOND_FACTOR_FAILURES_ALLOWED):
        client.post(reverse("mfa_authenticate"), {"code": wrong_code()})

    for n in range(5):
        guess(f"someone-{n}@example.com", 1)

    assert logged_in(log_in("alice@example.com", PASSWORD))


def test_the_code_limit_lifts_after_its_time(asha, settings, time_machine):
    time_machine.move_to(NOW, tick=False)
    client = at_second_step()
    for _ in range(settings.SECOND_FACTOR_FAILURES_ALLOWED):
        client.post(reverse("mfa_authenticate"), {"code": wrong_code()})

    time_machine.shift(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1))
    client = at_second_step()
    client.post(reverse("mfa_authenticate"), {"code": code_at(time.time())})

    assert client.get(reverse("diary:week_current")).status_code == 200


@pytest.mark.parametrize("code", ["", " ", "abcdef", "1" * 5000, "<script>", "12345\x00"])
def test_a_hostile_code_is_refused(asha, code):
    client = at_second_step()

    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 200
    assert client.get(reverse("diary:week_current")).status_code == 302


# The settings ---------------------------------------------------------------------------------


def load_settings(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "clinic" / "settings.py"))


def test_no_proxy_is_trusted_unless_the_clinic_says_so(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)

    assert load_settings(monkeypatch)["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    assert load_settings(monkeypatch, TRUSTED_PROXY_COUNT="1")["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1


@pytest.mark.parametrize(
    "name, value",
    [
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("TRUSTED_PROXY_COUNT", "one"),
        ("LOGIN_FAILURES_PER_ADDRESS", "0"),
        ("LOGIN_FAILURES_ALLOWED", "0"),
        ("SECOND_FACTOR_FAILURES_ALLOWED", "-5"),
        ("LOGIN_LOCKOUT_MINUTES", "0"),
    ],
)
def test_a_bad_limit_stops_start_up_naming_it(monkeypatch, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(monkeypatch, **{name: value})
