"""Every account page a person sees speaks British English and never shows a username: the
address is the login, and the username allauth makes up from it is one the person never chose
(its stock pages say "an email address for user dana" and "finalize the signup process")."""

import html as html_lib
import re
import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from ..factories import PASSWORD, TOTP_SECRET, give_second_factor, make_user

pytestmark = pytest.mark.django_db

# What allauth would make from dana@example.com is "dana", which the address itself contains:
# these people carry usernames found nowhere else, so any sight of one is the username.
DANAS_USERNAME = "u7f3k2q"
ERINS_USERNAME = "x9zz1q"

AMERICAN_STEMS = (
    "apologiz",
    "authoriz",
    "categoriz",
    "customiz",
    "emphasiz",
    "finaliz",
    "initializ",
    "maximiz",
    "minimiz",
    "optimiz",
    "organiz",
    "personaliz",
    "prioritiz",
    "realiz",
    "recogniz",
    "specializ",
    "summariz",
    "synchroniz",
    "utiliz",
)
AMERICAN = re.compile(
    r"\b(?:(?:" + "|".join(AMERICAN_STEMS) + r")(?:e|es|ed|ing|ation|ations)|canceled|canceling)\b",
    re.IGNORECASE,
)


def what_a_person_reads(page: str) -> str:
    """The text of a page, with the attributes a screen reader or a browser shows."""
    shown = " ".join(re.findall(r'(?:alt|aria-label|placeholder|title)="([^"]*)"', page))
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", text) + " " + shown)


def wording_problems(page: str, username: str) -> list[str]:
    problems = [f"American spelling {word!r}" for word in AMERICAN.findall(what_a_person_reads(page))]
    if re.search(rf"\b{re.escape(username)}\b", page):
        problems.append(f"username {username!r} shown")
    return problems


def read(client, url: str, username: str = DANAS_USERNAME, *, redirects: int = 0) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    assert len(response.redirect_chain) == redirects, response.redirect_chain  # the page itself, not a detour
    page = response.content.decode()
    assert wording_problems(page, username) == [], (url, what_a_person_reads(page))
    return page


@pytest.fixture
def dana(db):
    return make_user(DANAS_USERNAME, email="dana@example.com", first_name="")


def reauthenticate(client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def code(steps_ahead: int = 0) -> str:
    # A code is accepted once only; the next step's code is accepted too (MFA_TOTP_TOLERANCE).
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30 + steps_ahead))


def test_the_check_catches_allauths_stock_wording():
    assert wording_problems("Follow the link provided to finalize the signup process.", "dana") == [
        "American spelling 'finalize'"
    ]
    assert wording_problems("<p>is an email address for user u7f3k2q.</p>", DANAS_USERNAME) == [
        "username 'u7f3k2q' shown"
    ]
    assert wording_problems('<img alt="Authorization">', "dana") == ["American spelling 'Authorization'"]
    assert wording_problems("<p>We recognise dana@example.com.</p>", "x9zz1q") == []


def test_the_pages_before_logging_in_are_in_british_english(client, dana):
    for name in (
        "account_login",
        "account_signup",
        "account_email_verification_sent",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key_done",
    ):
        read(client, reverse(name))


def test_the_confirm_email_page_names_the_address_and_not_a_made_up_username(client):
    erin = get_user_model().objects.create_user(username=ERINS_USERNAME, email="erin@example.com", password=PASSWORD)
    address = EmailAddress.objects.create(user=erin, email="erin@example.com", verified=False, primary=True)

    page = read(client, reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]), ERINS_USERNAME)

    assert "erin@example.com" in page
    assert "Yes, confirm it" in page
    read(client, reverse("account_confirm_email", args=["not-a-key"]), ERINS_USERNAME)


def test_the_emails_of_signing_up_and_resetting_name_no_username_and_spell_british(client):
    client.post(
        reverse("account_signup"),
        {"email": "erin@example.com", "password1": "erin-likes-long-runs", "password2": "erin-likes-long-runs"},
    )
    made_up = get_user_model().objects.get(email="erin@example.com").username
    confirmation = mail.outbox[-1].body
    assert "/accounts/confirm-email/" in confirmation
    assert re.search(rf"\b{re.escape(made_up)}\b", confirmation.replace("erin@example.com", "")) is None
    assert AMERICAN.search(confirmation) is None

    make_user(DANAS_USERNAME, email="dana@example.com")
    client.post(reverse("account_reset_password"), {"email": "dana@example.com"})
    reset = mail.outbox[-1].body
    assert "/accounts/password/reset/key/" in reset
    assert wording_problems(reset, DANAS_USERNAME) == []


def test_the_password_reset_link_pages_are_in_british_english(client, dana):
    key = default_token_generator.make_token(dana)

    # The key moves from the address to the session first, so it never leaks through a Referer.
    page = read(client, reverse("account_reset_password_from_key", args=[user_pk_to_url_str(dana), key]), redirects=1)
    assert "Choose a new password" in page
    page = read(client, reverse("account_reset_password_from_key", args=["zz", "not-a-key"]))
    assert "Link not valid" in page


def test_logging_in_says_so_without_a_username(client, dana):
    response = client.post(reverse("account_login"), {"login": "dana@example.com", "password": PASSWORD}, follow=True)

    page = response.content.decode()
    assert "You&#x27;re logged in." in page or "You're logged in." in page
    assert wording_problems(page, DANAS_USERNAME) == []


def test_the_account_pages_after_logging_in_are_in_british_english(client, dana):
    client.force_login(dana)
    for name in ("account_email", "account_change_password", "mfa_index", "account_reauthenticate", "account_logout"):
        read(client, reverse(name))

    reauthenticate(client)
    page = read(client, reverse("mfa_activate_totp"))
    assert "Authenticator code" in page


def test_the_second_factor_pages_are_in_british_english(client, dana):
    give_second_factor(dana)
    client.post(reverse("account_login"), {"login": "dana@example.com", "password": PASSWORD})
    page = read(client, reverse("mfa_authenticate"))
    assert "Enter your code" in page

    client.post(reverse("mfa_authenticate"), {"code": code()})
    read(client, reverse("mfa_index"))
    read(client, reverse("mfa_reauthenticate"))
    assert client.post(reverse("mfa_reauthenticate"), {"code": code(steps_ahead=1)}).status_code == 302
    read(client, reverse("mfa_generate_recovery_codes"))
    client.post(reverse("mfa_generate_recovery_codes"))
    page = read(client, reverse("mfa_view_recovery_codes"))
    assert "Unused codes" in page
    read(client, reverse("mfa_deactivate_totp"))
