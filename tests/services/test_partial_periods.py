"""Weeks and months cut by a report period (vaerested.services.partial_periods).

The expectations are counted day by day (every day of the unit, is it inside
the period?), independently of the module's ordinal arithmetic.
"""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaerested.services.partial_periods import (
    COLUMNS,
    month_of,
    month_span,
    scaled,
    week_span,
)

DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _count(unit: list[date], start: date, end: date) -> int:
    return sum(1 for d in unit if start <= d <= end)


@pytest.mark.parametrize(
    ("day", "start", "end", "days_in_period", "partial"),
    [
        # golden_world(): Mon 2024-01-08 .. Wed 2024-01-10, 3 days of its week.
        (date(2024, 1, 8), date(2024, 1, 8), date(2024, 1, 10), 3, True),
        # A whole week (Monday to Sunday).
        (date(2024, 2, 28), date(2024, 2, 26), date(2024, 3, 10), 7, False),
        # Only the Sunday of the week.
        (date(2024, 3, 4), date(2024, 3, 10), date(2024, 3, 20), 1, True),
        # The year's first ISO week starts in the previous year.
        (date(2021, 1, 1), date(2021, 1, 1), date(2021, 1, 31), 3, True),
        # A week outside the period: nothing of it, not "partial".
        (date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 10), 0, False),
    ],
)
def test_weeks_by_hand(day, start, end, days_in_period, partial):
    span = week_span(day, start, end)
    assert span.first.weekday() == 0 and span.days == 7
    assert (span.days_in_period, span.partial) == (days_in_period, partial)


@pytest.mark.parametrize(
    ("label", "start", "end", "days", "days_in_period", "partial"),
    [
        ("2024-01", date(2024, 1, 8), date(2024, 1, 10), 31, 3, True),
        ("2024-02", date(2024, 2, 26), date(2024, 3, 10), 29, 4, True),  # leap year
        ("2023-02", date(2023, 1, 1), date(2023, 12, 31), 28, 28, False),
        ("2024-03", date(2024, 2, 26), date(2024, 3, 10), 31, 10, True),
        ("2024-04", date(2024, 4, 1), date(2024, 4, 30), 30, 30, False),
    ],
)
def test_months_by_hand(label, start, end, days, days_in_period, partial):
    span = month_of(label, start, end)
    assert (span.days, span.days_in_period, span.partial) == (
        days,
        days_in_period,
        partial,
    )
    assert span.columns() == {"days_in_period": days_in_period, "partial": int(partial)}
    assert list(span.columns()) == COLUMNS


@given(day=DAYS, a=DAYS, b=DAYS)
def test_week_counts_its_days(day, a, b):
    start, end = min(a, b), max(a, b)
    span = week_span(day, start, end)
    monday = day - timedelta(days=day.weekday())  # 0001-01-01 is a Monday
    assert span.first == monday and span.days == 7
    if date.max - monday >= timedelta(days=6):  # else: only no overflow
        unit = _days(monday, monday + timedelta(days=6))
        assert span.days_in_period == _count(unit, start, end)
    assert span.partial == (0 < span.days_in_period < 7)


@given(day=DAYS, a=DAYS, b=DAYS)
def test_month_counts_its_days(day, a, b):
    start, end = min(a, b), max(a, b)
    span = month_span(day, start, end)
    unit, d = [], day.replace(day=1)
    while d.month == day.month:
        unit.append(d)
        if d == date.max:
            break
        d += timedelta(days=1)
    assert span.days == len(unit) and span.first == unit[0]
    assert span.days_in_period == _count(unit, start, end)
    assert span.partial == (0 < span.days_in_period < span.days)


@given(day=DAYS, a=DAYS, b=DAYS, value=st.integers(0, 10**6))
def test_scaled_to_the_whole_unit(day, a, b, value):
    start, end = min(a, b), max(a, b)
    span = month_span(day, start, end)
    got = scaled(value, span)
    if span.days_in_period == 0:
        assert got == 0
    elif not span.partial:
        assert got == value  # a whole month keeps its value
    else:
        assert got >= value
        assert got * span.days_in_period == pytest.approx(value * span.days)


def test_the_last_days_of_the_calendar_do_not_overflow():
    last = date(9999, 12, 31)  # a Friday: its week ends in the year 10000
    assert week_span(last, last, last).days_in_period == 1
    assert month_span(last, date(9999, 12, 1), last).partial is False
    assert week_span(date(1, 1, 1), date(1, 1, 1), date(1, 1, 7)).days_in_period == 7
