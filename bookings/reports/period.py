"""The period a report covers: London dates, first to last inclusive, chosen by a preset or
typed; and the period just before it, for the comparison."""

import dataclasses
import datetime

from clinic.errors import ServiceError
from clinic.london import london_midnight

LONGEST = datetime.timedelta(days=3 * 366)
PRESETS = {
    "this_week": "This week",
    "last_month": "Last month",
    "last_12_months": "Last 12 months",
    "custom": "Dates of your own",
}


class PeriodError(ServiceError):
    pass


@dataclasses.dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date

    @property
    def begins(self) -> datetime.datetime:
        return london_midnight(self.first)

    @property
    def ends(self) -> datetime.datetime:
        """The first instant after the last day."""
        return london_midnight(self.last + datetime.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def before(self) -> "Period":
        """The period of the same length that ends the day before this one starts."""
        last = self.first - datetime.timedelta(days=1)
        return Period(last - datetime.timedelta(days=self.days - 1), last)

    def slug(self) -> str:
        return f"{self.first.isoformat()}_to_{self.last.isoformat()}"


def period_for(
    preset: str, today: datetime.date, first: datetime.date | None = None, last: datetime.date | None = None
) -> Period:
    """The period a preset names (as of ``today``), or the typed one. Raises PeriodError for
    a typed period that is missing, backwards, longer than three years or out of the calendar
    a clinic uses."""
    if preset == "this_week":
        monday = today - datetime.timedelta(days=today.weekday())
        return Period(monday, monday + datetime.timedelta(days=6))
    if preset == "last_month":
        last_day = today.replace(day=1) - datetime.timedelta(days=1)
        return Period(last_day.replace(day=1), last_day)
    if preset == "last_12_months":
        return Period(today - datetime.timedelta(days=364), today)
    if first is None or last is None:
        raise PeriodError("Please give both the first and the last day.")
    if not (datetime.date(2000, 1, 1) <= first <= datetime.date(2100, 12, 31)) or not (
        datetime.date(2000, 1, 1) <= last <= datetime.date(2100, 12, 31)
    ):
        raise PeriodError("Please choose days between the years 2000 and 2100.")
    if last < first:
        raise PeriodError("The last day is before the first. Please put them in order.")
    if last - first > LONGEST:
        raise PeriodError("Please choose a period of three years or less.")
    return Period(first, last)
