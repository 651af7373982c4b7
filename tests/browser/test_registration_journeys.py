"""Real-browser journeys through the CNHC registration check, on a phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from therapists.models import Therapist
from therapists.services import registration
from therapists.services.profile import therapist_invite

from ..factories import make_therapist, make_user
from ..outbox import send_due_emails
from ..uploads import PDF, image_bytes
from .helpers import log_in, log_out, open_menu_if_collapsed, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    screenshot(page, f"registration-{name}-{page.viewport_name}")


def test_a_therapist_submits_an_admin_approves_and_clients_can_see_them(page, admin_user, sports, media_root):
    # The admin has added Tara's account as a therapist, and she has set up her authenticator app.
    therapist_invite(user=make_user("tara", first_name="Tara", last_name="Jones", second_factor=True))
    renewal = timezone.localdate() + datetime.timedelta(days=200)

    log_in(page, "tara")
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Your profile").click()
    page.get_by_role("link", name="Set up your profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your profile")
    page.get_by_label("Display name").fill("Tara Jones")
    page.get_by_label("Bio").fill("Club runner. I mostly see calves, heels and knees.")
    page.get_by_label("Photo").set_input_files(
        {"name": "tara.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (160, 160))}
    )
    page.get_by_label("Knee pain").check()
    page.get_by_label("Achilles tendon pain").check()
    page.get_by_label("Sports massage (60 minutes)").check()
    shot(page, "1-profile")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your CNHC registration")
    page.get_by_label("CNHC registration number").fill("  TJ 2026/77  ")
    page.get_by_label("Sports Massage").check()
    page.get_by_label("CNHC renewal date").fill(renewal.isoformat())
    page.get_by_label("Registration certificate").set_input_files(
        {"name": "cert.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("Other registers").fill("FHT 4411")
    shot(page, "2-registration")
    page.get_by_role("button", name="Send for a check").click()

    expect(page.get_by_text("Your registration details have been saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Registration: Awaiting check")).to_be_visible()
    expect(page.get_by_text("TJ 2026/77", exact=True)).to_be_visible()
    shot(page, "3-awaiting")
    log_out(page)

    page.goto("/therapists/")
    expect(page.get_by_text("No therapists can be booked right now.")).to_be_visible()

    log_in(page, "admin")
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Registration checks").click()
    expect(page.get_by_role("heading", name="Awaiting a check (1)")).to_be_visible()
    queue = page.get_by_role("list", name="Awaiting a check (1)")
    expect(queue.get_by_role("link", name="Search the CNHC register for Tara Jones")).to_have_attribute(
        "href", "https://www.cnhc.org.uk/"
    )
    expect(queue.get_by_role("link", name="Open the certificate of Tara Jones")).to_be_visible()
    shot(page, "4-queue")
    queue.get_by_role("link", name="Check Tara Jones").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Tara Jones")
    page.get_by_label("What you saw on the CNHC register").fill(
        "Tara Jones, Sports Massage, Leeds; registered, no conditions."
    )
    shot(page, "5-check")
    page.get_by_role("button", name="Approve registration").click()
    expect(page.get_by_text("Approved: Tara Jones can be booked until")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for a check.")).to_be_visible()
    shot(page, "6-approved")
    log_out(page)

    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Therapists").click()
    card = page.get_by_role("list", name="Therapists").get_by_role("listitem")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_have_text("Tara Jones")
    expect(card).to_contain_text("Knee pain, Achilles tendon pain")
    expect(card).to_contain_text("Sports massage")
    # The photo loads through its own view now that Tara is bookable.
    assert card.locator("img").evaluate("img => img.complete && img.naturalWidth") == 160
    shot(page, "7-public-list")

    therapist = Therapist.objects.get(user__username="tara")
    assert therapist.registration_events.latest("at").actor == admin_user
    assert [message.to for message in send_due_emails()] == [["tara@example.com"]]


def test_an_admin_rejects_and_the_therapist_sees_why(page, admin_user, media_root):
    tara = make_therapist("tara", display_name="Tara Jones")
    registration.registration_submit(
        therapist_id=tara.pk,
        submitted_by=tara.user,
        cnhc_number="TJ-1",
        disciplines=["sports_massage"],
        cnhc_renews_on=timezone.localdate() + datetime.timedelta(days=100),
        other_registers="",
    )

    log_in(page, "admin")
    page.goto(f"/therapists/checks/{tara.pk}/")
    page.get_by_role("button", name="Reject registration").click()
    expect(page.get_by_text("Give a reason: the therapist will see it.")).to_be_visible()
    shot(page, "8-reject-needs-reason")
    page.get_by_role("form", name="Reject").get_by_label("Reason (the therapist will see this)").fill(
        "The register shows no entry under TJ-1. Please check the number."
    )
    page.get_by_role("button", name="Reject registration").click()
    expect(page.get_by_text("Rejected: Tara Jones has been told why.")).to_be_visible()
    log_out(page)

    log_in(page, "tara")
    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", name="Registration: Rejected")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "The register shows no entry under TJ-1. Please check the number."
    )
    shot(page, "9-rejected")

    page.get_by_role("link", name="Correct your registration details").click()
    page.get_by_label("CNHC registration number").fill("TJ-11")
    page.get_by_role("button", name="Send for a check").click()
    expect(page.get_by_role("heading", name="Registration: Awaiting check")).to_be_visible()

    [rejection] = send_due_emails()
    assert "The register shows no entry under TJ-1" in rejection.body


def test_an_admin_suspends_a_verified_therapist_who_disappears_from_the_list(page, admin_user, media_root):
    tara = make_therapist("tara", display_name="Tara Jones")
    registration.registration_submit(
        therapist_id=tara.pk,
        submitted_by=tara.user,
        cnhc_number="TJ-1",
        disciplines=["sports_massage"],
        cnhc_renews_on=timezone.localdate() + datetime.timedelta(days=100),
        other_registers="",
    )
    registration.registration_approve(
        therapist_id=tara.pk,
        decided_by=admin_user,
        seen_on_register="Listed.",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )

    log_in(page, "tara")
    page.goto("/therapists/me/")
    expect(page.get_by_text("Clients can book you.")).to_be_visible()
    shot(page, "10-verified")
    log_out(page)

    log_in(page, "admin")
    page.goto(f"/therapists/checks/{tara.pk}/")
    page.get_by_text("Suspend", exact=True).click()  # the <summary> opens the form
    page.get_by_role("textbox", name="Reason (the therapist will see this)").fill(
        "Conditions now shown on the CNHC register."
    )
    shot(page, "11-suspend")
    page.get_by_role("button", name="Suspend registration").click()
    expect(page.get_by_text("Suspended: Tara Jones can no longer be booked.")).to_be_visible()
    expect(page.get_by_role("heading", name="Lift the suspension")).to_be_visible()
    shot(page, "12-suspended-admin")
    log_out(page)

    page.goto("/therapists/")
    expect(page.get_by_text("No therapists can be booked right now.")).to_be_visible()

    log_in(page, "tara")
    page.goto("/therapists/me/")
    expect(page.get_by_role("alert")).to_contain_text("Conditions now shown on the CNHC register.")
    expect(page.get_by_role("link", name="Edit registration")).to_have_count(0)
    shot(page, "13-suspended-therapist")
