"""The waitlist: joining, an offer of freed time held by the database after the undo delay,
quiet hours, and the answers (take it, say no, no answer) from the offer's page."""

import datetime
import uuid

import pytest
from django.urls import reverse

from bookings.diary.services import time_off_add, time_off_delete, working_hours_set
from bookings.messaging import email_content
from bookings.messaging.tokens import offer_link_issue
from bookings.models import (
    Booking,
    BookingRules,
    FreedTime,
    HealthScreen,
    OutboundEmail,
    WaitlistEntry,
    WaitlistOffer,
)
from bookings.services.booking import SlotNotFree
from bookings.services.booking_changes import booking_cancel
from bookings.slots.availability import WeeklyHours
from bookings.waitlist import answers, offers
from bookings.waitlist.entries import WaitlistError, entry_join, entry_join_earlier
from clinic.emails import render_email
from clinic.london import LONDON

from ..clock import NOW, at, days_from_now
from ..factories import (
    book,
    form_data,
    make_bookable_therapist,
    make_booking,
    make_session_type,
    make_user,
    make_waitlist_entry,
    make_waitlist_offer,
    make_working_hours,
)
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)
TEN = at(TUESDAY, "10:00")
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def gill(db):
    return make_bookable_therapist("gill")


@pytest.fixture
def freed_ten(gill, sports):
    """Gill's 10:00 on Tuesday, booked and then cancelled at NOW."""
    make_working_hours(gill)
    booking = book(sports, gill, TEN)
    booking_cancel(booking_id=booking.pk, now=NOW)
    return booking


def test_joining_refuses_what_can_never_be_offered_and_changes_nothing(alice, sports, gill, asha):
    today = NOW.astimezone(LONDON).date()
    join = {
        "client": alice,
        "session_type_id": sports.pk,
        "therapist_id": None,
        "windows": ["morning"],
        "notice_hours": 2,
        "now": NOW,
    }
    for first, last, windows, message in [
        (today - datetime.timedelta(days=1), today, ["morning"], "The first day has passed"),
        (today + datetime.timedelta(days=3), today, ["morning"], "before the first"),
        (today, today + datetime.timedelta(days=400), ["morning"], "We take bookings up to"),
        (today, today, [], "at least one part of the day"),
    ]:
        with pytest.raises(WaitlistError, match=message):
            entry_join(**{**join, "first_day": first, "last_day": last, "windows": windows})
    asha.session_types.set([make_session_type("Relaxation massage", offered_by_all=False)])
    with pytest.raises(WaitlistError, match="does not offer this session"):
        entry_join(**{**join, "therapist_id": asha.pk, "first_day": today, "last_day": today})
    assert not WaitlistEntry.objects.exists()


def test_a_cancelled_time_is_offered_after_the_undo_delay_and_held_for_the_first_to_join(
    freed_ten, alice, sports, gill
):
    bob = make_user("bobby", email="bobby@example.com")
    first = make_waitlist_entry(alice, sports, joined_at=NOW - datetime.timedelta(days=2))
    make_waitlist_entry(bob, sports, joined_at=NOW - datetime.timedelta(days=1))
    assert FreedTime.objects.filter(therapist=gill, start=TEN).exists()

    assert offers.waitlist_run(now=NOW + 2 * MINUTE) == 0  # an undo still has a minute
    assert offers.waitlist_run(now=NOW + 3 * MINUTE) == 1

    offer = WaitlistOffer.objects.get()
    assert offer.entry == first and offer.status == WaitlistOffer.Status.OPEN
    assert offer.respond_by == NOW + 3 * MINUTE + 30 * MINUTE  # more than a day away: 30 minutes
    hold = offer.hold
    assert (hold.status, hold.therapist, hold.start, hold.client) == (Booking.Status.HELD, gill, TEN, None)
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.WAITLIST_OFFER)
    assert email.to_email == alice.email and email.booking == hold
    # The time is considered once: another run offers nothing more.
    assert offers.waitlist_run(now=NOW + 4 * MINUTE) == 0


def test_nobody_can_book_a_held_time(freed_ten, alice, sports, gill):
    make_waitlist_entry(alice, sports)
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    with pytest.raises(SlotNotFree):
        book(sports, gill, TEN, now=NOW + 4 * MINUTE)
    assert Booking.objects.filter(start=TEN).exclude(status=Booking.Status.CANCELLED).count() == 1


def test_no_offer_is_made_in_quiet_hours_and_the_time_to_answer_stops_at_eight_in_the_evening(freed_ten, alice, sports):
    make_waitlist_entry(alice, sports)
    evening = datetime.datetime(2030, 1, 16, 20, 30, tzinfo=LONDON)
    assert offers.waitlist_run(now=evening) == 0
    assert not WaitlistOffer.objects.exists()

    five_to_eight = datetime.datetime(2030, 1, 16, 19, 55, tzinfo=LONDON)
    assert offers.answer_by(five_to_eight, 30) == datetime.datetime(2030, 1, 17, 8, 25, tzinfo=LONDON)
    assert offers.answer_by(NOW, 10) == NOW + 10 * MINUTE


def test_an_offer_with_no_answer_lapses_and_the_time_goes_to_the_next_in_line(freed_ten, alice, sports):
    bob = make_user("bobby", email="bobby@example.com")
    make_waitlist_entry(alice, sports, joined_at=NOW - datetime.timedelta(days=2))
    second = make_waitlist_entry(bob, sports, joined_at=NOW - datetime.timedelta(days=1))
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    first_offer = WaitlistOffer.objects.get()

    offers.waitlist_run(now=first_offer.respond_by)

    first_offer.refresh_from_db()
    assert first_offer.status == WaitlistOffer.Status.LAPSED
    assert first_offer.hold.status == Booking.Status.CANCELLED
    passed_on = WaitlistOffer.objects.get(status=WaitlistOffer.Status.OPEN)
    assert passed_on.entry == second and passed_on.hold.start == TEN


def offer_url(offer) -> str:
    return reverse("waitlist_offer", args=[offer_link_issue(offer=offer)])


@pytest.fixture
def open_offer(freed_ten, alice, sports):
    make_waitlist_entry(alice, sports)
    offers.waitlist_run(now=NOW)  # the delay is the run's business; NOW is past it for this test
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    return WaitlistOffer.objects.get()


def test_the_offer_page_changes_nothing_on_get_and_taking_it_books_once(client, alice, open_offer, gill):
    client.force_login(alice)
    url = offer_url(open_offer)

    page = client.get(url)
    assert page.status_code == 200 and "Take this time" in page.content.decode()
    client.head(url)
    open_offer.refresh_from_db()
    assert open_offer.status == WaitlistOffer.Status.OPEN

    data = form_data(gill, TEN, name="Alice Walker", email=alice.email)
    answer = client.post(url, {**data, "answer": "accept"})
    assert answer.status_code == 302

    open_offer.refresh_from_db()
    booked = Booking.objects.get(start=TEN, status=Booking.Status.CONFIRMED)
    assert booked.client == alice and booked.therapist == gill
    assert open_offer.status == WaitlistOffer.Status.ACCEPTED
    assert WaitlistEntry.objects.get(pk=open_offer.entry_id).ended_why == WaitlistEntry.Ended.BOOKED

    again = client.post(url, {**form_data(gill, TEN, name="Alice Walker", email=alice.email), "answer": "accept"})
    assert again.status_code == 200 and "You took this time" in again.content.decode()
    assert Booking.objects.filter(start=TEN, status=Booking.Status.CONFIRMED).count() == 1


def test_saying_no_lets_the_time_go_and_keeps_the_place_on_the_list(client, alice, open_offer):
    client.force_login(alice)
    client.post(offer_url(open_offer), {"answer": "decline"})
    open_offer.refresh_from_db()
    assert open_offer.status == WaitlistOffer.Status.DECLINED
    assert open_offer.hold.status == Booking.Status.CANCELLED
    assert WaitlistEntry.objects.get(pk=open_offer.entry_id).ended_at is None
    assert FreedTime.objects.filter(start=TEN, considered_at__isnull=True).exists()  # passed on


def test_someone_elses_offer_and_a_forged_token_open_nothing(client, open_offer):
    client.force_login(make_user("mallory", email="mallory@example.com"))
    assert client.get(offer_url(open_offer)).status_code == 404
    assert client.get(reverse("waitlist_offer", args=["not-a-token"])).status_code == 404


def test_joining_from_the_page_puts_the_client_on_the_list_and_my_bookings_shows_it(client, alice, sports):
    client.force_login(alice)
    today = NOW.astimezone(LONDON).date().isoformat()
    answer = client.post(
        reverse("waitlist_join"),
        {
            "session_type": sports.pk,
            "therapist": "",
            "first_day": today,
            "last_day": today,
            "windows": ["morning", "evening"],
            "notice_hours": 2,
        },
    )
    assert answer.status_code == 302
    entry = WaitlistEntry.objects.get(client=alice)
    assert entry.windows == ["morning", "evening"]
    assert "Sports massage" in client.get(reverse("my_bookings")).content.decode()

    refused = client.post(
        reverse("waitlist_join"), {"session_type": sports.pk, "first_day": today, "last_day": today, "notice_hours": 2}
    )
    assert refused.status_code == 400 and "at least one time of day" in refused.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_the_time_to_answer_never_runs_past_the_last_moment_the_time_could_be_booked(alice, sports, gill):
    make_working_hours(gill)
    tomorrow_nine = datetime.datetime(2030, 1, 17, 9, 0, tzinfo=LONDON)
    FreedTime.objects.create(therapist=gill, start=tomorrow_nine, offer_from=NOW)
    make_waitlist_entry(alice, sports)
    five_to_eight = datetime.datetime(2030, 1, 16, 19, 55, tzinfo=LONDON)

    assert offers.waitlist_run(now=five_to_eight) == 1

    # 30 minutes of sending hours would end at 08:25; the booking rules stop bookings earlier.
    notice = datetime.timedelta(minutes=BookingRules.load().min_notice_minutes)
    assert WaitlistOffer.objects.get().respond_by == tomorrow_nine - notice < tomorrow_nine


def test_staff_see_who_is_waiting_in_the_admin_and_mark_an_entry_urgent(
    admin_client, alice, sports, django_assert_max_num_queries
):
    bob = make_user("bobby", email="bobby@example.com")
    make_waitlist_entry(bob, sports, joined_at=NOW)
    make_waitlist_entry(alice, sports, joined_at=NOW - datetime.timedelta(days=1))
    with django_assert_max_num_queries(12):
        listing = admin_client.get(reverse("admin:bookings_waitlistentry_changelist"))
    assert listing.status_code == 200 and "bobby" in listing.content.decode().lower()


def test_an_entry_staff_marked_urgent_is_offered_first(freed_ten, alice, sports):
    make_waitlist_entry(alice, sports, joined_at=NOW - datetime.timedelta(days=3))
    urgent = make_waitlist_entry(make_user("bobby", email="bobby@example.com"), sports, urgent=True)
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    assert WaitlistOffer.objects.get().entry == urgent


@pytest.fixture
def noon_freed(gill, sports):
    """Gill's 12:00 today, two and a half hours after NOW, booked and cancelled at NOW."""
    make_working_hours(gill)
    noon = datetime.datetime(2030, 1, 16, 12, 0, tzinfo=LONDON)
    booking_cancel(booking_id=book(sports, gill, noon).pk, now=NOW)
    return noon


def test_inside_three_hours_everyone_waiting_is_offered_at_once_and_the_first_to_take_it_wins(
    noon_freed, alice, sports, gill
):
    others = [make_user(name, email=f"{name}@example.com", first_name=name.title()) for name in ("bea", "cal")]
    for n, client in enumerate([alice, *others]):
        make_waitlist_entry(client, sports, joined_at=NOW - datetime.timedelta(days=3 - n))

    assert offers.waitlist_run(now=NOW + 3 * MINUTE) == 3
    made = list(WaitlistOffer.objects.order_by("pk"))
    assert len({offer.hold_id for offer in made}) == 1  # one hold, offered to all three
    assert {offer.respond_by for offer in made} == {NOW + 13 * MINUTE}  # 10 minutes: within a day

    taken = answers.offer_accept(
        offer_id=made[1].pk,
        client=others[0],
        book=lambda: book(sports, gill, noon_freed, client=others[0]),
        now=NOW + 5 * MINUTE,
    )

    assert taken.client == others[0]
    statuses = dict(WaitlistOffer.objects.values_list("entry__client__username", "status"))
    assert statuses == {"alice": "taken", "bea": "accepted", "cal": "taken"}
    told = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.WAITLIST_TAKEN).values_list("to_email", flat=True)
    assert sorted(told) == [alice.email, "cal@example.com"]
    with pytest.raises(answers.OfferError, match="took it first"):
        answers.offer_accept(offer_id=made[0].pk, client=alice, book=lambda: None, now=NOW + 6 * MINUTE)


def test_a_shared_hold_stays_while_anyone_may_still_take_it_and_goes_when_none_can(noon_freed, alice, sports):
    bea = make_user("bea", email="bea@example.com")
    make_waitlist_entry(alice, sports, joined_at=NOW - datetime.timedelta(days=2))
    make_waitlist_entry(bea, sports, joined_at=NOW - datetime.timedelta(days=1))
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    first, second = WaitlistOffer.objects.order_by("pk")

    answers.offer_decline(offer_id=first.pk, client=alice, now=NOW + 4 * MINUTE)
    second.hold.refresh_from_db()
    assert second.hold.status == Booking.Status.HELD  # Bea may still take it

    assert answers.offers_lapse(now=second.respond_by) == 1
    second.hold.refresh_from_db()
    assert second.hold.status == Booking.Status.CANCELLED
    # Passed on at once, but both were offered this time already: nobody is offered it again.
    assert offers.waitlist_run(now=second.respond_by) == 0


@pytest.fixture
def alices_friday(alice, sports, gill):
    """Alice's booking with Gill on Friday at 15:00, nine days on."""
    make_working_hours(gill)
    return book(sports, gill, at(days_from_now(9), "15:00"), client=alice)


def test_earlier_than_my_booking_is_offered_only_earlier_times_with_the_same_therapist(
    client, alice, sports, gill, alices_friday
):
    client.force_login(alice)
    joined = client.post(
        reverse("waitlist_join_earlier", args=[alices_friday.pk]), {"windows": ["morning"], "notice_hours": 2}
    )
    assert joined.status_code == 302
    entry = WaitlistEntry.objects.get(booking=alices_friday)
    assert (entry.therapist, entry.session_type, entry.last_day) == (gill, sports, days_from_now(9))
    later = at(days_from_now(10), "10:00")  # after her booking: not for her
    FreedTime.objects.create(therapist=gill, start=later, offer_from=NOW)
    assert offers.waitlist_run(now=NOW) == 0

    FreedTime.objects.create(therapist=gill, start=TEN, offer_from=NOW)  # Tuesday: earlier
    assert offers.waitlist_run(now=NOW) == 1
    offer = WaitlistOffer.objects.get()
    page = client.get(offer_url(offer))
    assert "Move my booking to this time" in page.content.decode()

    client.post(offer_url(offer), {"answer": "move"})

    alices_friday.refresh_from_db()
    assert alices_friday.start == TEN and alices_friday.status == Booking.Status.CONFIRMED
    assert Booking.objects.filter(client=alice).exclude(status=Booking.Status.CANCELLED).count() == 1
    assert WaitlistEntry.objects.get(pk=entry.pk).ended_why == WaitlistEntry.Ended.BOOKED
    # Her old Friday time is freed in turn, for the next on the list.
    assert FreedTime.objects.filter(start=at(days_from_now(9), "15:00"), considered_at__isnull=True).exists()


def test_waiting_for_an_earlier_time_is_refused_for_someone_elses_booking_or_twice(alice, alices_friday):
    mallory = make_user("mallory", email="mallory@example.com")
    with pytest.raises(WaitlistError, match="could not find an upcoming booking"):
        entry_join_earlier(client=mallory, booking_id=alices_friday.pk, windows=["morning"], notice_hours=2, now=NOW)
    entry_join_earlier(client=alice, booking_id=alices_friday.pk, windows=["morning"], notice_hours=2, now=NOW)
    with pytest.raises(WaitlistError, match="already waiting"):
        entry_join_earlier(client=alice, booking_id=alices_friday.pk, windows=["evening"], notice_hours=2, now=NOW)
    assert WaitlistEntry.objects.count() == 1


def test_cancelling_the_booking_ends_the_wait_for_an_earlier_time(alice, alices_friday):
    entry = entry_join_earlier(client=alice, booking_id=alices_friday.pk, windows=["morning"], notice_hours=2, now=NOW)
    booking_cancel(booking_id=alices_friday.pk, cancelled_by=alice, now=NOW)
    offers.waitlist_run(now=NOW + MINUTE)
    entry.refresh_from_db()
    assert entry.ended_why == WaitlistEntry.Ended.GONE


def test_a_place_whose_days_have_passed_ends_with_an_email_saying_so(alice, sports):
    entry = make_waitlist_entry(alice, sports, last_day=NOW.astimezone(LONDON).date())
    tomorrow = NOW + datetime.timedelta(days=1)

    offers.waitlist_run(now=tomorrow)
    offers.waitlist_run(now=tomorrow + MINUTE)  # once only

    entry.refresh_from_db()
    assert entry.ended_why == WaitlistEntry.Ended.PASSED
    (sent,) = send_due_emails(now=tomorrow + MINUTE)
    assert sent.to == [alice.email] and sent.subject == "Your place on the waitlist has ended"
    assert "/waitlist/join/" in sent.body


def test_an_offer_in_the_hour_the_clocks_repeat_says_which_one(alice, sports, gill):
    repeated = datetime.datetime(2030, 10, 27, 1, 30, tzinfo=LONDON, fold=1)  # the second 01:30: GMT
    hold = make_booking(therapist=gill, session_type=sports, start=repeated)
    offer = make_waitlist_offer(hold, alice)
    email = OutboundEmail.objects.create(
        booking=hold,
        kind=OutboundEmail.Kind.WAITLIST_OFFER,
        to_email=alice.email,
        due_at=NOW,
        extra={"offer_id": offer.pk},
    )
    subject, text, html = render_email(email.kind, email_content.email_context(email))
    assert "01:30 GMT" in subject and "01:30 GMT" in text and "01:30 GMT" in html


def returning(alice, sports, gill, *, answered_yes=()):
    """Alice's earlier session with Gill, with her health answers, and an offer open to her."""
    make_working_hours(gill)
    earlier = make_booking(
        therapist=gill,
        client=alice,
        session_type=sports,
        start=NOW - datetime.timedelta(days=20),
        status=Booking.Status.ATTENDED,
        client_phone="07700 900999",
    )
    HealthScreen.objects.create(
        booking=earlier,
        answered_yes=list(answered_yes),
        main_problem="shin_splints",
        preferred_pressure=4,
        notes="Left shin",
        consent_given_at=earlier.start,
    )
    booking_cancel(booking_id=book(sports, gill, TEN).pk, now=NOW)
    make_waitlist_entry(alice, sports)
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    return WaitlistOffer.objects.get()


def test_a_returning_client_takes_an_offer_saying_nothing_has_changed(client, alice, sports, gill):
    offer = returning(alice, sports, gill)
    client.force_login(alice)
    page = client.get(offer_url(offer)).content.decode()
    assert "Nothing about my health has changed since my session on" in page
    form = {"answer": "same", "idempotency_key": str(uuid.uuid4()), "phone": "07700 900999", "consent": "on"}

    unconfirmed = client.post(offer_url(offer), form)
    assert unconfirmed.status_code == 400 and "Please confirm nothing has changed" in unconfirmed.content.decode()
    assert not Booking.objects.filter(start=TEN, status=Booking.Status.CONFIRMED).exists()

    client.post(offer_url(offer), {**form, "nothing_changed": "on"})
    booked = Booking.objects.get(start=TEN, status=Booking.Status.CONFIRMED)
    assert booked.client == alice and booked.health_screen.main_problem == "shin_splints"
    assert booked.health_screen.preferred_pressure == 4


def test_answers_as_before_are_screened_again_and_a_red_flag_still_stops_it(client, alice, sports, gill):
    offer = returning(alice, sports, gill, answered_yes=["dvt_signs"])  # a red flag: stops online booking
    client.force_login(alice)
    answer = client.post(
        offer_url(offer),
        {
            "answer": "same",
            "idempotency_key": str(uuid.uuid4()),
            "phone": "07700 900999",
            "consent": "on",
            "nothing_changed": "on",
        },
    )
    assert "get checked" in answer.content.decode().lower()
    assert not Booking.objects.filter(start=TEN, status=Booking.Status.CONFIRMED).exists()
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.OPEN  # nothing changed: still hers to answer


def test_time_off_taken_back_is_offered_to_those_waiting_one_place_a_run(alice, sports, gill):
    make_working_hours(gill)
    tuesday_off = time_off_add(therapist=gill, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "11:00"), reason="other")
    make_waitlist_entry(alice, sports, first_day=TUESDAY, last_day=TUESDAY)
    bea = make_user("bea", email="bea@example.com")
    make_waitlist_entry(bea, sports, first_day=TUESDAY, last_day=TUESDAY)

    time_off_delete(therapist=gill, time_off_id=tuesday_off.pk)

    assert offers.waitlist_run(now=NOW) == 1
    assert offers.waitlist_run(now=NOW + MINUTE) == 1
    starts = sorted(o.hold.start for o in WaitlistOffer.objects.select_related("hold"))
    assert starts[0] == at(TUESDAY, "09:00") and all(at(TUESDAY, "09:00") <= s < at(TUESDAY, "11:00") for s in starts)
    assert offers.waitlist_run(now=NOW + 2 * MINUTE) == 0  # nobody else: the stretch is done
    assert not FreedTime.objects.filter(considered_at__isnull=True).exists()


def test_new_working_hours_are_offered_to_those_waiting(alice, sports, gill):
    make_waitlist_entry(alice, sports, therapist=gill, first_day=TUESDAY, last_day=TUESDAY)
    assert offers.waitlist_run(now=NOW) == 0  # Gill works no hours yet
    working_hours_set(
        therapist=gill,
        stretches=[WeeklyHours(weekday=TUESDAY.weekday(), start=datetime.time(14), end=datetime.time(16))],
    )
    assert offers.waitlist_run(now=NOW + MINUTE) == 1
    assert WaitlistOffer.objects.get().hold.start == at(TUESDAY, "14:00")


def test_a_booking_that_meets_a_hold_past_its_time_ends_it_and_books(freed_ten, alice, sports, gill):
    make_waitlist_entry(alice, sports)
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    offer = WaitlistOffer.objects.get()
    just_after = offer.respond_by + datetime.timedelta(seconds=5)  # before the next run lapses it

    booked = book(sports, gill, TEN, now=just_after)

    assert booked.status == Booking.Status.CONFIRMED
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.LAPSED
    assert offer.hold.status == Booking.Status.CANCELLED


def test_a_hold_still_answerable_is_never_ended_by_a_booking(freed_ten, alice, sports, gill):
    make_waitlist_entry(alice, sports)
    offers.waitlist_run(now=NOW + 3 * MINUTE)
    with pytest.raises(SlotNotFree):
        book(sports, gill, TEN, now=NOW + 4 * MINUTE)
    assert WaitlistOffer.objects.get().status == WaitlistOffer.Status.OPEN


def test_a_client_may_give_their_own_hours_instead_of_parts_of_the_day(client, alice, sports):
    client.force_login(alice)
    today = NOW.astimezone(LONDON).date().isoformat()
    wish = {"session_type": sports.pk, "first_day": today, "last_day": today, "notice_hours": 2}
    half = client.post(reverse("waitlist_join"), {**wish, "own_from": "18:30"})
    assert half.status_code == 400 and "Please give both ends of your own hours." in half.content.decode()
    backwards = client.post(reverse("waitlist_join"), {**wish, "own_from": "20:00", "own_until": "18:30"})
    assert backwards.status_code == 400 and "end before they start" in backwards.content.decode()
    assert not WaitlistEntry.objects.exists()

    client.post(reverse("waitlist_join"), {**wish, "own_from": "18:30", "own_until": "20:00"})
    entry = WaitlistEntry.objects.get()
    assert entry.times_of_day == "18:30 to 20:00"
    evening = NOW.astimezone(LONDON).replace(hour=19, minute=0)
    assert entry.suits(evening, NOW) and not entry.suits(evening.replace(hour=17), NOW)
