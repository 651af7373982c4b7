"""On a phone: a client finds no times on the day she wants, joins the waitlist from the slot
list, a cancellation frees a time, the offer email arrives, and she takes it from its page:
the booking shows in My bookings."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, FreedTime, HealthScreen, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.services.booking_changes import booking_cancel
from bookings.waitlist import offers
from clinic.london import wall_clock_to_utc
from therapists.models import TimeOff

from ..factories import grant_clinic_diary, make_booking, make_user, make_waitlist_entry
from ..outbox import send_due_emails
from .helpers import answer_health_questions, assert_accessible, in_three_days, log_in, screenshot

# On the real clock (live_server); sending_all_day: offers go out whatever the hour the suite runs.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_waits_for_a_full_day_and_takes_the_time_a_cancellation_frees(
    page, asha, alice, sports, sending_all_day
):
    day = in_three_days()
    ten = wall_clock_to_utc(day, dt.time(10))
    # Asha's only hour that day (no buffer after it) is taken.
    asha.buffer_minutes = 0
    asha.save(update_fields=["buffer_minutes"])
    TimeOff.objects.create(therapist=asha, start=wall_clock_to_utc(day, dt.time(9)), end=ten)
    TimeOff.objects.create(
        therapist=asha, start=wall_clock_to_utc(day, dt.time(11)), end=wall_clock_to_utc(day, dt.time(17))
    )
    taken = make_booking(therapist=asha, session_type=sports, start=ten, client_name="Bob Jones")

    log_in(page, "alice")
    page.goto(f"/book/{sports.pk}/?therapist={asha.pk}&date={day.isoformat()}")
    expect(page.get_by_text("No free times on this day")).to_be_visible()
    page.get_by_role("link", name="Tell me if a time comes up").click()
    expect(page.get_by_role("heading", name="Tell me if a time comes up")).to_be_visible()
    expect(page.get_by_label("Therapist")).to_have_value(str(asha.pk))
    expect(page.locator("#id_first_day")).to_have_value(day.isoformat())
    screenshot(page, f"waitlist-join-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("You're on the waitlist.")).to_be_visible()
    expect(page.get_by_role("heading", name="Waitlist")).to_be_visible()
    screenshot(page, f"waitlist-my-bookings-{page.viewport_name}")

    booking_cancel(booking_id=taken.pk, now=timezone.now())
    later = timezone.now() + FreedTime.UNDO_DELAY
    assert offers.waitlist_run(now=later) == 1
    (offer_email,) = [m for m in send_due_emails(now=later) if m.to == [alice.email]]
    assert OutboundEmail.objects.get(kind=OutboundEmail.Kind.WAITLIST_OFFER).status == OutboundEmail.Status.SENT
    link = re.search(r"https?://[^/\s]+(/waitlist/offer/\S+/)", offer_email.body).group(1)

    page.goto(link)
    expect(page.get_by_role("heading", name="A time has come up")).to_be_visible()
    answer_health_questions(page)
    page.get_by_label("Mobile number").fill("07700 900123")
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).check()
    screenshot(page, f"waitlist-offer-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Take this time").click()
    expect(page.get_by_text("You're booked in.")).to_be_visible()

    booked = Booking.objects.get(start=ten, status=Booking.Status.CONFIRMED)
    assert booked.client == alice
    page.goto("/my-bookings/")
    expect(page.get_by_text("Sports massage with Asha Patel")).to_be_visible()
    screenshot(page, f"waitlist-booked-{page.viewport_name}")


def test_reception_sees_who_is_waiting_for_a_day_and_offers_one_a_time_by_hand(page, asha, alice, sports):
    grant_clinic_diary(make_user("rita", is_staff=True, first_name="Rita"))
    day = in_three_days()
    make_waitlist_entry(alice, sports, first_day=timezone.localdate(), last_day=day, joined_at=timezone.now())

    log_in(page, "rita")
    page.goto(f"/diary/clinic/{day.isoformat()}/")
    page.get_by_role("link", name="Waitlist").click()
    expect(page.get_by_role("heading", name="Waiting for a time this day")).to_be_visible()
    page.get_by_label("Free time").select_option(label="10:00")
    screenshot(page, f"waitlist-day-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Offer it")).click()

    expect(page.get_by_text(re.compile("Offered to .*We've emailed them"))).to_be_visible()
    expect(page.get_by_role("heading", name="Offers waiting for an answer")).to_be_visible()
    offer = WaitlistOffer.objects.get()
    assert offer.entry.client == alice and timezone.localtime(offer.hold.start).hour == 10


def test_a_returning_client_takes_an_offer_saying_nothing_has_changed(page, asha, alice, sports, sending_all_day):
    earlier = make_booking(
        therapist=asha,
        client=alice,
        session_type=sports,
        start=timezone.now() - dt.timedelta(days=20),
        status=Booking.Status.ATTENDED,
        client_phone="07700 900999",
    )
    HealthScreen.objects.create(
        booking=earlier,
        answered_yes=[],
        main_problem="shin_splints",
        preferred_pressure=4,
        consent_given_at=earlier.start,
    )
    ten = wall_clock_to_utc(in_three_days(), dt.time(10))
    booking_cancel(booking_id=make_booking(therapist=asha, session_type=sports, start=ten).pk, now=timezone.now())
    make_waitlist_entry(
        alice, sports, first_day=timezone.localdate(), last_day=in_three_days(), joined_at=timezone.now()
    )
    later = timezone.now() + FreedTime.UNDO_DELAY
    assert offers.waitlist_run(now=later) == 1
    (offer_email,) = [m for m in send_due_emails(now=later) if m.to == [alice.email]]
    link = re.search(r"https?://[^/\s]+(/waitlist/offer/\S+/)", offer_email.body).group(1)

    log_in(page, "alice")
    page.goto(link)
    expect(page.get_by_role("heading", name="Has anything changed?")).to_be_visible()
    page.get_by_label(re.compile("Nothing about my health has changed since my session on")).check()
    page.get_by_label(re.compile("I agree to the clinic keeping my health answers")).first.check()
    screenshot(page, f"waitlist-offer-returning-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Take this time").first.click()
    expect(page.get_by_text("You're booked in.")).to_be_visible()
    assert Booking.objects.get(start=ten, status=Booking.Status.CONFIRMED).client == alice


def test_a_guest_joins_without_an_account_and_confirms_the_place_by_its_link(page, sports):
    page.goto(f"/waitlist/join/?session_type={sports.pk}&date={in_three_days().isoformat()}")
    page.get_by_label("Name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    screenshot(page, f"waitlist-join-guest-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("we've emailed you a link to confirm your place")).to_be_visible()

    (confirm,) = send_due_emails()
    page.goto(re.search(r"https?://[^/\s]+(/waitlist/place/\S+/)", confirm.body).group(1))
    screenshot(page, f"waitlist-place-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm my place").click()
    expect(page.get_by_text("Thank you: your place is confirmed")).to_be_visible()
    assert WaitlistEntry.objects.get().confirmed_at is not None


def test_a_client_asks_for_an_earlier_time_and_moves_her_booking_to_it(page, asha, alice, sports, sending_all_day):
    later_day = in_three_days() + dt.timedelta(days=2)
    hers = make_booking(
        therapist=asha, client=alice, session_type=sports, start=wall_clock_to_utc(later_day, dt.time(15))
    )
    ten = wall_clock_to_utc(in_three_days(), dt.time(10))
    taken = make_booking(therapist=asha, session_type=sports, start=ten, client_name="Bob Jones")

    log_in(page, "alice")
    page.goto("/my-bookings/")
    page.get_by_role("link", name=re.compile("Earlier time?")).click()
    expect(page.get_by_role("heading", name="Tell me if an earlier time comes up")).to_be_visible()
    screenshot(page, f"waitlist-earlier-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Tell me").click()
    expect(page.get_by_text("We'll email you if an earlier time comes up")).to_be_visible()

    booking_cancel(booking_id=taken.pk, now=timezone.now())
    later = timezone.now() + FreedTime.UNDO_DELAY
    assert offers.waitlist_run(now=later) == 1
    (offer_email,) = [m for m in send_due_emails(now=later) if m.subject.startswith("A time has come up")]
    page.goto(re.search(r"https?://[^/\s]+(/waitlist/offer/\S+/)", offer_email.body).group(1))
    expect(page.get_by_role("button", name="Move my booking to this time")).to_be_visible()
    screenshot(page, f"waitlist-offer-earlier-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Move my booking to this time").click()
    expect(page.get_by_text(re.compile("Your booking has moved to"))).to_be_visible()
    hers.refresh_from_db()
    assert hers.start == ten
