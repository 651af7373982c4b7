"""Retention for everyone: the daily task erases what the clinic no longer needs, whether or not
the client ever asked. Alice has an account; Gina is a guest. Each period is tried across its
boundary with the clock frozen: the day before, nothing goes; on the day, it goes."""

import datetime as dt
import logging

import pytest

from bookings.models import (
    Booking,
    HealthConsent,
    HealthDataAccess,
    HealthScreen,
    OutboundEmail,
    OutcomeScore,
    SessionNote,
    SessionNoteAmendment,
)
from bookings.privacy import retention
from bookings.privacy.retention import retention_apply, years_after
from bookings.tasks import erase_expired_records_daily

from ..clock import NOW, TODAY, at, days_from_now
from ..factories import make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

GINA = "gina@example.com"
NOTHING = dict.fromkeys(retention.RetentionRun().counts(), 0)


def run_on(clock, day: dt.date) -> dict[str, int]:
    """Runs the daily task as beat does, at 03:30 London on ``day``; returns what it did."""
    clock.move_to(at(day, "03:30"))
    return erase_expired_records_daily()


def session(therapist, day: dt.date, *, client=None, status="attended", notes=True, **fields) -> Booking:
    """A session on ``day`` at 10:00 with everything a clinical record holds: health answers
    with a doctor's OK, notes with an amendment, an outcome score, a consent record."""
    if client is None:
        fields.setdefault("client_name", "Gina Guest")
        fields.setdefault("client_email", GINA)
    start = at(day, "10:00")
    booking = make_booking(therapist=therapist, client=client, start=start, status=status, **fields)
    HealthScreen.objects.create(
        booking=booking,
        main_problem="knee_pain",
        notes="Epilepsy, well controlled",
        consent_given_at=start,
        doctor_ok_confirmed=True,
        pregnancy_trimester=2,
    )
    HealthConsent.objects.create(
        booking=booking, client=client, wording="I agree", wording_version="1", given_at=start, given_how="booking form"
    )
    OutcomeScore.objects.create(
        booking=booking,
        taken="booking",
        kind="activity",
        measure="5-a-side at Hackney Marshes",
        score=5,
        taken_at=start,
    )
    if notes:
        note = SessionNote.objects.create(
            booking=booking, areas_worked=["front-thigh-right"], pressure_used=6, problem="knee_pain"
        )
        SessionNoteAmendment.objects.create(
            note=note, amended_by=therapist.user, amended_at=start, changes={"pressure_used": [5, 6]}, reason="Typo"
        )
    return booking


def erased(booking: Booking) -> bool:
    """The booking names no one and holds no health answers, notes or signed consent."""
    booking.refresh_from_db()
    gone = booking.client_email.endswith("@erased.invalid") and booking.client_id is None
    assert gone == (booking.client_name == "Erased client")
    if gone:
        assert not HealthScreen.objects.filter(booking=booking).exists()
        assert not SessionNote.objects.filter(booking=booking).exists()
        assert not SessionNoteAmendment.objects.filter(note__booking=booking).exists()
        assert not HealthConsent.objects.filter(booking=booking, client__isnull=False).exists()
    else:
        assert HealthScreen.objects.filter(booking=booking).exists()
    return gone


# Clinical records ---------------------------------------------------------------------------


def test_alices_records_go_on_the_day_her_period_ends_and_not_the_day_before(clock, alice, asha):
    last_session = days_from_now(-30)
    attended = session(asha, last_session, client=alice)
    due = years_after(last_session, 8)

    assert run_on(clock, due - dt.timedelta(days=1))["clinical_bookings_erased"] == 0
    assert not erased(attended)

    counts = run_on(clock, due)

    assert (counts["accounts_past_retention"], counts["clinical_bookings_erased"]) == (1, 1)
    assert erased(attended)


def test_a_recent_session_keeps_alices_older_one(clock, alice, asha):
    older = session(asha, days_from_now(-5 * 365), client=alice)
    recent = session(asha, days_from_now(-30), client=alice)

    run_on(clock, years_after(days_from_now(-5 * 365), 8) + dt.timedelta(days=1))
    assert not erased(older) and not erased(recent)

    run_on(clock, years_after(days_from_now(-30), 8))
    assert erased(older) and erased(recent)


def test_each_of_ginas_guest_sessions_runs_from_its_own_date(clock, asha):
    # A guest's bookings are not tied together by an address: each is its own record.
    older = session(asha, days_from_now(-5 * 365))
    recent = session(asha, days_from_now(-30))

    run_on(clock, years_after(days_from_now(-5 * 365), 8))

    assert erased(older) and not erased(recent)


def test_a_no_show_with_notes_is_a_clinical_record(clock, asha):
    day = days_from_now(-30)
    no_show = session(asha, day, status="no_show", notes=True)

    run_on(clock, years_after(day, 8) - dt.timedelta(days=1))
    assert not erased(no_show)
    run_on(clock, years_after(day, 8))
    assert erased(no_show)


def test_a_session_on_29_february_goes_on_28_february_in_a_year_without_one(clock, settings, asha):
    settings.CLINICAL_RECORD_RETENTION_YEARS = 3
    leap_day = session(asha, dt.date(2028, 2, 29))

    run_on(clock, dt.date(2031, 2, 27))
    assert not erased(leap_day)
    run_on(clock, dt.date(2031, 2, 28))
    assert erased(leap_day)


def test_periods_count_london_dates_in_summer_time(clock, settings, asha):
    # 00:30 on 1 July (BST) is 23:30 on 30 June in UTC: the London date is the one that counts.
    settings.NON_CLINICAL_RETENTION_DAYS = 1
    just_after_midnight = session(asha, dt.date(2030, 7, 1), status="cancelled", notes=False)
    Booking.objects.filter(pk=just_after_midnight.pk).update(start=at(dt.date(2030, 7, 1), "00:30"))

    run_on(clock, dt.date(2030, 7, 1))
    assert not erased(just_after_midnight)
    run_on(clock, dt.date(2030, 7, 2))
    assert erased(just_after_midnight)


# What was never a clinical record -----------------------------------------------------------


@pytest.mark.parametrize("status", ["cancelled", "no_show", "confirmed"])
def test_a_booking_that_never_took_place_loses_ginas_details_after_a_year(clock, asha, status):
    day = days_from_now(-10)
    never_held = session(asha, day, status=status, notes=False)

    assert run_on(clock, day + dt.timedelta(days=364))["never_held_bookings_erased"] == 0
    assert not erased(never_held)

    assert run_on(clock, day + dt.timedelta(days=365))["never_held_bookings_erased"] == 1
    assert erased(never_held)
    assert Booking.objects.filter(pk=never_held.pk).exists()  # the anonymous row stays for the diary


def test_upcoming_bookings_are_never_touched(clock, alice, asha):
    old = session(asha, days_from_now(-9 * 366), client=alice)
    upcoming = session(asha, days_from_now(3), client=alice, status="confirmed", notes=False)
    cancelled_ahead = session(asha, days_from_now(4), client=alice, status="cancelled", notes=False)

    run_on(clock, TODAY)

    assert erased(old)
    assert not erased(upcoming) and upcoming.client == alice
    assert not erased(cancelled_ahead)


def test_sent_emails_go_after_180_days_and_unsent_ones_stay(clock, asha):
    booking = make_booking(therapist=asha, start=NOW + dt.timedelta(days=3), client_email=GINA)
    sent = OutboundEmail.objects.create(
        booking=booking, kind="booking_confirmation", to_email=GINA, due_at=NOW, status="sent", sent_at=NOW
    )
    queued = OutboundEmail.objects.create(booking=booking, kind="booking_reminder", to_email=GINA, due_at=NOW)

    assert run_on(clock, TODAY + dt.timedelta(days=179))["emails_deleted"] == 0
    assert run_on(clock, TODAY + dt.timedelta(days=180))["emails_deleted"] == 1

    assert list(OutboundEmail.objects.all()) == [queued]
    assert not OutboundEmail.objects.filter(pk=sent.pk).exists()


def test_looks_at_health_data_are_logged_for_as_long_as_the_records_last(clock, asha):
    booking = session(asha, days_from_now(-1))
    look = HealthDataAccess.objects.create(
        accessed_by=asha.user, booking=booking, client_email=GINA, via="booking_page", at=NOW
    )

    assert run_on(clock, years_after(TODAY, 8) - dt.timedelta(days=1))["access_log_rows_deleted"] == 0
    assert run_on(clock, years_after(TODAY, 8))["access_log_rows_deleted"] == 1
    assert not HealthDataAccess.objects.filter(pk=look.pk).exists()


# How it runs --------------------------------------------------------------------------------


@pytest.fixture
def a_due_day(alice, asha, bob):
    """Alice (with asha) and Gina (with bob, at the same times), each with a session over 8
    years ago and a booking cancelled then, an email and a look at their data: everything is
    due on TODAY."""
    long_ago = days_from_now(-9 * 366)
    alices = session(asha, long_ago, client=alice)
    session(bob, long_ago)
    session(asha, long_ago + dt.timedelta(days=1), client=alice, status="cancelled", notes=False)
    session(bob, long_ago + dt.timedelta(days=1), status="cancelled", notes=False)
    OutboundEmail.objects.create(
        booking=alices, kind="booking_confirmation", to_email=alice.email, due_at=at(long_ago, "09:00"), status="sent"
    )
    HealthDataAccess.objects.create(
        accessed_by=asha.user, booking=alices, client_email=alice.email, via="booking_page", at=at(long_ago, "09:00")
    )


def test_a_second_run_the_same_day_finds_nothing(clock, a_due_day):
    first = run_on(clock, TODAY)

    assert first == {
        "erasure_requests_completed": 0,
        "accounts_past_retention": 1,
        "clinical_bookings_erased": 2,
        "never_held_bookings_erased": 2,
        "emails_deleted": 1,
        "access_log_rows_deleted": 1,
        "guest_waitlist_places_anonymised": 0,
    }
    assert run_on(clock, TODAY) == NOTHING


def test_the_log_line_holds_counts_and_no_personal_data(clock, caplog, a_due_day):
    with caplog.at_level(logging.INFO, logger="bookings.privacy.retention"):
        run_on(clock, TODAY)

    logged = caplog.text
    assert "clinical_bookings_erased 2" in logged and "never_held_bookings_erased 2" in logged
    for personal in ("Alice", "alice@", "Gina", "gina@", "Epilepsy", "Hackney", "knee"):
        assert personal.lower() not in logged.lower()


def test_each_run_does_a_bounded_amount_and_the_next_one_carries_on(clock, asha):
    long_ago = days_from_now(-9 * 366)
    first, second = session(asha, long_ago), session(asha, long_ago + dt.timedelta(days=1))

    assert retention_apply(today=TODAY, batch_size=1).clinical_bookings_erased == 1
    assert erased(first) and not erased(second)
    assert retention_apply(today=TODAY, batch_size=1).clinical_bookings_erased == 1
    assert erased(second)


def test_a_run_killed_half_way_leaves_no_booking_half_erased(clock, asha, monkeypatch):
    long_ago = days_from_now(-9 * 366)
    first, second = session(asha, long_ago), session(asha, long_ago + dt.timedelta(days=1))
    real_erase = retention.booking_personal_data_erase
    calls = []

    def erase_then_die_on_the_second(booking):
        real_erase(booking)  # its writes are made, then the worker dies
        calls.append(booking.pk)
        if len(calls) == 2:
            raise SystemExit("worker killed")

    monkeypatch.setattr(retention, "booking_personal_data_erase", erase_then_die_on_the_second)
    with pytest.raises(SystemExit):
        retention_apply(today=TODAY)

    assert erased(first) and not erased(second)
    assert SessionNote.objects.filter(booking=second).exists()

    monkeypatch.undo()
    assert retention_apply(today=TODAY).clinical_bookings_erased == 1
    assert erased(second)


def test_outcome_scores_go_with_the_clinical_record(clock, alice, asha):
    day = days_from_now(-30)
    attended = session(asha, day, client=alice)

    run_on(clock, years_after(day, 8))

    assert not OutcomeScore.objects.filter(booking=attended).exists()
