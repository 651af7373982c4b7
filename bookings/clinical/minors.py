"""Clients under 18: pure dates, no database. A client under 16 cannot consent to massage
alone: a parent or guardian agrees and comes to the session. A minor's record is kept until they
are 25 (18 + 7 years, as UK massage insurers ask), or longer if the clinic's own period after
the last session ends later."""

import datetime

ADULT = 18
CONSENTS_ALONE = 16
RECORD_KEPT_UNTIL_AGE = 25
# A date of birth further back than this is a typing mistake, not a client.
OLDEST = 120


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Whole years from ``born`` to ``day`` (a 29 February birthday counts from 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def needs_guardian(born: datetime.date | None, day: datetime.date) -> bool:
    """Whether a client born on ``born`` is under 16 on ``day`` (no date: an adult)."""
    return born is not None and age_on(born, day) < CONSENTS_ALONE


def birthday(born: datetime.date, age: int) -> datetime.date:
    """The day a client born on ``born`` turns ``age`` (28 February for a 29 February birthday
    in a year without one)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return born.replace(year=born.year + age, day=28)
