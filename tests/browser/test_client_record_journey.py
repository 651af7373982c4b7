"""A therapist on a tablet writes a session's notes, marking the body chart by tapping it and
with the keyboard, opens the client's record, and amends the notes the next day, giving the
reason the locked notes ask for. Without JavaScript, on a phone, the body chart is a plain
checkbox list that works."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, HealthScreen, SessionNote, SessionNoteAmendment, TreatmentConsent
from bookings.records.outcome_scores import Ratings, outcome_scores_record

from ..factories import make_booking
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_writes_notes_reads_the_record_and_amends_them_next_day(tablet_page, asha, alice, sports):
    page = tablet_page
    earlier = make_booking(
        therapist=asha,
        client=alice,
        session_type=sports,
        start=timezone.now() - dt.timedelta(days=14),
        status="attended",
    )
    SessionNote.objects.create(
        booking=earlier,
        areas_worked=["back-calf-left"],
        areas_to_avoid=["front-shin-left"],  # a bruise
        pressure_used=7,
        problem="achilles",
        written_by=asha.user,
        written_at=timezone.now() - dt.timedelta(days=14),
    )
    today = make_booking(
        therapist=asha, client=alice, session_type=sports, start=timezone.now() - dt.timedelta(hours=2)
    )
    HealthScreen.objects.create(
        booking=today, main_problem="achilles", notes="Right heel, mornings", consent_given_at=timezone.now()
    )

    for booking, pain, stairs in ((earlier, 7, 3), (today, 4, 6)):
        outcome_scores_record(
            booking=booking,
            taken="booking",
            ratings=Ratings(pain=pain, activities=(("climbing stairs", stairs),)),
            now=booking.start - dt.timedelta(days=1),
        )

    log_in(page, "asha")
    page.goto(f"/bookings/{today.pk}/complete/")
    expect(page.get_by_text("Pressure guide for Achilles pain")).to_be_visible()
    # Notes before the client's consent to treatment: refused, nothing saved.
    page.get_by_role("button", name="Save and mark attended").click()
    expect(page.get_by_text("Confirm the client's consent to treatment first").first).to_be_visible()
    assert Booking.objects.get(pk=today.pk).status == Booking.Status.CONFIRMED
    screenshot(page, "notes-form-consent-first-tablet")
    page.get_by_label(TreatmentConsent.WORDING).check()
    page.get_by_role("button", name="Confirm consent").click()
    expect(page.get_by_text("Consent to treatment recorded.")).to_be_visible()
    expect(page.get_by_test_id("consent-recorded")).to_contain_text("Confirmed by Asha Patel")
    worked = page.get_by_role("group", name="Areas worked: body chart")
    avoid = page.get_by_role("group", name="Areas to avoid next time: body chart")
    # Achilles pain marks both calves worked and both tendons to avoid; the last session's area
    # to avoid carries over (the shin, since split in two, as both its regions).
    expect(worked.get_by_role("checkbox", checked=True)).to_have_count(2)
    for region in ("Front of the shin (muscle), left", "Inner edge of the shin bone, left", "Achilles tendon, right"):
        expect(avoid.get_by_role("checkbox", name=region)).to_be_checked()
    expect(
        page.get_by_text(
            "Marked: Front of the shin (muscle), left; Inner edge of the shin bone, left; "
            "Achilles tendon, left; Achilles tendon, right"
        )
    ).to_be_visible()
    worked.get_by_role("checkbox", name="Hamstring, right").click()
    expect(worked.get_by_role("checkbox", name="Hamstring, right")).to_be_checked()
    # From the keyboard: the next region in the tab order is the left calf; Space unmarks it.
    page.keyboard.press("Tab")
    expect(worked.get_by_role("checkbox", name="Calf, left")).to_be_focused()
    page.keyboard.press("Space")
    expect(worked.get_by_role("checkbox", name="Calf, left")).not_to_be_checked()
    expect(page.get_by_text("Marked: Hamstring, right; Calf, right")).to_be_visible()
    screenshot(page, "notes-form-body-chart-tablet")
    page.get_by_label("Pressure used (0-10)").select_option("9")
    page.get_by_role("button", name="Save and mark attended").click()
    expect(page.get_by_text("9/10 is firm for Achilles pain").first).to_be_visible()
    # The list stays one tap away, and mirrors the figure.
    worked_list = page.locator(".body-chart-list").first
    worked_list.get_by_text("Choose from a list").click()
    expect(worked_list.get_by_label("Hamstring, right")).to_be_visible()
    expect(worked_list.get_by_label("Hamstring, right")).to_be_checked()
    expect(worked_list.get_by_label("Calf, left")).not_to_be_checked()
    assert_accessible(page)
    screenshot(page, "notes-form-pressure-reason-tablet")
    page.get_by_label("Pressure used (0-10)").select_option("5")
    page.get_by_label("What you found").fill("Right calf tight and tender mid-belly; tendon not touched.")
    page.get_by_label("Techniques used").fill("Effleurage, then slow petrissage to both calves.")
    page.get_by_label("The client's response").fill("Eased; heel raise pain-free at the end.")
    page.get_by_label("Advice given").fill("Flat runs only for a week; calf raises daily.")
    page.get_by_label("Advice given").scroll_into_view_if_needed()
    screenshot(page, "notes-form-written-notes-tablet")
    page.get_by_role("button", name="Save and mark attended").click()
    expect(page.get_by_text("Alice: attended.")).to_be_visible()
    note = SessionNote.objects.get(booking=today)
    assert note.findings == "Right calf tight and tender mid-belly; tendon not touched."
    assert (note.areas_worked, note.areas_to_avoid) == (
        ["back-hamstring-right", "back-calf-muscle-right"],
        ["front-shin-muscle-left", "front-shin-edge-left", "back-achilles-left", "back-achilles-right"],
    )

    page.goto(f"/bookings/{today.pk}/")
    page.get_by_role("link", name="Alice's record: every session, notes and check-ins").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice: client record")
    chart = page.get_by_role("img", name="Outcome scores, 0 to 10, by date")
    expect(chart).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Pain: 7 on")).to_contain_text(
        "a meaningful change for the better"
    )
    expect(page.get_by_role("listitem").filter(has_text="climbing stairs: 3 on")).to_contain_text("up 3 points")
    sessions = page.get_by_role("article")
    expect(sessions).to_have_count(2)
    expect(sessions.first).to_contain_text("Right heel, mornings")
    expect(sessions.first).to_contain_text("Consent to treatment: confirmed by Asha Patel")
    expect(sessions.first).to_contain_text("Effleurage, then slow petrissage to both calves.")
    expect(sessions.first).to_contain_text("Flat runs only for a week; calf raises daily.")
    expect(sessions.nth(1)).to_contain_text("7/10")
    expect(sessions.first.get_by_role("figure")).to_contain_text(
        "Worked: Hamstring, right; Calf, right To avoid: Front of the shin (muscle), left; "
        "Inner edge of the shin bone, left; Achilles tendon, left; Achilles tendon, right"
    )
    assert_accessible(page)
    screenshot(page, "client-record-tablet")

    # The next day: the notes are locked against silent edits.
    SessionNote.objects.filter(booking=today).update(written_at=timezone.now() - dt.timedelta(hours=25))
    sessions.first.get_by_role("link", name="Amend these notes").click()
    expect(page.get_by_text("Written more than 24 hours ago: a change needs a reason.")).to_be_visible()
    page.get_by_label("Pressure used (0-10)").select_option("4")
    # The bruise has gone: unmark the shin's edge on the chart.
    page.get_by_role("group", name="Areas to avoid next time: body chart").get_by_role(
        "checkbox", name="Inner edge of the shin bone, left"
    ).click()
    page.get_by_role("button", name="Save the amendment").click()
    expect(page.get_by_text("say why you are changing them").first).to_be_visible()
    assert SessionNote.objects.get(booking=today).pressure_used == 5
    screenshot(page, "notes-amend-needs-reason-tablet")

    page.get_by_label("Why are you changing them?").fill("Recorded 5; it was 4, as the client asked.")
    page.get_by_role("button", name="Save the amendment").click()
    expect(page.get_by_text("Notes amended.")).to_be_visible()
    latest = page.get_by_role("article").first
    expect(latest).to_contain_text("Amended by Asha Patel")
    expect(latest).to_contain_text("5/10 → 4/10")
    expect(latest).to_contain_text(
        "Front of the shin (muscle), left; Inner edge of the shin bone, left; Achilles tendon, left; "
        "Achilles tendon, right → Front of the shin (muscle), left; Achilles tendon, left; Achilles tendon, right"
    )
    expect(latest).to_contain_text("Why: Recorded 5; it was 4, as the client asked.")
    assert_accessible(page)
    screenshot(page, "client-record-amended-tablet")
    assert SessionNoteAmendment.objects.get().changes == {
        "pressure_used": [5, 4],
        "areas_to_avoid": [
            ["front-shin-muscle-left", "front-shin-edge-left", "back-achilles-left", "back-achilles-right"],
            ["front-shin-muscle-left", "back-achilles-left", "back-achilles-right"],
        ],
    }
    assert Booking.objects.get(pk=today.pk).status == Booking.Status.ATTENDED


def test_without_javascript_the_body_chart_is_a_checkbox_list(phone_page_without_javascript, asha, alice, sports):
    page = phone_page_without_javascript
    booking = make_booking(
        therapist=asha, client=alice, session_type=sports, start=timezone.now() - dt.timedelta(hours=2)
    )
    log_in(page, "asha")
    page.goto(f"/bookings/{booking.pk}/complete/")
    page.get_by_label(TreatmentConsent.WORDING).check()
    page.get_by_role("button", name="Confirm consent").click()
    # The figure shows what is marked but is not a control; the list is open and does the work.
    expect(page.get_by_role("group", name="Areas worked: body chart")).to_have_count(0)
    page.get_by_role("group", name="Areas worked").get_by_label("Knee, left").check()
    page.get_by_role("group", name="Areas to avoid next time").get_by_label("Knee, right").check()
    page.get_by_label("The client's problem").select_option("knee_pain")
    # No axe scan here: it runs as a script, which this page refuses. The same list is scanned,
    # opened, in the journey above.
    screenshot(page, "notes-form-body-chart-no-javascript-phone")
    page.get_by_role("button", name="Save and mark attended").click()
    expect(page.get_by_text("Alice: attended.")).to_be_visible()
    note = SessionNote.objects.get(booking=booking)
    assert (note.areas_worked, note.areas_to_avoid) == (["front-knee-left"], ["front-knee-right"])
