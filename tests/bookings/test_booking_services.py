import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError

from bookings.cancel_reasons import ReasonRefused
from bookings.clinical.health import Outcome
from bookings.models import Booking, HealthScreen, OutboundEmail
from bookings.services.booking import (
    BookingError,
    ClientDetails,
    HealthAnswers,
    HealthScreenStops,
    IdempotencyKeyReused,
    SlotNotFree,
    SlotTaken,
    booking_create,
    booking_reschedule,
)
from bookings.services.booking_changes import booking_cancel, booking_review_accept
from clinic.problems import Problem
from therapists.models import TimeOff

from ..clock import NOW, TODAY, at, days_from_now
from ..factories import (
    DETAILS,
    FINE,
    book,
    make_booking,
    make_session_type,
    make_therapist,
    make_user,
    make_working_hours,
)

# The services are told NOW; the clock stands there too, so asha's check (valid for a year
# from the day she is made) holds on the days booked. The rules keep the clinic's 15 minutes
# after each session.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "rules"),
    pytest.mark.booking_rules(buffer_minutes=15),
]

TUESDAY = days_from_now(6)  # next Tuesday: far enough ahead for both reminders
Kind = OutboundEmail.Kind


def emails(booking):
    return sorted((e.kind, e.to_email, e.due_at) for e in booking.emails.all())


def test_booking_a_free_slot_confirms_it_and_queues_the_emails(asha, sports, admin_user):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.end == at(TUESDAY, "11:00")
    assert booking.blocks_until == at(TUESDAY, "11:15")
    assert (booking.client_name, booking.client_email, booking.client_phone) == (
        "Alice Walker",
        "alice@example.com",
        "07700 900123",
    )
    screen = HealthScreen.objects.get(booking=booking)
    assert (screen.main_problem, screen.preferred_pressure, screen.notes) == (Problem.SHIN_SPLINTS, 5, "Left shin")
    assert screen.consent_given_at == NOW
    assert emails(booking) == sorted(
        [
            (Kind.BOOKING_CONFIRMATION, "alice@example.com", NOW),
            # Two days ahead, while cancelling is still free, and at 08:00 on the day.
            (Kind.BOOKING_REMINDER, "alice@example.com", at(TUESDAY, "10:00") - dt.timedelta(hours=48)),
            (Kind.BOOKING_REMINDER, "alice@example.com", at(TUESDAY, "08:00")),
            (Kind.STAFF_BOOKED, "admin@example.com", NOW),
            (Kind.STAFF_BOOKED, "asha@example.com", NOW),
        ]
    )


def test_a_booking_less_than_a_day_ahead_gets_no_reminder(asha, sports):
    booking = book(sports, asha, at(TODAY, "15:00"))

    assert Kind.BOOKING_REMINDER not in {e.kind for e in booking.emails.all()}


def test_a_red_flag_stops_the_booking_and_writes_nothing(asha, sports):
    answers = HealthAnswers(("nerve_symptoms",), Problem.KNEE_PAIN, None, "", True)

    with pytest.raises(HealthScreenStops) as stopped:
        book(sports, asha, at(TUESDAY, "10:00"), answers=answers)

    assert stopped.value.assessment.outcome == Outcome.STOP
    assert Booking.objects.count() == HealthScreen.objects.count() == OutboundEmail.objects.count() == 0


def test_work_around_answers_book_into_therapist_review(asha, sports):
    answers = HealthAnswers(("local_issues",), Problem.KNEE_PAIN, None, "", True)

    booking = book(sports, asha, at(TUESDAY, "10:00"), answers=answers)

    assert booking.status == Booking.Status.AWAITING_REVIEW
    assert booking_review_accept(booking_id=booking.pk, therapist=asha, now=NOW).status == Booking.Status.CONFIRMED


@pytest.mark.parametrize(
    "answers, message",
    [
        (HealthAnswers((), Problem.KNEE_PAIN, None, "", False), "agree to us keeping your health answers"),
        (HealthAnswers(("made_up",), Problem.KNEE_PAIN, None, "", True), "not recognised"),
    ],
)
def test_missing_consent_or_tampered_answers_are_refused(asha, sports, answers, message):
    with pytest.raises(BookingError, match=message):
        book(sports, asha, at(TUESDAY, "10:00"), answers=answers)
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"email": "not-an-email"}, "client_email"),
        ({"name": "x" * 500}, "client_name"),
        ({"name": ""}, "client_name"),
    ],
)
def test_bad_client_details_are_refused_and_nothing_is_written(asha, sports, fields, field):
    details = ClientDetails(**{**DETAILS.__dict__, **fields})
    with pytest.raises(ValidationError) as refused:
        booking_create(
            session_type_id=sports.pk,
            therapist_id=asha.pk,
            start=at(TUESDAY, "10:00"),
            details=details,
            answers=FINE,
            idempotency_key=uuid.uuid4(),
            now=NOW,
        )
    assert field in refused.value.message_dict
    assert Booking.objects.count() == OutboundEmail.objects.count() == 0


def test_a_taken_slot_is_refused_with_the_nearest_free_times(asha, sports, alice):
    make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "10:00"), buffer_minutes=15)

    with pytest.raises(SlotTaken) as taken:
        book(sports, asha, at(TUESDAY, "10:30"))

    assert "just been taken" in str(taken.value)
    assert [s.start for s in taken.value.alternatives] == [
        at(TUESDAY, "11:15"),
        at(TUESDAY, "11:30"),
        at(TUESDAY, "11:45"),
    ]
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    "start, why",
    [
        (at(TUESDAY, "10:05"), "Sessions start every 15 minutes, and that time is not one of them."),
        (at(TUESDAY, "16:30"), "Asha Patel is not working at that time."),  # runs past the end of the day
        (at(TUESDAY, "07:00"), "Asha Patel is not working at that time."),  # before hours
        (at(TODAY, "10:00"), "can be booked up to 2 hours before they start"),  # NOW is 09:30
        (at(TODAY, "09:00"), "That time has passed."),
        (at(days_from_now(61), "10:00"), f"We take bookings up to {days_from_now(60):%-d %B %Y}."),
    ],
)
def test_a_start_that_was_never_offered_is_refused_saying_why(asha, sports, start, why):
    with pytest.raises(SlotNotFree) as refused:
        book(sports, asha, start)

    assert why in str(refused.value)
    assert not isinstance(refused.value, SlotTaken)
    assert Booking.objects.count() == OutboundEmail.objects.count() == 0


def test_time_off_is_refused_as_time_away_not_as_taken(asha, sports):
    TimeOff.objects.create(therapist=asha, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "12:00"))

    with pytest.raises(SlotNotFree, match="Asha Patel is away at that time") as refused:
        book(sports, asha, at(TUESDAY, "10:30"))

    assert not isinstance(refused.value, SlotTaken)
    assert [s.start for s in refused.value.alternatives][:1] == [at(TUESDAY, "12:00")]


def test_a_therapists_own_longer_notice_is_the_one_quoted(asha, sports):
    asha.min_notice_minutes = 24 * 60
    asha.save(update_fields=["min_notice_minutes"])

    with pytest.raises(SlotNotFree, match="sessions with Asha Patel can be booked up to 1 day before"):
        book(sports, asha, at(days_from_now(1), "09:00"))


def test_first_available_outside_everyones_hours_says_so(asha, bob, sports):
    with pytest.raises(SlotNotFree, match="None of our therapists is working at that time") as refused:
        book(sports, None, at(TUESDAY, "07:00"))

    assert not isinstance(refused.value, SlotTaken)
    assert refused.value.alternatives


def test_first_available_with_everyone_booked_is_a_race(asha, sports, alice):
    make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "10:00"))

    with pytest.raises(SlotTaken):
        book(sports, None, at(TUESDAY, "10:00"))


def test_the_nearest_free_times_survive_a_check_lapsing_later_that_week(asha, sports, alice):
    # Asha's check holds until Thursday, inside the week searched for alternatives; Tuesday
    # 10:00 is taken; Tuesday still has free times.
    asha.registration_expires_on = TUESDAY + dt.timedelta(days=2)
    asha.save(update_fields=["registration_expires_on"])
    make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "10:00"), buffer_minutes=15)

    with pytest.raises(SlotTaken) as taken:
        book(sports, asha, at(TUESDAY, "10:00"))

    assert [s.start for s in taken.value.alternatives] == [
        at(TUESDAY, "11:15"),
        at(TUESDAY, "11:30"),
        at(TUESDAY, "11:45"),
    ]


def test_a_day_after_the_check_lapses_is_refused_naming_the_therapist(asha, sports):
    asha.registration_expires_on = TUESDAY - dt.timedelta(days=1)
    asha.save(update_fields=["registration_expires_on"])

    with pytest.raises(SlotNotFree, match="Asha Patel cannot be booked on that day") as refused:
        book(sports, asha, at(TUESDAY, "10:00"))

    assert refused.value.alternatives  # the days before it lapses
    assert all(s.start < at(TUESDAY, "00:00") for s in refused.value.alternatives)


def test_a_session_the_therapist_does_not_offer_cannot_be_booked_with_them(asha, sports):
    relaxation = make_session_type("Relaxation massage", offered_by_all=False)
    asha.session_types.set([relaxation])

    with pytest.raises(SlotNotFree, match="Asha Patel does not offer sports massage"):
        book(sports, asha, at(TUESDAY, "10:00"))
    with pytest.raises(SlotNotFree, match="None of our therapists offers sports massage"):
        book(sports, None, at(TUESDAY, "10:00"))
    assert Booking.objects.count() == 0
    assert book(relaxation, asha, at(TUESDAY, "10:00")).therapist == asha


def test_first_available_never_picks_a_therapist_who_does_not_offer_the_session(asha, bob, sports):
    make_working_hours(bob)
    asha.session_types.clear()

    assert book(sports, None, at(TUESDAY, "10:00")).therapist == bob


def test_a_booking_cannot_move_once_the_therapist_stops_offering_its_session(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    asha.session_types.clear()

    with pytest.raises(SlotNotFree, match="does not offer sports massage"):
        booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "11:00"), now=NOW)

    booking.refresh_from_db()
    assert (booking.start, booking.status) == (at(TUESDAY, "10:00"), Booking.Status.CONFIRMED)


@pytest.mark.parametrize(
    "start",
    [
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC),
        dt.datetime.fromisoformat("9999-12-31T23:30:00-05:00"),
        dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime.fromisoformat("0001-01-01T00:00:00+05:00"),
    ],
)
def test_a_start_at_the_ends_of_the_calendar_is_refused_and_nothing_is_written(asha, sports, start):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    with pytest.raises(SlotNotFree):
        book(sports, asha, start)
    with pytest.raises(SlotNotFree):
        booking_reschedule(booking_id=booking.pk, start=start, now=NOW)

    booking.refresh_from_db()
    assert booking.start == at(TUESDAY, "10:00")
    assert Booking.objects.count() == 1


def test_a_therapist_whose_check_is_not_verified_cannot_be_booked(sports):
    waiting = make_therapist("waiting")
    make_working_hours(waiting)

    with pytest.raises(BookingError, match="That therapist cannot be booked at the moment"):
        book(sports, waiting, at(TUESDAY, "10:00"))
    assert Booking.objects.count() == 0


def test_an_inactive_session_type_cannot_be_booked(asha):
    retired = make_session_type("Hot stones", active=False)

    with pytest.raises(BookingError, match="not available"):
        book(retired, asha, at(TUESDAY, "10:00"))


def test_the_same_form_sent_twice_makes_one_booking(asha, sports):
    key = uuid.uuid4()

    first = book(sports, asha, at(TUESDAY, "10:00"), key=key)
    second = book(sports, asha, at(TUESDAY, "10:00"), key=key)

    assert first.pk == second.pk
    assert Booking.objects.count() == 1


def test_the_same_form_sent_again_with_spacing_and_case_changed_is_still_the_same_form(asha, sports):
    key = uuid.uuid4()
    first = book(sports, asha, at(TUESDAY, "10:00"), key=key)

    again = booking_create(
        session_type_id=sports.pk,
        therapist_id=asha.pk,
        start=at(TUESDAY, "10:00"),
        details=ClientDetails(name=" alice  WALKER ", email="Alice@Example.com ", phone="07700900123"),
        answers=FINE,
        idempotency_key=key,
        now=NOW,
    )

    assert again.pk == first.pk


@pytest.mark.parametrize(
    "changed",
    [
        {"details": ClientDetails(name="Mallory", email="mallory@example.com", phone="07700 900999")},
        {"start": at(TUESDAY, "11:00")},
        {
            "answers": HealthAnswers(
                answered_yes=("pregnant",),
                main_problem=Problem.SHIN_SPLINTS,
                preferred_pressure=5,
                notes="Left shin",
                consent=True,
            )
        },
    ],
)
def test_a_replayed_key_with_other_details_is_refused_and_reveals_nothing(asha, sports, changed):
    key = uuid.uuid4()
    first = book(sports, asha, at(TUESDAY, "10:00"), key=key)
    emails_before = OutboundEmail.objects.count()
    arguments = {
        "session_type_id": sports.pk,
        "therapist_id": asha.pk,
        "start": at(TUESDAY, "10:00"),
        "details": DETAILS,
        "answers": FINE,
        "idempotency_key": key,
        "now": NOW,
        **changed,
    }

    with pytest.raises(IdempotencyKeyReused) as refused:
        booking_create(**arguments)

    assert "already made a booking" in str(refused.value)
    assert "Alice" not in str(refused.value) and "10:00" not in str(refused.value)
    assert list(Booking.objects.values_list("pk", flat=True)) == [first.pk]
    assert OutboundEmail.objects.count() == emails_before


def test_a_replayed_key_from_another_account_is_refused(asha, sports, alice):
    key = uuid.uuid4()
    book(sports, asha, at(TUESDAY, "10:00"), key=key, client=alice)

    with pytest.raises(IdempotencyKeyReused):
        book(sports, asha, at(TUESDAY, "10:00"), key=key, client=make_user("mallory"))


def test_first_available_books_a_free_therapist(asha, bob, sports, alice):
    make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "10:00"))
    make_working_hours(bob)

    booking = book(sports, None, at(TUESDAY, "10:00"))

    assert booking.therapist == bob


def test_a_client_moves_a_booking_and_its_reminders_move_with_it(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    moved = booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "10:30"), now=NOW)

    assert (moved.start, moved.end, moved.blocks_until) == (
        at(TUESDAY, "10:30"),
        at(TUESDAY, "11:30"),
        at(TUESDAY, "11:45"),
    )
    assert moved.status == Booking.Status.CONFIRMED
    reminders = booking.emails.filter(kind=Kind.BOOKING_REMINDER).order_by("due_at")
    assert [r.due_at for r in reminders] == [at(TUESDAY, "10:30") - dt.timedelta(hours=48), at(TUESDAY, "08:00")]
    assert (
        booking.emails.filter(kind=Kind.BOOKING_MOVED, extra__previous_start=at(TUESDAY, "10:00").isoformat()).count()
        == 1
    )
    assert booking.emails.filter(kind=Kind.STAFF_MOVED).exists()


def test_the_first_reminder_arrives_before_free_cancellation_ends(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    first = booking.emails.filter(kind=Kind.BOOKING_REMINDER).order_by("due_at").first()
    assert first.due_at < booking.free_cancellation_until
    assert not booking.is_late_to_cancel(first.due_at)


def test_a_booking_made_the_day_before_gets_only_the_reminder_on_the_day(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"), now=at(TUESDAY - dt.timedelta(days=1), "09:00"))

    assert [(e.due_at, e.extra) for e in booking.emails.filter(kind=Kind.BOOKING_REMINDER)] == [
        (at(TUESDAY, "08:00"), {"when": "today"})
    ]


def test_a_booking_cannot_move_onto_someone_elses(asha, sports, alice):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    make_booking(therapist=asha, client=alice, session_type=sports, start=at(TUESDAY, "14:00"))

    with pytest.raises(SlotTaken):
        booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "14:00"), now=NOW)

    booking.refresh_from_db()
    assert (booking.start, booking.status) == (at(TUESDAY, "10:00"), Booking.Status.CONFIRMED)


def test_cancelling_early_is_free_and_cancels_the_reminders(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    cancelled = booking_cancel(booking_id=booking.pk, now=NOW)

    assert cancelled.status == Booking.Status.CANCELLED
    assert not cancelled.late_cancellation
    assert {e.status for e in booking.emails.filter(kind=Kind.BOOKING_REMINDER)} == {OutboundEmail.Status.CANCELLED}
    assert booking.emails.filter(kind=Kind.BOOKING_CANCELLED).exists()
    assert booking.emails.filter(kind=Kind.STAFF_CANCELLED).exists()
    # The time is free again.
    assert book(sports, asha, at(TUESDAY, "10:00")).pk != booking.pk


def test_cancelling_inside_the_cut_off_is_recorded_as_late(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    cancelled = booking_cancel(booking_id=booking.pk, now=at(TUESDAY, "08:00"))

    assert cancelled.late_cancellation


@pytest.mark.parametrize(
    "before_start, late",
    [(dt.timedelta(hours=24), False), (dt.timedelta(hours=23, minutes=59), True)],
    ids=["exactly 24 hours before is still free", "a minute later is late"],
)
def test_the_free_cancellation_period_ends_24_hours_before_the_start(asha, sports, before_start, late):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    cancelled = booking_cancel(booking_id=booking.pk, now=at(TUESDAY, "10:00") - before_start)

    assert cancelled.late_cancellation is late


def test_nothing_can_change_after_the_start(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    with pytest.raises(BookingError, match="already started"):
        booking_cancel(booking_id=booking.pk, now=at(TUESDAY, "10:00"))
    with pytest.raises(BookingError, match="already started"):
        booking_reschedule(booking_id=booking.pk, start=at(TUESDAY, "14:00"), now=at(TUESDAY, "10:01"))


def test_a_therapist_cancelling_must_give_a_reason_and_it_is_never_late(asha, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    # A reason from the list: none, or words of her own, are refused.
    for reason in ["", "Therapist unwell"]:
        with pytest.raises(ReasonRefused, match="Choose the reason"):
            booking_cancel(booking_id=booking.pk, cancelled_by=asha.user, reason=reason, now=at(TUESDAY, "08:00"))
    cancelled = booking_cancel(
        booking_id=booking.pk, cancelled_by=asha.user, reason="therapist_unavailable", now=at(TUESDAY, "08:00")
    )

    assert cancelled.cancellation_reason == "The therapist is not available at that time."
    assert not cancelled.late_cancellation


def test_only_the_bookings_own_therapist_can_accept_a_review(asha, bob, sports):
    answers = HealthAnswers(("pregnant",), Problem.RELAXATION, 3, "", True, doctor_ok=True, pregnancy_trimester=2)
    booking = book(sports, asha, at(TUESDAY, "10:00"), answers=answers)

    with pytest.raises(Booking.DoesNotExist):
        booking_review_accept(booking_id=booking.pk, therapist=bob, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.AWAITING_REVIEW
