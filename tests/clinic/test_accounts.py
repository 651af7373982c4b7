"""Client accounts: sign up, verify the address, reset a password, and find every booking
made with that address, guest ones included, but only once the address is verified."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from bookings.models import Booking

from ..clock import NOW
from ..factories import PASSWORD, make_booking, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-long-passphrase"


def sign_up(client, email="dana@example.com"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": "dana-likes-long-runs", "password2": "dana-likes-long-runs"},
    )


def link_in_last_email(pattern: str) -> str:
    body = mail.outbox[-1].body
    found = re.search(rf"https?://[^/\s]+({pattern})", body)
    assert found, body
    return found.group(1)


def test_signing_up_asks_to_verify_the_address_and_does_not_log_in_until_then(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert mail.outbox[-1].to == ["dana@example.com"]
    assert client.get(reverse("my_bookings")).status_code == 302  # not logged in yet
    assert not EmailAddress.objects.get(email="dana@example.com").verified


def test_the_emailed_link_verifies_only_when_its_page_is_confirmed(client):
    sign_up(client)
    link = link_in_last_email(r"/accounts/confirm-email/[-:\w]+/")

    # A mail scanner opening the link changes nothing.
    assert client.get(link).status_code == 200
    assert client.head(link).status_code in (200, 405)
    assert not EmailAddress.objects.get(email="dana@example.com").verified

    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="dana@example.com").verified


def test_a_verified_client_sees_every_booking_made_with_her_address_including_guest_ones(client, asha):
    guest_booking = make_booking(therapist=asha, client_email="Dana@Example.com", client_name="Dana")
    someone_else = make_booking(
        therapist=asha, client_email="erin@example.com", start=guest_booking.start + dt.timedelta(hours=2)
    )
    sign_up(client)

    client.post(link_in_last_email(r"/accounts/confirm-email/[-:\w]+/"))

    dana = get_user_model().objects.get(email="dana@example.com")
    assert list(Booking.objects.filter(client=dana)) == [guest_booking]
    page = client.get(reverse("my_bookings")).content.decode()
    assert "Sports massage with Asha Patel" in page, page[page.find("<main") :]
    someone_else.refresh_from_db()
    assert someone_else.client is None


def test_an_unverified_account_sees_no_guest_bookings_made_with_its_address(client, asha):
    make_booking(therapist=asha, client_email="dana@example.com")
    sign_up(client)
    dana = get_user_model().objects.get(email="dana@example.com")

    assert not Booking.objects.filter(client=dana).exists()


def test_a_guest_booking_made_after_verification_is_neither_listed_nor_linked(client, alice, asha):
    # Anyone can type Alice's address (or staff write it in): only the link says whose a
    # booking is, so this one stays a guest booking, reached through its emails' links.
    later = make_booking(therapist=asha, client_email="ALICE@example.com")
    client.force_login(alice)

    assert "Sports massage with Asha Patel" not in client.get(reverse("my_bookings")).content.decode()
    later.refresh_from_db()
    assert later.client is None


def test_my_bookings_lists_nothing_for_an_address_the_account_has_not_verified(client, alice, asha):
    EmailAddress.objects.create(user=alice, email="alice.work@example.com", verified=False)
    make_booking(therapist=asha, client_email="alice.work@example.com")
    client.force_login(alice)

    assert "Nothing booked" in client.get(reverse("my_bookings")).content.decode()


@pytest.mark.parametrize("key", ["forged", "MQ:1abcde:invalidsignature0000000000000000000"])
def test_a_forged_verification_link_says_so_and_verifies_nothing(client, key):
    sign_up(client)

    response = client.post(f"/accounts/confirm-email/{key}/")

    assert response.status_code in (200, 302, 404)
    if response.status_code == 200:
        assert "expired or is invalid" in response.content.decode()
    assert not EmailAddress.objects.get(email="dana@example.com").verified


def test_a_password_reset_by_emailed_link_sets_a_new_password(client, alice):
    client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    link = link_in_last_email(r"/accounts/password/reset/key/[-\w]+/")

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_a_forged_reset_link_says_so_and_changes_nothing(client, alice):
    response = client.get("/accounts/password/reset/key/1-set-password/", follow=True)

    assert response.status_code == 200
    assert "invalid" in response.content.decode().lower()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response.status_code == 302  # the same answer as for a known address


def test_the_login_asks_for_an_email_not_a_username(client):
    page = client.get(reverse("account_login")).content.decode()

    assert 'type="email"' in page
    assert "Username" not in page


def test_a_client_logs_in_with_her_email_and_password(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("my_bookings")).status_code == 200


def test_changing_the_password_needs_the_current_one(client, alice):
    client.force_login(alice)

    refused = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert refused.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)

    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_an_account_page_shows_in_the_sites_layout(client, alice):
    client.force_login(alice)

    page = client.get(reverse("account_email")).content.decode()

    assert 'id="main-nav"' in page
    assert "Two-step login" in page


def test_make_user_helper_gives_a_verified_address():
    user = make_user("zed")

    assert EmailAddress.objects.get(user=user).verified


def test_a_verification_link_older_than_three_days_verifies_nothing(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    sign_up(client)
    link = link_in_last_email(r"/accounts/confirm-email/[-:\w]+/")

    time_machine.shift(dt.timedelta(days=4))
    response = client.post(link)

    assert response.status_code in (200, 404)
    assert not EmailAddress.objects.get(email="dana@example.com").verified


def test_a_reset_link_older_than_three_days_sets_no_password(client, alice, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    link = link_in_last_email(r"/accounts/password/reset/key/[-\w]+/")

    time_machine.shift(dt.timedelta(days=4))
    page = client.get(link, follow=True)
    target = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(target, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert "invalid" in page.content.decode().lower()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_changed_password_is_told_to_the_account_in_plain_unescaped_text(client, alice):
    client.force_login(alice)

    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_USER_AGENT="Dana's phone & browser",
    )

    notice = mail.outbox[-1]
    assert notice.to == ["alice@example.com"]
    assert "Browser: Dana's phone & browser" in notice.body
