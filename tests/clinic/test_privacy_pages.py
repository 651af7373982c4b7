"""The privacy notice and the cookie statement: reachable from every page's footer, in the
clinic's own details, and the cookie list is exactly the cookies the site sets."""

import re

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


def notice_text(client) -> str:
    html = client.get(reverse("privacy")).content.decode()
    return re.sub(r"\s+", " ", html[html.find("<main") : html.find("</main>")])


def test_the_privacy_notice_names_the_controller_retention_rights_and_the_ico(client, settings):
    page = client.get(reverse("privacy")).content.decode()

    assert "1 High Street" in page  # the clinic's own details (an admin edits them)
    assert "ico.org.uk" in page
    assert reverse("my_data") in page


def test_the_notice_says_which_lawful_basis_covers_what(client):
    page = notice_text(client)

    booking = page[page.index("<dt>Your booking details") : page.index("<dt>Your health answers")]
    assert "Basis: our contract with you" in booking
    health = page[page.index("<dt>Your health answers") : page.index("<dt>Aftercare emails")]
    assert "explicit consent" in health and "Article 9(2)(a)" in health
    marketing = page[page.index("<dt>&ldquo;Time to book again?") : page.index("<dt>An account")]
    assert "Basis: your consent" in marketing and "PECR" in marketing
    assert "Basis: our legitimate interests" in page
    assert "Basis: legal obligation" in page


def test_the_notice_does_not_call_massage_therapists_health_professionals(client):
    page = notice_text(client)

    # Said only to explain why the health-professional condition is not the one relied on.
    assert "Sports massage therapists are not &ldquo;health professionals&rdquo;" in page
    assert page.count("health professional") == 2
    assert "as records a health professional must keep" not in page


def test_the_notice_says_what_happens_to_a_client_who_will_not_give_health_answers(client):
    page = notice_text(client)

    assert "a condition of booking a massage" in page
    assert "the booking form will not go through, and nothing you typed into it is kept" in page
    assert "You can still phone or email us" in page


def test_the_notice_says_a_booking_joins_an_account_only_once_its_address_is_confirmed(client):
    page = notice_text(client)

    assert "once you have confirmed that the booking's email address is yours" in page
    assert "typing someone's email address into a form never shows anyone their bookings" in page


def test_the_notice_gives_every_retention_period_from_the_clinics_settings(client, settings):
    settings.CLINICAL_RECORD_RETENTION_YEARS = 9
    settings.NON_CLINICAL_RETENTION_DAYS = 400
    settings.OUTBOX_RETENTION_DAYS = 90
    settings.ACCESS_LOG_RETENTION_YEARS = 1

    page = notice_text(client)

    assert "kept for 9 years after your last attended session" in page
    assert "whether or not you ask us for anything" in page
    assert "erased 400 days after the booking's date" in page
    assert "deleted 90 days after it was sent" in page
    assert "deleted 1 year after the look" in page  # one year, not "1 years"


def test_a_period_the_clinic_has_not_set_is_worded_without_a_number(client, settings):
    del settings.NON_CLINICAL_RETENTION_DAYS
    del settings.OUTBOX_RETENTION_DAYS

    page = notice_text(client)

    assert "erased after a shorter period the clinic sets" in page
    assert "deleted after a period the clinic sets" in page
    assert "None" not in page


def test_the_notice_says_held_records_are_restricted(client):
    page = notice_text(client)

    assert "A held record is restricted" in page
    assert "who must give a reason, which is recorded" in page


def test_the_notices_sections_are_reachable_from_its_contents_by_their_own_headings(client):
    html = client.get(reverse("privacy")).content.decode()

    contents = html[html.index('<nav aria-label="On this page"') :]
    targets = re.findall(r'<a href="#([-a-z]+)">', contents[: contents.index("</nav>")])
    assert len(targets) == 9
    for target in targets:
        assert re.search(rf'<h2 class="[^"]*" id="{target}">', html), target
        assert f'aria-labelledby="{target}"' in html


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
