"""Outcome scores: the client's pain and one or two activities that matter to them, rated 0-10
when booking and again at the 48-hour check-in, so the therapist can see whether they are
getting better."""

import datetime
from dataclasses import dataclass

from bookings.models import Booking, OutcomeScore

PAIN = "pain"
MAX_ACTIVITIES = 2


@dataclass(frozen=True)
class Ratings:
    """What the client rated: pain (None if not asked or left blank) and activities by name."""

    pain: int | None = None
    activities: tuple[tuple[str, int], ...] = ()

    def __bool__(self) -> bool:
        return self.pain is not None or bool(self.activities)


def outcome_scores_record(
    *, booking: Booking, taken: str, ratings: Ratings, now: datetime.datetime
) -> list[OutcomeScore]:
    """Writes the ratings as rows (inside the caller's transaction). Scores outside 0-10 or more
    than MAX_ACTIVITIES activities raise ValueError: the forms refuse them first."""
    rows = []
    if ratings.pain is not None:
        rows.append((OutcomeScore.Kind.PAIN, PAIN, ratings.pain))
    if len(ratings.activities) > MAX_ACTIVITIES:
        raise ValueError(f"At most {MAX_ACTIVITIES} activities.")
    rows += [(OutcomeScore.Kind.ACTIVITY, name, score) for name, score in ratings.activities]
    if any(not 0 <= score <= 10 for _, _, score in rows):
        raise ValueError("Scores run from 0 to 10.")
    return OutcomeScore.objects.bulk_create(
        OutcomeScore(booking=booking, taken=taken, kind=kind, measure=measure, score=score, taken_at=now)
        for kind, measure, score in rows
    )


def activities_named(*, booking: Booking) -> list[str]:
    """The activities the client named when booking, for the check-in to ask about again."""
    return list(
        booking.outcome_scores.filter(taken=OutcomeScore.Taken.BOOKING, kind=OutcomeScore.Kind.ACTIVITY)
        .order_by("pk")
        .values_list("measure", flat=True)
    )


def activities_last_named(*, user) -> list[str]:
    """The activities a returning client named at their last booking with any (by account
    only), to fill the booking form's labels in again."""
    if user is None or not user.is_authenticated:
        return []
    latest = (
        OutcomeScore.objects.filter(
            booking__client=user, taken=OutcomeScore.Taken.BOOKING, kind=OutcomeScore.Kind.ACTIVITY
        )
        .order_by("-booking__start")
        .values_list("booking_id", flat=True)
        .first()
    )
    if latest is None:
        return []
    return list(
        OutcomeScore.objects.filter(
            booking_id=latest, taken=OutcomeScore.Taken.BOOKING, kind=OutcomeScore.Kind.ACTIVITY
        )
        .order_by("pk")
        .values_list("measure", flat=True)
    )
