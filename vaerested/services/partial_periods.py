"""Weeks and months cut by a report period: how many of their days it covers.

A report period (both ends inclusive) rarely starts on a Monday or the 1st, so
the first and last week (ISO, Monday to Sunday) or calendar month of a series
are often *partial*: only some of their days lie inside the period. Drawn as a
full bar, such a week looks like a collapse in visits. The tables keep the
count of the days inside the period (``days_in_period``) and a ``partial``
flag (1 or 0); charts draw a partial unit hatched, at its count scaled to the
whole unit (:func:`scaled`: count x days in the unit / days in the period),
with the actual count in its title and table.
"""

import calendar
from dataclasses import dataclass
from datetime import date

DAYS_IN_WEEK = 7
#: The columns appended to a weekly or monthly table (after today's columns).
COLUMNS = ["days_in_period", "partial"]


@dataclass(frozen=True)
class Span:
    """One week or month and how much of it a period covers."""

    #: The unit's first day (a Monday, or the 1st of a month).
    first: date
    #: Days of the whole unit (7, or 28 to 31).
    days: int
    #: Days of the unit inside the period (0 when they do not overlap).
    days_in_period: int

    @property
    def partial(self) -> bool:
        """Return True when only some of the unit's days are in the period."""
        return 0 < self.days_in_period < self.days

    def columns(self) -> dict:
        """Return the appended table cells: ``days_in_period`` and ``partial`` (1/0)."""
        return {"days_in_period": self.days_in_period, "partial": int(self.partial)}


def _overlap(first: int, days: int, start: date, end: date) -> int:
    """Return how many of the ``days`` days from ordinal ``first`` are in the period.

    Day ordinals, not dates: a unit reaching past ``date.max`` (the last week
    of the year 9999) raises no OverflowError.
    """
    last = first + days - 1
    return max(0, min(last, end.toordinal()) - max(first, start.toordinal()) + 1)


def week_span(day: date, start: date, end: date) -> Span:
    """Return the ISO week (Monday to Sunday) holding ``day``, against the period."""
    monday = day.toordinal() - day.weekday()
    return Span(
        date.fromordinal(monday),
        DAYS_IN_WEEK,
        _overlap(monday, DAYS_IN_WEEK, start, end),
    )


def month_span(day: date, start: date, end: date) -> Span:
    """Return the calendar month holding ``day``, against the period."""
    first = day.replace(day=1)
    days = calendar.monthrange(first.year, first.month)[1]
    return Span(first, days, _overlap(first.toordinal(), days, start, end))


def month_of(label: str, start: date, end: date) -> Span:
    """Return the month of a ``YYYY-MM`` label against the period."""
    year, month = (int(part) for part in label.split("-"))
    return month_span(date(year, month, 1), start, end)


def scaled(value: int | float, span: Span) -> float:
    """Return ``value`` scaled from the days in the period to the whole unit.

    A full unit keeps its value; a unit not in the period at all gives 0.
    """
    if not span.days_in_period:
        return 0.0
    return value * span.days / span.days_in_period
