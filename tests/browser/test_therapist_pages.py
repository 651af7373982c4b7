import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from therapists.models import Therapist

from ..factories import verified_therapist
from .helpers import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_picks_a_therapist_they_trust_and_goes_to_book(page, victor, sports):
    vera = verified_therapist("vera", by=victor, expires_on=timezone.localdate() + datetime.timedelta(days=300))
    Therapist.objects.filter(pk=vera.pk).update(
        bio="Sports massage for runners and climbers. Ten years in clinic, ex-physio assistant."
    )
    vera.session_types.add(sports)
    verified_therapist("omar", by=victor)

    page.goto("/therapists/")
    expect(page.get_by_role("link", name="Book with Vera Therapist")).to_be_visible()
    screenshot(page, f"therapist-list-{page.viewport_name}")
    assert_accessible(page)

    page.get_by_role("link", name="Vera Therapist", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vera Therapist")
    expect(page.get_by_text("Number CN-vera: checked on")).to_be_visible()
    expect(page.get_by_role("link", name="Search the CNHC register for Vera Therapist")).to_have_attribute(
        "href", "https://www.cnhc.org.uk/"
    )
    screenshot(page, f"therapist-page-{page.viewport_name}")
    assert_accessible(page)

    page.get_by_role("link", name="Book with Vera Therapist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Free times with Vera Therapist")
