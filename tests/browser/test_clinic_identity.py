import pytest
from playwright.sync_api import expect

from clinic.models import Clinic
from clinic.selectors import clinic_forget

from .helpers import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_on_any_page_sees_whose_clinic_it_is_and_can_tap_to_call(page, sports):
    Clinic.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Kate's Sports Massage",
            "street_address": "Unit 4, Mill Yard\n12 Canal Street",
            "town": "Leeds",
            "postcode": "LS1 4AB",
            "phone": "0113 496 0555",
            "email": "hello@kates.example",
            "opening_hours": "Monday to Friday 07:00 to 21:00\nWeekends 09:00 to 13:00",
            "map_url": "https://www.openstreetmap.org/",
            "cancellation_policy": "Free to change until 24 hours before.",
        },
    )
    clinic_forget()

    page.goto("/")

    expect(page).to_have_title("Book a massage · Kate's Sports Massage")
    header_phone = page.locator("header").get_by_role("link", name="Call the clinic on 0113 496 0555")
    expect(header_phone).to_be_visible()  # on a phone too: it sits outside the collapsed menu
    expect(header_phone).to_have_attribute("href", "tel:+441134960555")
    footer = page.locator("footer")
    expect(footer.get_by_text("12 Canal Street")).to_be_visible()
    expect(footer.get_by_role("link", name="NHS 111")).to_have_attribute("href", "tel:111")
    footer.get_by_text("Cancellation policy").click()
    expect(footer.get_by_text("Free to change until 24 hours before.")).to_be_visible()
    screenshot(page, f"clinic-identity-{page.viewport_name}")
    assert_accessible(page)
