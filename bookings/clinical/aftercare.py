"""Aftercare: what each client is told in the 48 hours after a session, and when.

Pure: no queries. The plan's times are built in Europe/London and returned in UTC; the
words are the clinic's own, chosen by session type, pressure band and problem (DOMAIN.md's
tables for where to work, what to avoid and what to do next).
"""

import datetime
import enum
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from clinic.london import LONDON, wall_clock_to_utc
from clinic.problems import Problem

TODAY_AFTER = datetime.timedelta(minutes=30)
NEXT_DAY_AT = datetime.time(10, 0)
CHECK_IN_AFTER = datetime.timedelta(hours=48)


class Step(enum.Enum):
    TODAY = "aftercare_today"
    NEXT_DAY = "aftercare_next_day"
    CHECK_IN = "aftercare_check_in"


def _sending_hours() -> tuple[datetime.time, datetime.time | None]:
    # Aftercare is a service message, but nobody wants one at night: due times outside the
    # clinic's sending hours (London, 08:00-20:00 unless set) wait for the morning.
    until = settings.AFTERCARE_SEND_UNTIL_HOUR
    return datetime.time(settings.AFTERCARE_SEND_FROM_HOUR), None if until == 24 else datetime.time(until)


def is_quiet_time(when: datetime.datetime) -> bool:
    """Whether ``when`` falls outside London's sending hours, when no aftercare leaves."""
    send_from, send_until = _sending_hours()
    local = when.astimezone(LONDON).time()
    return local < send_from or (send_until is not None and local >= send_until)


def within_sending_hours(when: datetime.datetime) -> datetime.datetime:
    """The first instant at or after ``when`` that falls in London's sending hours."""
    send_from, send_until = _sending_hours()
    local = when.astimezone(LONDON)
    if local.time() < send_from:
        return wall_clock_to_utc(local.date(), send_from)
    if send_until is not None and local.time() >= send_until:
        return wall_clock_to_utc(local.date() + datetime.timedelta(days=1), send_from)
    return when.astimezone(datetime.UTC)


def plan(session_end: datetime.datetime, *, now: datetime.datetime) -> list[tuple[Step, datetime.datetime]]:
    """When each aftercare email is due, for a session that ended at ``session_end`` and notes
    written at ``now``: soon after it, the next London morning, and about 48 hours after it.

    Each email speaks of a day ("the rest of today", "the next day"), so one that could only
    go out on a later day than the one it speaks of is left out: notes written at 21:15 skip
    "the rest of today", and notes written days late send only the check-in, once it is
    due and outside quiet hours."""
    session_day = session_end.astimezone(LONDON).date()
    next_day = session_day + datetime.timedelta(days=1)
    speaks_of = [
        (Step.TODAY, session_end + TODAY_AFTER, session_day),
        (Step.NEXT_DAY, wall_clock_to_utc(next_day, NEXT_DAY_AT), next_day),
        (Step.CHECK_IN, session_end + CHECK_IN_AFTER, None),
    ]
    steps = []
    for step, planned, day in speaks_of:
        due = within_sending_hours(max(planned, now))
        if day is None or due.astimezone(LONDON).date() == day:
            steps.append((step, due))
    return steps


class PressureBand(enum.Enum):
    LIGHT = "light"
    MODERATE = "moderate"
    FIRM = "firm"


def pressure_band(pressure: int) -> PressureBand:
    if pressure <= 4:
        return PressureBand.LIGHT
    if pressure <= 7:
        return PressureBand.MODERATE
    return PressureBand.FIRM


# What the client may feel later today, by how firm the session was.
EXPECT = {
    PressureBand.LIGHT: "The pressure in your session was light, so you may feel loose and a little sleepy. Soreness is unlikely; if an area feels tender, it should settle by tomorrow.",
    PressureBand.MODERATE: "The pressure in your session was moderate. Some tenderness, a bit like the day after a hard workout, is normal for up to a day.",
    PressureBand.FIRM: "The pressure in your session was firm. You may feel sore for a day or two, and a little bruising can happen. If you are limping or badly bruised two days from now, the session was too much for your body right now: tell us, and we will go lighter next time.",
}

# How each kind of session tends to leave people, and what suits the rest of the day.
SESSION_TODAY = {
    "sports": "Keep any training today easy: a relaxed walk or gentle spin rather than speed or heavy weights.",
    "deep_tissue": "Deep work can leave muscles feeling heavy. Move gently, keep warm, and give the worked areas a rest from hard effort today.",
    "relaxation": "Try to hold on to the calm: an unhurried evening and an early night help your body make the most of the session.",
}


@dataclass(frozen=True)
class ProblemAdvice:
    name: str
    next_steps: str  # the next day's email: the next 1-2 weeks
    at_home: str
    loading_muscle: str  # the flare rule: where to work more next time
    come_back: str


PROBLEM_ADVICE = {
    Problem.PLANTAR_FASCIITIS: ProblemAdvice(
        "heel and arch pain",
        "For the next 10 to 14 days, keep off hilly routes, and begin calf strengthening three times a week: slow heel raises on a step, both legs, then one.",
        "Roll the sole of your foot over a tennis ball from heel to toes for about a minute a side, then hold tender spots along the arch with your thumb for 10 to 15 seconds. Stay off hard pressure on the sore part of the heel itself.",
        "the calf and soleus",
        "While it is sore, a short run of weekly or fortnightly sessions over 4 to 6 weeks tends to help most.",
    ),
    Problem.KNEE_PAIN: ProblemAdvice(
        "knee pain",
        "For the next 7 to 10 days, keep runs flat and easy, and add step-downs or split squats two or three times a week, stopping short of pain.",
        "A foam roller on the front of the thighs and the calves is fine; leave the side of the thigh (the IT band) alone rather than grinding on it.",
        "the quads and glutes",
        "While it is sore, a short run of weekly or fortnightly sessions over 4 to 6 weeks tends to help most.",
    ),
    Problem.SHIN_SPLINTS: ProblemAdvice(
        "shin pain",
        "Ease back on whatever jumped up recently (distance, speed or hills), choose softer surfaces when you can, and do calf raises and toe raises two or three times a week.",
        "Work the calves by hand or with a roller. Keep away from pressing hard along the sore edge of the shin bone.",
        "the calf and soleus",
        "While it is sore, a short run of weekly or fortnightly sessions over 4 to 6 weeks tends to help most.",
    ),
    Problem.ACHILLES: ProblemAdvice(
        "Achilles pain",
        "For about two weeks, cut back on hills and fast running, and build up calf loading steadily: heel raises, slowly, most days if the tendon allows.",
        "Roll or massage the calf muscles, not the tendon: pressing or rubbing an irritable tendon tends to stir it up.",
        "the calf and soleus",
        "While it is sore, a short run of weekly or fortnightly sessions over 4 to 6 weeks tends to help most.",
    ),
    Problem.HIP_DEEP_GLUTE: ProblemAdvice(
        "hip and deep buttock pain",
        "For the next two weeks, cut down on what sets it off (long sitting, hills, long runs), and do hip control work such as side-lying leg raises or single-leg balance two or three times a week.",
        "A ball against a wall on the side of the hip and the buttock is fine for a minute or two; don't keep hunting one knot for long.",
        "the glutes and hip flexors",
        "While it is sore, a short run of weekly or fortnightly sessions over 4 to 6 weeks tends to help most.",
    ),
    Problem.POST_TRAINING: ProblemAdvice(
        "recovery after training",
        "Ease back into training over the next day or two: start with easy sessions before anything hard, and keep up your usual strength work.",
        "A few minutes with a foam roller on the legs after training, at a moderate pressure (about 4 to 6 out of 10), keeps things moving between sessions.",
        "the muscles that did the work",
        "If you train hard or compete, every 2 to 4 weeks suits most people; for general upkeep, every 3 to 6 "
        "weeks; if you train or play for fun now and then, every 6 to 8 weeks is plenty.",
    ),
    Problem.GENERAL_TIGHTNESS: ProblemAdvice(
        "general tightness",
        "Keep moving every day: a walk, some easy mobility, and regular breaks if you sit for long.",
        "Gentle self-massage or a foam roller at a moderate pressure (about 4 to 6 out of 10) for a few minutes, most days.",
        "the tightest areas",
        "For general upkeep, a session every 3 to 6 weeks suits most people; if you are active now and then, "
        "every 6 to 8 weeks.",
    ),
    Problem.RELAXATION: ProblemAdvice(
        "stress and sleep",
        "Protect some calm time in the next few days: a walk outside, a regular bedtime, and a screen-free half hour before sleep.",
        "Slow breathing for a few minutes before bed, or a warm bath, helps keep the benefits going.",
        "the areas that hold tension",
        "Many people book every 4 to 6 weeks, or whenever life gets busy.",
    ),
}

RED_FLAGS = (
    "sharp pain in one exact spot on a bone or along the shin",
    "pain at night or when you are resting",
    "swelling, heat or redness",
    "numbness, pins and needles or weakness",
    "pain that gets worse week on week",
)


class Feedback(models.TextChoices):
    """The client's answer to the check-in email ("how do you feel now?"). The email's links,
    the page that confirms an answer, the booking's record and the therapist's pages all use
    these words, so the client reads back exactly what they clicked."""

    BETTER = "better", "Better"
    SAME = "same", "About the same"
    WORSE = "worse", "Worse"
    FLARED = "flared", "It flared up for more than a day"


# The answers that mean the session was too much: the therapist is alerted, and the next
# session follows the flare rule.
FLARE_ANSWERS = {Feedback.WORSE, Feedback.FLARED}
# The flare rule: after a session that made things worse, the next goes this many points
# lighter (on the 0-10 scale) and works more on the muscle that loads the painful area.
FLARE_PRESSURE_DROP = 2
# DOMAIN.md's band for a flared area: the next session starts inside it, and never firmer than
# the session that flared (the pressure rule would refuse that without a reason).
FLARED_BAND = (2, 4)


@dataclass(frozen=True)
class FlareAdvice:
    pressure_used: int  # in the session that made things worse
    pressure_drop: int
    suggested_pressure: int
    focus: str  # the muscle to work more on


def flare_advice(*, problem: str, pressure_used: int) -> FlareAdvice:
    """The flare rule for the next session after a client said it got worse or flared up."""
    return FlareAdvice(
        pressure_used=pressure_used,
        pressure_drop=FLARE_PRESSURE_DROP,
        suggested_pressure=min(max(pressure_used - FLARE_PRESSURE_DROP, FLARED_BAND[0]), FLARED_BAND[1], pressure_used),
        focus=PROBLEM_ADVICE[Problem(problem)].loading_muscle,
    )


# Runners' problems (DOMAIN.md's table): their page covers getting back to running and a
# runner's work at home. Recovery after training is not one of them: a lifter or a rower with
# aching muscles gets the training advice, not running's; nor do tightness and relaxation.
RUNNING_PROBLEMS = {
    Problem.PLANTAR_FASCIITIS,
    Problem.KNEE_PAIN,
    Problem.SHIN_SPLINTS,
    Problem.ACHILLES,
    Problem.HIP_DEEP_GLUTE,
}

# The rest of the day, by kind of session.
REST_OF_DAY = {
    "sports": (
        "Go for an easy walk later on: gentle movement helps.",
        "Drink some water.",
    ),
    "deep_tissue": (
        "Go for an easy walk later on: gentle movement helps.",
        "Drink some water.",
        "Give the areas that were worked deeply a rest from hard effort for a day or two.",
    ),
    "relaxation": (
        "Rest: let the rest of the day be slow, and skip anything strenuous.",
        "Drink some water, and go easy on caffeine and alcohol tonight.",
        "Go to bed a little earlier than usual: sleep is when the benefits settle in.",
    ),
}

# After a sports session, sensitive areas mean 24-48 hours of easier effort (DOMAIN.md): a runner's
# running, and for anyone else (a lifter after training) their training, not running they may not do.
SENSITIVE_AREAS = {
    True: "If you had sore or sensitive areas, keep any running easy for the next day or two.",
    False: "If you had sore or sensitive areas, keep any hard training easy for the next day or two.",
}

# A relaxation session is about rest, whatever brought the client in: its page gives rest,
# sleep and water, never training or running advice.
RELAXATION_SESSION = ProblemAdvice(
    "rest and recovery",
    "Over the next few days keep some calm time: a walk outside, regular meals and water through the day, and a "
    "regular bedtime with a screen-free half hour before sleep.",
    "A warm bath or a few minutes of slow breathing before bed helps keep the benefits going.",
    "the areas that hold tension",
    "Many people book every 4 to 6 weeks, or whenever life gets busy.",
)

# At home between sessions, for runners (DOMAIN.md), on top of the problem's own advice.
RUNNER_AT_HOME = (
    "A ball under the foot, rolled slowly from heel to toes for about a minute a foot: a tennis ball is gentle; "
    "a lacrosse or golf ball works more deeply, so go carefully with it.",
    "Toe stretches: spread your toes, then gently pull them back towards you for a few breaths.",
    "Look at your feet now and then: new blisters or calluses usually point at shoes that no longer suit you.",
)

# Back to running (DOMAIN.md's rule): all of these, and one change at a time.
BACK_TO_RUNNING = (
    "pain during the run stays at 3 out of 10 or less and doesn't change how you run",
    "it isn't worse the next morning",
    "you aren't limping",
    "it hasn't been getting steadily worse over the last 7 to 10 days",
)


@dataclass(frozen=True)
class PageAdvice:
    """What the aftercare page says about one session. The emails only point to it."""

    expect: str
    session_today: str
    rest_of_day: tuple[str, ...]
    problem: ProblemAdvice
    # Running and strength advice: for sports and deep tissue sessions about a running problem.
    for_runners: bool
    runner_at_home: tuple[str, ...] = ()
    back_to_running: tuple[str, ...] = ()


def page_advice(*, session_kind: str, problem: str, pressure_used: int) -> PageAdvice:
    """The page's words for a session: a relaxation session gets rest, sleep and water whatever
    the problem; sports and deep tissue keep the problem's advice, and runners' problems add
    getting back to running and a runner's work at home."""
    if session_kind == "relaxation":
        return PageAdvice(
            expect=EXPECT[pressure_band(pressure_used)],
            session_today=SESSION_TODAY["relaxation"],
            rest_of_day=REST_OF_DAY["relaxation"],
            problem=RELAXATION_SESSION,
            for_runners=False,
        )
    for_runners = Problem(problem) in RUNNING_PROBLEMS
    return PageAdvice(
        expect=EXPECT[pressure_band(pressure_used)],
        session_today=SESSION_TODAY[session_kind],
        rest_of_day=REST_OF_DAY[session_kind] + ((SENSITIVE_AREAS[for_runners],) if session_kind == "sports" else ()),
        problem=PROBLEM_ADVICE[Problem(problem)],
        for_runners=for_runners,
        runner_at_home=RUNNER_AT_HOME if for_runners else (),
        back_to_running=BACK_TO_RUNNING if for_runners else (),
    )


# When a "book again" email suits, after a session for each problem (DOMAIN.md: during an
# injury a short block of weekly or fortnightly sessions; competitive athletes every 2-4 weeks;
# maintenance every 3-6 weeks). Marketing: sent only with consent (bookings.privacy.marketing).
REBOOK_AFTER = {
    Problem.PLANTAR_FASCIITIS: datetime.timedelta(days=14),
    Problem.KNEE_PAIN: datetime.timedelta(days=14),
    Problem.SHIN_SPLINTS: datetime.timedelta(days=14),
    Problem.ACHILLES: datetime.timedelta(days=14),
    Problem.HIP_DEEP_GLUTE: datetime.timedelta(days=14),
    Problem.POST_TRAINING: datetime.timedelta(days=21),
    Problem.GENERAL_TIGHTNESS: datetime.timedelta(days=28),
    Problem.RELAXATION: datetime.timedelta(days=35),
}
