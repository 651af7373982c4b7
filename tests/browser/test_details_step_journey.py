"""The booking's details on a phone, in two steps: the health screen, then who is coming and
their agreement. Questions that only matter after an answer appear after it (every one without
JavaScript), a step sent with mistakes starts at a summary that links to each field, a returning
client says whether their history has changed, and "Change your health answers" keeps what was
typed. Each page's height is measured for a first-time client answering "none" and for a
returning one."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingRules, HealthScreen
from clinic.london import wall_clock_to_utc

from ..factories import make_booking
from .conftest import VIEWPORTS
from .helpers import assert_accessible, choose_a_time, continue_to_details, in_three_days, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each step's height on a 390 px phone, header and footer included (the targets: a
# first-time client at most 2,000 px, a returning one at most 1,200 px).
FIRST_TIME_MOST_PX = 2_000
RETURNING_MOST_PX = 1_200
HEALTH_SECTIONS = (
    "Right now, do you have any of these?",
    "About the pain or problem you are coming in with: do any of these apply?",
    "Do any of these apply to you?",
)


def page_height(page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


def answer_none(page, sections=HEALTH_SECTIONS) -> None:
    for legend in sections:
        page.get_by_role("group", name=legend).get_by_label("None of these").check()


def test_a_first_time_client_answers_health_then_details_each_page_short(page, asha, sports):
    BookingRules.load()
    choose_a_time(page, in_three_days(), "10:00")
    expect(page.get_by_role("navigation", name="Booking steps")).to_have_text("Step 2 of 3: your health")
    trimester = page.get_by_label("If you are pregnant: which trimester are you in?")
    doctor = page.get_by_label("I have my doctor's agreement to have massage")
    expect(trimester).to_be_hidden()
    expect(doctor).to_be_hidden()

    history = page.get_by_role("group", name="Do any of these apply to you?")
    history.get_by_label("You are pregnant").check()
    expect(trimester).to_be_visible()
    expect(doctor).to_be_visible()
    trimester.select_option(label="Second (weeks 13-27)")
    history.get_by_label("You are pregnant").uncheck()
    expect(trimester).to_be_hidden()
    expect(trimester).to_have_value("")  # an answer nobody can see is not sent

    answer_none(page)
    page.get_by_label("What would you like help with?").select_option(label="Shin splints")
    health_height = page_height(page)
    screenshot(page, "details-health-first-time-phone")
    assert_accessible(page)
    continue_to_details(page)

    age = page.get_by_role("group", name="Are you 18 or over?")
    age.get_by_label("No").check()
    expect(page.get_by_label("Your date of birth")).to_be_visible()
    expect(page.get_by_label("If you are under 16: your parent or guardian's name")).to_be_visible()
    age.get_by_label("Yes").check()
    expect(page.get_by_label("Your date of birth")).to_be_hidden()
    page.get_by_label("Your name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Mobile number").fill("07700 900456")
    page.get_by_label("I agree to the clinic keeping my health answers", exact=False).check()
    details_height = page_height(page)
    screenshot(page, "details-about-you-first-time-phone")
    assert_accessible(page)
    print(f"first-time: health step {health_height} px, details step {details_height} px")
    assert health_height <= FIRST_TIME_MOST_PX
    assert details_height <= FIRST_TIME_MOST_PX

    # Back to the health answers and on again: nothing typed on either page is lost.
    page.get_by_role("button", name="Change your health answers").click()
    expect(
        page.get_by_role("group", name="Do any of these apply to you?").get_by_label("None of these")
    ).to_be_checked()
    expect(page.get_by_label("What would you like help with?")).to_have_value("shin_splints")
    continue_to_details(page)
    expect(page.get_by_label("Your name")).to_have_value("Gina Guest")

    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("You're booked in.")).to_be_visible()
    assert Booking.objects.get().client_email == "gina@example.com"


def test_mistakes_on_each_step_start_at_a_summary_that_takes_focus_and_links_to_each_field(page, asha, sports):
    BookingRules.load()
    choose_a_time(page, in_three_days(), "10:00")
    page.get_by_role("button", name="Continue").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(4)  # three health sections and the problem
    screenshot(page, "details-health-mistakes-phone")
    assert_accessible(page)
    summary.get_by_role("link", name="Choose what you would like help with.").click()
    expect(page.get_by_label("What would you like help with?")).to_be_focused()

    answer_none(page)
    page.get_by_label("What would you like help with?").select_option(label="Shin splints")
    continue_to_details(page)
    expect(page.get_by_role("alert")).to_have_count(0)  # nothing on this page answered wrong yet
    page.get_by_role("button", name="Confirm booking").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(5)  # name, email, phone, age, agreement
    screenshot(page, "details-about-you-mistakes-phone")
    assert_accessible(page)
    summary.get_by_role("link", name="Enter your name.").click()
    expect(page.get_by_label("Your name")).to_be_focused()
    assert not Booking.objects.exists()


def test_without_javascript_every_question_is_shown_and_the_booking_is_made(browser, live_server, asha, sports):
    BookingRules.load()
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False, **VIEWPORTS["phone"]
    )
    page = context.new_page()
    start = wall_clock_to_utc(in_three_days(), dt.time(10))
    page.goto(f"/book/{sports.pk}/details/?{urlencode({'therapist': asha.pk, 'start': start.isoformat()})}")
    expect(page.get_by_label("If you are pregnant: which trimester are you in?")).to_be_visible()
    expect(page.get_by_label("I have my doctor's agreement to have massage")).to_be_visible()
    screenshot(page, "details-no-javascript-phone")
    answer_none(page)
    page.get_by_label("What would you like help with?").select_option(label="Shin splints")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_label("Your date of birth")).to_be_visible()
    page.get_by_role("group", name="Are you 18 or over?").get_by_label("Yes").check()
    page.get_by_label("Your name").fill("Nora Nojs")
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Mobile number").fill("07700 900321")
    page.get_by_label("I agree to the clinic keeping my health answers", exact=False).check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("You're booked in.")).to_be_visible()
    assert Booking.objects.get().client_email == "nora@example.com"
    context.close()


def test_a_returning_client_confirms_nothing_has_changed_and_answers_todays_questions(page, asha, alice, sports):
    BookingRules.load()
    before = make_booking(
        client=alice,
        therapist=asha,
        session_type=sports,
        start=timezone.now() - dt.timedelta(days=20),
        client_phone="07700 900123",
        status=Booking.Status.ATTENDED,
    )
    HealthScreen.objects.create(
        booking=before, answered_yes=[], main_problem="achilles", preferred_pressure=4, consent_given_at=before.start
    )
    log_in(page, "alice")
    choose_a_time(page, in_three_days(), "10:00")

    question = page.get_by_role("group", name="has anything changed in your health history", exact=False)
    expect(question).to_contain_text("You told us then")
    expect(page.get_by_text("You would like help with: Achilles tendon pain. Open to change it.")).to_be_visible()
    expect(page.get_by_label("What would you like help with?")).to_have_value("achilles")  # folded
    history = page.get_by_role("group", name="Do any of these apply to you?")
    expect(history).to_be_hidden()
    question.get_by_label("No", exact=True).check()
    expect(history).to_be_hidden()
    answer_none(page, HEALTH_SECTIONS[:2])
    health_height = page_height(page)
    screenshot(page, "details-health-returning-phone")
    assert_accessible(page)
    continue_to_details(page)

    expect(page.get_by_text("Alice, alice@example.com, 07700 900123. Open to change them.")).to_be_visible()
    page.get_by_label("I agree to the clinic keeping my health answers", exact=False).check()
    details_height = page_height(page)
    screenshot(page, "details-about-you-returning-phone")
    assert_accessible(page)
    print(f"returning: health step {health_height} px, details step {details_height} px")
    assert health_height <= RETURNING_MOST_PX
    assert details_height <= RETURNING_MOST_PX

    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("You're booked in.")).to_be_visible()
    latest = HealthScreen.objects.exclude(booking=before).get()
    assert latest.answered_yes == [] and latest.main_problem == "achilles"
