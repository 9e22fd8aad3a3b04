"""Report periods of scheduled exports, and which period is due on a given day.

A schedule covers the previous whole period: an ISO week (Monday to Sunday), a
calendar month or a calendar quarter. Its weekday (weekly) or day of the month
(monthly; for quarterly, the day of the quarter's first month) says on which
local day the export for the period just ended runs. Periods are whole local
days; both ends are inclusive.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)
#: Highest allowed day of the month: every month has it.
MAX_DAY_OF_MONTH = 28


class Cadence(enum.StrEnum):
    #: The previous ISO week, run on a weekday of the following week.
    WEEKLY = "weekly"
    #: The previous calendar month, run on a day of the following month.
    MONTHLY = "monthly"
    #: The previous calendar quarter, run on a day of the next quarter's first month.
    QUARTERLY = "quarterly"


@dataclass(frozen=True, order=True)
class Period:
    """Whole local days from ``start`` to ``end``, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days in the period."""
        return (self.end - self.start).days + 1


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def period_containing(cadence: Cadence, day: date) -> Period:
    """Return the period of ``cadence`` that contains ``day``."""
    cadence = Cadence(cadence)
    if cadence is Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    if cadence is Cadence.MONTHLY:
        start = day.replace(day=1)
        length = 1
    else:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        length = 3
    following = _month_start(start, -length)
    return Period(start, following - ONE_DAY)


def previous_period(cadence: Cadence, day: date) -> Period:
    """Return the whole period of ``cadence`` just before the one containing ``day``."""
    return period_containing(cadence, period_containing(cadence, day).start - ONE_DAY)


def check_anchor(cadence: Cadence, weekday: int | None, day_of_month: int | None):
    """Raise ValueError unless the anchor fits ``cadence``.

    :raises ValueError: weekly needs ``weekday`` 0 (Monday) to 6; monthly and
        quarterly need ``day_of_month`` 1 to 28.
    """
    if Cadence(cadence) is Cadence.WEEKLY:
        if weekday is None or not 0 <= weekday <= 6:
            raise ValueError("weekly schedules need a weekday from 0 to 6")
    elif day_of_month is None or not 1 <= day_of_month <= MAX_DAY_OF_MONTH:
        raise ValueError("monthly and quarterly schedules need a day from 1 to 28")


def run_date(
    cadence: Cadence,
    period: Period,
    *,
    weekday: int | None = None,
    day_of_month: int | None = None,
) -> date:
    """Return the local day on which the export of ``period`` is due."""
    check_anchor(cadence, weekday, day_of_month)
    following = period.end + ONE_DAY
    if Cadence(cadence) is Cadence.WEEKLY:
        return following + timedelta(days=weekday)
    return following.replace(day=day_of_month)


def due_period(
    cadence: Cadence,
    today: date,
    *,
    weekday: int | None = None,
    day_of_month: int | None = None,
    not_before: date | None = None,
) -> Period | None:
    """Return the most recent period whose run day is on or before ``today``.

    Only that one: a scheduler that was down over several run days catches up
    once, with the latest period. ``not_before`` (the day the schedule was made)
    drops a period whose run day came before it; then None is returned.
    """
    anchor = {"weekday": weekday, "day_of_month": day_of_month}
    period = previous_period(cadence, today)
    if run_date(cadence, period, **anchor) > today:
        period = previous_period(cadence, period.start)
    if not_before is not None and run_date(cadence, period, **anchor) < not_before:
        return None
    return period


def next_run_date(
    cadence: Cadence,
    today: date,
    *,
    weekday: int | None = None,
    day_of_month: int | None = None,
) -> date:
    """Return the first run day on or after ``today``."""
    anchor = {"weekday": weekday, "day_of_month": day_of_month}
    upcoming = run_date(cadence, previous_period(cadence, today), **anchor)
    if upcoming >= today:
        return upcoming
    return run_date(cadence, period_containing(cadence, today), **anchor)
