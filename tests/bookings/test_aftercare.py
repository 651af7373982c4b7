import datetime as dt
from html import escape

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from bookings.clinical import aftercare
from bookings.clinical.aftercare import Step, plan, within_sending_hours
from bookings.messaging import outbox
from bookings.messaging.tokens import link_issue, links_revoke
from bookings.models import AftercareOptOut, Booking, BookingLink, OutboundEmail, SessionNote
from bookings.services.outcome import aftercare_feedback_record, booking_mark_no_show
from clinic.london import LONDON
from clinic.models import SessionType
from clinic.problems import Problem

from ..clock import NOW, TOMORROW, at, days_from_now
from ..factories import aftercare_path, check_in_path, consent_given, make_booking, make_user
from ..outbox import outbound_email_send, send_due_emails

# The plan's tables below name their own dates and times (the clocks change on some); the
# tests with the database run at NOW, frozen, and write their dates relative to it.
pytestmark = pytest.mark.usefixtures("clock")

Kind = OutboundEmail.Kind
UTC = dt.UTC


def london(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    "session_end, today, next_day, check_in",
    [
        # An ordinary winter afternoon.
        (london(2026, 11, 24, 11), london(2026, 11, 24, 11, 30), london(2026, 11, 25, 10), london(2026, 11, 26, 11)),
        # An evening session: "the rest of today" would land after 20:00 and could only go out
        # tomorrow, when it is no longer true, so there is none.
        (london(2026, 11, 24, 19, 45), None, london(2026, 11, 25, 10), london(2026, 11, 26, 19, 45)),
        # Ends at 20:10: no "today"; the check-in waits for 08:00.
        (london(2026, 11, 24, 20, 10), None, london(2026, 11, 25, 10), london(2026, 11, 27, 8)),
        # Spring forward (Sunday 29 March 2026): next morning is 10:00 BST, 09:00 UTC;
        # 48 hours after 19:15 GMT is 20:15 BST, too late, so Tuesday 08:00 BST.
        (london(2026, 3, 28, 19, 15), london(2026, 3, 28, 19, 45), london(2026, 3, 29, 10), london(2026, 3, 31, 8)),
        # Fall back (Sunday 25 October 2026): 10:00 GMT is 10:00 UTC; 48 hours after 12:00
        # BST is 11:00 GMT on Monday.
        (london(2026, 10, 24, 12), london(2026, 10, 24, 12, 30), london(2026, 10, 25, 10), london(2026, 10, 26, 11)),
    ],
)
def test_the_plan_is_built_in_london_time_and_keeps_quiet_hours(session_end, today, next_day, check_in):
    expected = [(Step.TODAY, today), (Step.NEXT_DAY, next_day), (Step.CHECK_IN, check_in)]
    assert plan(session_end, now=session_end) == [(step, due) for step, due in expected if due is not None]


def test_next_day_at_ten_is_09_00_utc_after_the_spring_change():
    session_end = london(2026, 3, 28, 12)
    assert plan(session_end, now=session_end)[1][1] == dt.datetime(2026, 3, 29, 9, 0, tzinfo=UTC)


def test_notes_written_at_night_plan_nothing_for_the_night_and_no_stale_today():
    # The session ended at 17:00; the therapist wrote the notes at 21:15.
    assert plan(london(2026, 11, 24, 17), now=london(2026, 11, 24, 21, 15)) == [
        (Step.NEXT_DAY, london(2026, 11, 25, 10)),
        (Step.CHECK_IN, london(2026, 11, 26, 17)),
    ]


def test_notes_written_days_late_send_only_the_check_in_and_not_at_night():
    # Marked three days late, at 23:10: only the check-in still makes sense, at 08:00.
    assert plan(london(2026, 11, 24, 11), now=london(2026, 11, 27, 23, 10)) == [
        (Step.CHECK_IN, london(2026, 11, 28, 8)),
    ]


@pytest.mark.parametrize(
    "when, expected",
    [
        (london(2026, 11, 24, 7, 59), london(2026, 11, 24, 8)),
        (london(2026, 11, 24, 8), london(2026, 11, 24, 8)),
        (london(2026, 11, 24, 19, 59), london(2026, 11, 24, 19, 59)),
        (london(2026, 11, 24, 20), london(2026, 11, 25, 8)),
        (london(2026, 3, 29, 0, 30), london(2026, 3, 29, 8)),
    ],
)
def test_nothing_is_sent_between_eight_at_night_and_eight_in_the_morning(when, expected):
    assert within_sending_hours(when) == expected


# ---- with the database ----


def database_state():
    """Everything an aftercare link could change, to show that it did not."""
    return (
        list(Booking.objects.order_by("pk").values_list("pk", "status", "feedback", "feedback_at")),
        list(OutboundEmail.objects.order_by("pk").values_list("pk", "kind", "to_email", "status", "due_at")),
        list(AftercareOptOut.objects.values_list("email", flat=True)),
    )


@pytest.mark.django_db
def test_completing_a_session_plans_three_aftercare_emails(attended):
    booking = attended()

    assert booking.status == Booking.Status.ATTENDED
    note = SessionNote.objects.get(booking=booking)
    assert (note.areas_worked, note.pressure_used, note.problem) == (["back-calf-left"], 6, Problem.ACHILLES)
    assert [(e.kind, e.due_at) for e in booking.emails.order_by("due_at")] == [
        # The session ended at 08:30. Planned for 09:00, but the notes were written at 09:30
        # (NOW): due at once.
        (Kind.AFTERCARE_TODAY, NOW),
        (Kind.AFTERCARE_NEXT_DAY, at(TOMORROW, "10:00")),
        (Kind.AFTERCARE_CHECK_IN, at(days_from_now(2), "08:30")),
    ]


@pytest.mark.django_db
def test_a_client_who_stopped_aftercare_gets_none(attended):
    AftercareOptOut.objects.create(email="alice@example.com")

    assert not attended().emails.exists()


@pytest.mark.django_db
def test_a_duplicate_delivery_of_an_aftercare_email_sends_it_once(attended):
    email = attended().emails.get(kind=Kind.AFTERCARE_TODAY)

    outbound_email_send(email_id=email.pk, now=NOW)
    outbound_email_send(email_id=email.pk, now=NOW)

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_no_show_cancels_the_reminder_and_sends_no_aftercare(asha, alice):
    booking = make_booking(therapist=asha, client=alice, start=at(TOMORROW, "10:00"))
    reminder = outbox.outbound_email_schedule(
        booking=booking, kind=Kind.BOOKING_REMINDER, to_email="alice@example.com", due_at=at(TOMORROW, "12:00")
    )

    booking_mark_no_show(therapist=asha, booking_id=booking.pk, now=at(TOMORROW, "11:00"))

    reminder.refresh_from_db()
    assert reminder.status == OutboundEmail.Status.CANCELLED


# Both engines, the HTML one and the plain-text one, show any missing variable.
STRICT_TEMPLATES = [
    {**engine, "OPTIONS": {**engine["OPTIONS"], "string_if_invalid": "MISSING[%s]"}} for engine in settings.TEMPLATES
]


@pytest.mark.django_db
@override_settings(TEMPLATES=STRICT_TEMPLATES)
@pytest.mark.parametrize("kind", SessionType.Kind.values)
@pytest.mark.parametrize("problem", Problem.values)
def test_every_session_type_and_problem_renders_every_email_and_the_page_they_link_to(attended, client, kind, problem):
    for pressure in (3, 6, 9):
        mail.outbox.clear()
        booking = attended(kind=kind, problem=problem, pressure=pressure)
        send_due_emails(at(days_from_now(3), "12:00"))

        assert sorted(m.subject for m in mail.outbox) == sorted(
            [
                "After your session: your advice for the rest of today",
                "The day after your session: your next steps",
                "Two days on: how do you feel now?",
            ]
        )
        for message in mail.outbox:
            html = message.alternatives[0][0]
            for body in (message.body, html):
                assert "MISSING[" not in body
                assert "NHS 111" in body and "999" in body  # red-flag wording, always
                assert "Heel raises on the stairs" not in body  # the advice is on the page
            page = client.get(aftercare_path(message)).content.decode()
            assert "MISSING[" not in page
            advice = aftercare.page_advice(session_kind=kind, problem=problem, pressure_used=pressure)
            assert escape(advice.problem.next_steps) in page
            assert escape(aftercare.EXPECT[aftercare.pressure_band(pressure)]) in page
            assert escape(aftercare.SESSION_TODAY[kind]) in page
            assert "Heel raises on the stairs, slowly." in page
        booking.emails.all().delete()
        booking.delete()


@pytest.mark.django_db
def test_the_check_in_page_records_the_first_answer_only_and_a_flare_alerts_the_therapist(attended, client):
    booking = attended()
    url = check_in_path(booking)
    page = client.get(url).content.decode()
    assert 'id="check-in"' in page
    assert all(f">{label}</label>" in page for label in aftercare.Feedback.labels)

    first = client.post(url, {"answer": "flared"})
    second = client.post(url, {"answer": "better"})

    booking.refresh_from_db()
    assert booking.feedback == "flared"
    assert "Thank you for letting us know" in first.content.decode()
    assert "We already have your answer" in second.content.decode()
    alerts = booking.emails.filter(kind=Kind.THERAPIST_FLARE_ALERT)
    assert [a.to_email for a in alerts] == ["asha@example.com"]
    mail.outbox.clear()
    outbound_email_send(email_id=alerts[0].pk, now=alerts[0].due_at)
    [alert] = mail.outbox
    # The alert says only that there is something to look at, and where (behind the login).
    assert "flared" not in alert.body.lower() and "worse" not in (alert.subject + alert.body).lower()
    assert f"{settings.SITE_URL}{reverse('booking_detail', args=[booking.pk])}" in alert.body


@pytest.mark.django_db
def test_an_answer_that_is_not_one_of_the_choices_changes_nothing(attended, client):
    booking = attended()
    url = check_in_path(booking)
    before = database_state()

    response = client.post(url, {"answer": "ecstatic"}, follow=True)

    assert "Please choose one of the answers." in response.content.decode()
    assert database_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_aftercare_page_changes_nothing(attended, client, method):
    # Mail scanners open every link in an email; only the client's button press counts.
    booking = attended()
    url = check_in_path(booking)
    before = database_state(), BookingLink.objects.count()

    response = getattr(client, method)(url)

    assert response.status_code == 200
    assert (database_state(), BookingLink.objects.count()) == before
    if method == "get":
        page = response.content.decode()
        assert 'method="post"' in page and "csrfmiddlewaretoken" in page
        assert ">Send my answer</button>" in page


@pytest.mark.django_db
def test_opening_the_aftercare_page_after_answering_shows_the_answer_kept(attended, client):
    booking = attended()
    url = check_in_path(booking)
    aftercare_feedback_record(booking_id=booking.pk, answer="better", now=NOW)
    before = database_state()

    page = client.get(url).content.decode()

    assert "You told us: <strong>Better</strong>" in page
    assert ">Send my answer</button>" not in page
    assert database_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "head", "post"])
def test_a_forged_expired_or_borrowed_aftercare_link_gets_a_clear_404_and_changes_nothing(attended, client, method):
    booking = attended()
    good = link_issue(booking=booking, purpose=BookingLink.Purpose.AFTERCARE)
    manage = link_issue(booking=booking, purpose=BookingLink.Purpose.MANAGE)
    revoked = link_issue(booking=booking, purpose=BookingLink.Purpose.AFTERCARE)
    links_revoke(booking_id=booking.pk, purposes=[BookingLink.Purpose.AFTERCARE], now=NOW)
    before = database_state()

    for bad in (good[:-3] + "abc", "nonsense", manage, revoked, "x" * 101):
        response = getattr(client, method)(reverse("aftercare_page", args=[bad]), {"answer": "worse"})
        assert response.status_code == 404
        if method != "head":
            assert "This link is not valid" in response.content.decode()
    assert database_state() == before


@pytest.mark.django_db
def test_an_aftercare_link_works_for_two_weeks_after_the_session(attended, client, clock):
    booking = attended()
    url = check_in_path(booking)

    clock.move_to(booking.end + dt.timedelta(days=14) - dt.timedelta(minutes=1))
    assert client.get(url).status_code == 200
    clock.move_to(booking.end + dt.timedelta(days=14))
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_logged_in_client_reads_their_own_aftercare_from_my_bookings_and_nobody_elses(attended, client, alice):
    booking = attended()
    client.force_login(alice)
    assert reverse("my_aftercare", args=[booking.pk]) in client.get(reverse("my_bookings")).content.decode()
    assert "Your aftercare" in client.get(reverse("my_aftercare", args=[booking.pk])).content.decode()

    client.force_login(make_user("dana", first_name="Dana"))
    response = client.get(reverse("my_aftercare", args=[booking.pk]))
    assert response.status_code == 404
    assert "Your aftercare" not in response.content.decode()


@pytest.mark.django_db
def test_the_next_booking_shows_the_flare_rule_to_the_therapist(attended, asha, alice, client):
    first = attended(problem=Problem.ACHILLES, pressure=7)
    aftercare_feedback_record(booking_id=first.pk, answer="flared", now=NOW)
    following = make_booking(therapist=asha, client=alice, start=at(days_from_now(14), "10:00"))
    client.force_login(asha.user)

    page = client.get(reverse("booking_detail", args=[following.pk])).content.decode()

    assert "Flare rule" in page
    # 7 less 2 is 5, moderate: a flared area starts in the light band (DOMAIN.md: 2-4).
    assert "start in the light band for a flared area (around <strong>4</strong>)" in page
    assert "the calf and soleus" in page


@pytest.mark.django_db
def test_the_stop_link_asks_first_and_a_get_or_head_changes_nothing(attended, client):
    stop_token = link_issue(booking=attended(), purpose=BookingLink.Purpose.STOP)
    url = reverse("aftercare_stop", args=[stop_token])
    before = database_state()

    page = client.get(url).content.decode()
    assert client.head(url).status_code == 200

    assert database_state() == before
    assert "Stop aftercare emails?" in page
    assert "alice@example.com" in page
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    assert ">Stop aftercare emails</button>" in page
    # Stopping aftercare stops the red-flag advice too, so the page says so and gives it.
    assert "you will not get those either" in page
    assert all(flag in page for flag in aftercare.RED_FLAGS)


@pytest.mark.django_db
def test_a_forged_stop_link_is_refused_and_changes_nothing(attended, client):
    stop_token = link_issue(booking=attended(), purpose=BookingLink.Purpose.STOP)
    before = database_state()

    for bad in (stop_token[:-3] + "abc", "nonsense"):
        assert client.get(reverse("aftercare_stop", args=[bad])).status_code == 404
        assert client.post(reverse("aftercare_stop", args=[bad])).status_code == 404
    assert database_state() == before


@pytest.mark.django_db
def test_confirming_the_stop_link_stops_aftercare_and_my_bookings_turns_it_back_on(attended, client, alice):
    booking = attended()
    stop_token = link_issue(booking=booking, purpose=BookingLink.Purpose.STOP)

    page = client.post(reverse("aftercare_stop", args=[stop_token]))

    assert "Aftercare emails stopped" in page.content.decode()
    assert AftercareOptOut.objects.filter(email="alice@example.com").exists()
    assert set(booking.emails.values_list("status", flat=True)) == {OutboundEmail.Status.CANCELLED}
    client.force_login(alice)
    assert "Aftercare emails are off" in client.get(reverse("my_bookings")).content.decode()
    client.post(reverse("aftercare_restart"))
    assert not AftercareOptOut.objects.exists()


@pytest.mark.django_db
def test_only_the_bookings_therapist_can_complete_it_and_bad_notes_change_nothing(asha, bob, alice, client):
    booking = consent_given(make_booking(therapist=asha, client=alice, start=at(days_from_now(-4), "10:00")))
    url = reverse("session_complete", args=[booking.pk])
    client.force_login(bob.user)
    assert client.get(url).status_code == 404

    client.force_login(asha.user)
    assert client.get(url).status_code == 200
    response = client.post(url, {"areas_worked": ["back-calf-left"], "pressure_used": "11", "problem": "achilles"})

    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not SessionNote.objects.exists() and not booking.emails.exists()
