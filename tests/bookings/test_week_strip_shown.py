"""The week strip asked for one day's starts (the booking page's way: the day shown in full, the
other six only whether they have a start) gives exactly what the whole week's search gives, on
random clinics: therapists with their own hours, notice and time off, bookings, rooms with
closures and turnover, sessions that need a room or not, in weeks with and without a change of
the clocks."""

import datetime as dt
import random

import pytest
from django.db import IntegrityError, transaction

from bookings.slots.week import week_strip
from clinic.london import LONDON
from therapists.models import TimeOff

from ..clock import london
from ..factories import (
    booking_rules,
    make_bookable_therapist,
    make_booking,
    make_room,
    make_session_type,
    make_working_hours,
)

pytestmark = pytest.mark.django_db

# Mornings from which the week is searched: an ordinary week, and the four of 2026-2027's clock
# changes inside the week.
STARTS = [london(2030, 1, 16, 9, 30), london(2026, 3, 26, 8), london(2026, 10, 22, 8)]
STARTS += [london(2027, 3, 25, 8), london(2027, 10, 28, 8)]
SEEDS = range(24)


def _clinic(rng: random.Random, now: dt.datetime):
    """A random clinic for the week from ``now``: its session type and therapists."""
    booking_rules(
        step_minutes=rng.choice([15, 30]),
        min_notice_minutes=rng.choice([0, 120, 1500]),
        buffer_minutes=rng.choice([0, 10]),
    )
    session = make_session_type(
        "Sports massage", offered_by_all=False, duration_minutes=rng.choice([30, 60]), needs_room=rng.random() < 0.6
    )
    rooms = [
        make_room(f"Room {n}", suits=[session], turnover_minutes=rng.choice([0, 15])) for n in range(rng.randint(0, 2))
    ]
    today = now.astimezone(LONDON).date()
    therapists = []
    for n in range(rng.randint(1, 4)):
        therapist = make_bookable_therapist(f"t{n}", min_notice_minutes=rng.choice([0, 0, 240]))
        therapist.session_types.add(session)
        opening = rng.randint(0, 10)
        make_working_hours(
            therapist,
            [
                (day, dt.time(opening), dt.time(min(23, opening + rng.randint(2, 9))))
                for day in range(7)
                if rng.random() < 0.7
            ],
        )
        for _ in range(rng.randint(0, 12)):
            day = today + dt.timedelta(days=rng.randint(0, 6))
            start = london(day.year, day.month, day.day, rng.randint(opening, 22), rng.choice([0, 15, 30, 45]))
            room = rng.choice(rooms + [None]) if session.needs_room else None
            try:
                with transaction.atomic():
                    make_booking(therapist=therapist, session_type=session, start=start, room=room)
            except IntegrityError:
                pass  # overlapping another booking of theirs, or the room's: the database says no
        if rng.random() < 0.4:
            day = today + dt.timedelta(days=rng.randint(0, 6))
            off = london(day.year, day.month, day.day, rng.randint(0, 20))
            TimeOff.objects.create(therapist=therapist, start=off, end=off + dt.timedelta(hours=rng.randint(1, 30)))
        therapists.append(therapist)
    return session, therapists


@pytest.mark.parametrize("seed", SEEDS)
def test_the_strip_for_a_day_shown_matches_the_whole_weeks_search(time_machine, seed):
    rng = random.Random(seed)
    now = STARTS[seed % len(STARTS)]
    time_machine.move_to(now, tick=False)
    session, therapists = _clinic(rng, now)
    today = now.astimezone(LONDON).date()

    for therapist_id in [None] + [t.pk for t in therapists]:
        search = {
            "therapist_id": therapist_id,
            "session_type": session,
            "date_from": today,
            "last_day": today + dt.timedelta(days=60),
            "now": now,
        }
        whole = week_strip(**search)
        for shown in (today + dt.timedelta(days=n) for n in range(7)):
            strip = week_strip(**search, shown=shown)
            assert strip.days == whole.days, (seed, therapist_id, shown)
            assert strip.slots == whole.slots_on(shown), (seed, therapist_id, shown)


def test_the_random_clinics_have_free_and_full_days(time_machine):
    """The comparison means something: across the seeds, strips hold both days with starts and
    days without."""
    free = full = 0
    for seed in SEEDS[:8]:
        with transaction.atomic():
            rng = random.Random(seed)
            now = STARTS[seed % len(STARTS)]
            time_machine.move_to(now, tick=False)
            session, _ = _clinic(rng, now)
            today = now.astimezone(LONDON).date()
            days = week_strip(
                therapist_id=None,
                session_type=session,
                date_from=today,
                last_day=today + dt.timedelta(days=60),
                now=now,
            ).days
            free += sum(day.free for day in days)
            full += sum(not day.free for day in days)
            transaction.set_rollback(True)
    assert free > 0 and full > 0
