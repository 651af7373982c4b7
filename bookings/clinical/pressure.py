"""Safer pressure: the domain's pressure bands, where to work and what to avoid for each
problem, and when a recorded pressure needs the therapist to say why. Pure: no database."""

from dataclasses import dataclass

from bookings.clinical.aftercare import PROBLEM_ADVICE
from clinic.problems import Problem


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str
    suits: str


BANDS = (
    Band(0, 4, "Light (2-4)", "acute or flared pain, irritable tendons, sensitive shins"),
    Band(5, 7, "Moderate (5-7)", "stubborn tightness, overload, stiff but stable"),
    Band(8, 10, "Firm (8-10)", "rarely needed: a higher risk of flare-ups and bruising"),
)


@dataclass(frozen=True)
class WorkOn:
    work_on: str
    avoid: str


# DOMAIN.md's table, in our words; the general cases have nothing to avoid beyond the bands.
WORK_ON = {
    Problem.PLANTAR_FASCIITIS: WorkOn(
        "calf and soleus, gentle work on the small muscles of the foot", "hard pressure on a sore heel insertion"
    ),
    Problem.KNEE_PAIN: WorkOn(
        "quads, hip flexors, glutes and calves", "grinding the IT band; digging into a flared tendon"
    ),
    Problem.SHIN_SPLINTS: WorkOn(
        "soleus and calf, tibialis anterior, peroneals", "deep work along a painful edge of the shin bone"
    ),
    Problem.ACHILLES: WorkOn("calf and soleus, not the tendon", "deep friction on an irritable tendon"),
    Problem.HIP_DEEP_GLUTE: WorkOn(
        "glute med and min, deep rotators, hip flexors if they feel blocked",
        "chasing one knot for the whole session; ignoring nerve symptoms",
    ),
}

# Problems where the light band is the rule (irritable tendons, sensitive shins and heels):
# firm pressure there is recorded only with a reason.
SENSITIVE = {Problem.ACHILLES, Problem.KNEE_PAIN, Problem.PLANTAR_FASCIITIS, Problem.SHIN_SPLINTS}
FIRM_FROM = 8
# Where the notes start without a stated preference: the top of the light band on a sensitive
# problem (irritable tendons, heels and shins), the middle of the scale otherwise.
START_SENSITIVE = 4
START_OTHERWISE = 5


def start_pressure(*, problem: str, preferred: int | None, flared_start: int | None) -> int:
    """The pressure the notes form starts on: after a flare-up the flare rule's (inside the
    flared band, bookings.clinical.aftercare.flare_advice), else the client's stated preference,
    else light on a sensitive problem and moderate otherwise. A starting point, never a value
    the pressure rule would refuse without a reason unless the client asked for it."""
    if flared_start is not None:
        return flared_start
    if preferred is not None:
        return preferred
    return START_SENSITIVE if problem in SENSITIVE else START_OTHERWISE


def pressure_warnings(*, problem: str, pressure: int, last_pressure: int | None, flared: bool) -> list[str]:
    """Why this pressure needs a reason on record: firm pressure on a sensitive problem, or more
    pressure than last time after the client reported a flare-up. Empty when it needs none."""
    warnings = []
    if pressure >= FIRM_FROM and problem in SENSITIVE:
        warnings.append(
            f"{pressure}/10 is firm for {PROBLEM_ADVICE[Problem(problem)].name}: the light band (2-4) is the usual choice."
        )
    if flared and last_pressure is not None and pressure > last_pressure:
        warnings.append(
            f"{pressure}/10 is more than last time ({last_pressure}/10), and the client said that session made "
            "things worse."
        )
    return warnings
