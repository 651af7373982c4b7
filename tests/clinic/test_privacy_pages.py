"""The privacy notice and the cookie statement: reachable from every page's footer, in the
clinic's own details, and the cookie list is exactly the cookies the site sets."""

import pytest
from django.urls import reverse

from clinic.views import site_cookies

from ..clock import at, days_from_now
from ..factories import PASSWORD, details_url, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_every_page_links_to_the_privacy_notice_and_the_cookies(client):
    page = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("privacy")}"' in page
    assert f'href="{reverse("cookies")}"' in page


def test_the_privacy_notice_names_the_controller_retention_rights_and_the_ico(client, settings):
    page = client.get(reverse("privacy")).content.decode()

    assert "1 High Street" in page  # the clinic's own details (an admin edits them)
    assert f"kept for {settings.CLINICAL_RECORD_RETENTION_YEARS} years after your last session" in page
    assert "ico.org.uk" in page
    assert reverse("my_data") in page


def test_the_cookie_statement_lists_every_cookie_the_site_sets_and_no_other(client, asha, sports, alice):
    seen = set()

    def visit(response):
        seen.update(response.cookies.keys())
        return response

    visit(client.get(reverse("home")))
    visit(client.get(details_url(sports) + f"?therapist={asha.pk}&start={at(days_from_now(6), '10:00').isoformat()}"))
    visit(client.post(details_url(sports), form_data(asha, at(days_from_now(6), "10:00"))))
    visit(client.post(reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}))
    visit(client.get(reverse("my_bookings")))
    visit(client.post(reverse("account_logout")))

    listed = {name for name, _, _ in site_cookies()}
    assert seen <= listed
    assert {"sessionid", "csrftoken", "messages"} <= seen
    page = client.get(reverse("cookies")).content.decode()
    assert all(f"<code>{name}</code>" in page for name in listed)
