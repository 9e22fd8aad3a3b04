"""Periods of scheduled exports and which one is due (checked by brute force)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaerested.services.periods import (
    Cadence,
    Period,
    due_period,
    next_run_date,
    period_containing,
    previous_period,
    run_date,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
cadences = st.sampled_from(list(Cadence))
weekdays = st.integers(min_value=0, max_value=6)
month_days = st.integers(min_value=1, max_value=28)
QUARTER_MONTHS = (1, 4, 7, 10)


def anchor_for(cadence, weekday, day_of_month):
    if cadence is Cadence.WEEKLY:
        return {"weekday": weekday}
    return {"day_of_month": day_of_month}


def is_run_day(cadence, day, weekday, day_of_month) -> bool:
    """Say whether ``day`` is a run day, straight from the definition."""
    if cadence is Cadence.WEEKLY:
        return day.weekday() == weekday
    if cadence is Cadence.MONTHLY:
        return day.day == day_of_month
    return day.day == day_of_month and day.month in QUARTER_MONTHS


def expected_period_before(cadence, day) -> Period:
    """The whole period before the one containing ``day``, computed by walking days."""

    def key(d):
        if cadence is Cadence.WEEKLY:
            return d.isocalendar()[:2]
        if cadence is Cadence.MONTHLY:
            return (d.year, d.month)
        return (d.year, (d.month - 1) // 3)

    current = key(day)
    end = day
    while key(end) == current:
        end -= timedelta(days=1)
    start = end
    while key(start - timedelta(days=1)) == key(end):
        start -= timedelta(days=1)
    return Period(start, end)


@given(cadences, days)
def test_previous_period_is_the_whole_period_before(cadence, day):
    period = previous_period(cadence, day)
    assert period == expected_period_before(cadence, day)
    assert period.end < day
    assert period.end + timedelta(days=1) == period_containing(cadence, day).start
    if cadence is Cadence.WEEKLY:
        assert period.start.weekday() == 0 and period.days == 7
    elif cadence is Cadence.MONTHLY:
        assert period.start.day == 1 and 28 <= period.days <= 31
        assert (period.end + timedelta(days=1)).day == 1
    else:
        assert period.start.day == 1 and period.start.month in QUARTER_MONTHS
        assert 90 <= period.days <= 92


@given(cadences, days)
def test_period_containing_contains_the_day(cadence, day):
    period = period_containing(cadence, day)
    assert period.start <= day <= period.end
    assert previous_period(cadence, period.end + timedelta(days=1)) == period


@given(cadences, days, weekdays, month_days)
def test_due_period_is_the_period_before_the_latest_run_day(
    cadence, today, weekday, day_of_month
):
    anchor = anchor_for(cadence, weekday, day_of_month)
    last_run = today
    while not is_run_day(cadence, last_run, weekday, day_of_month):
        last_run -= timedelta(days=1)
    due = due_period(cadence, today, **anchor)
    assert due == expected_period_before(cadence, last_run)
    assert run_date(cadence, due, **anchor) == last_run
    # A schedule made after that run day has nothing due yet; made on it, it has.
    assert due_period(cadence, today, **anchor, not_before=last_run) == due
    later = last_run + timedelta(days=1)
    assert due_period(cadence, today, **anchor, not_before=later) is None


@given(cadences, days, weekdays, month_days)
def test_next_run_date_is_the_first_run_day_from_today(
    cadence, today, weekday, day_of_month
):
    expected = today
    while not is_run_day(cadence, expected, weekday, day_of_month):
        expected += timedelta(days=1)
    anchor = anchor_for(cadence, weekday, day_of_month)
    assert next_run_date(cadence, today, **anchor) == expected


@pytest.mark.parametrize(
    ("cadence", "today", "anchor", "expected"),
    [
        # Weekly on Monday: on Monday 2026-03-09 the week 2-8 March is due.
        (
            "weekly",
            date(2026, 3, 9),
            {"weekday": 0},
            (date(2026, 3, 2), date(2026, 3, 8)),
        ),
        # Weekly on Wednesday, asked on Tuesday: the week before last.
        (
            "weekly",
            date(2026, 3, 10),
            {"weekday": 2},
            (date(2026, 2, 23), date(2026, 3, 1)),
        ),
        # Monthly on the 3rd: on 3 March, February (28 days in 2026).
        (
            "monthly",
            date(2026, 3, 3),
            {"day_of_month": 3},
            (date(2026, 2, 1), date(2026, 2, 28)),
        ),
        # On 2 March, still January.
        (
            "monthly",
            date(2026, 3, 2),
            {"day_of_month": 3},
            (date(2026, 1, 1), date(2026, 1, 31)),
        ),
        # Quarterly on the 1st: on 1 January, Q4 of the year before.
        (
            "quarterly",
            date(2027, 1, 1),
            {"day_of_month": 1},
            (date(2026, 10, 1), date(2026, 12, 31)),
        ),
        # A scheduler down from 1 April to 20 August catches up with Q2 only.
        (
            "quarterly",
            date(2026, 8, 20),
            {"day_of_month": 1},
            (date(2026, 4, 1), date(2026, 6, 30)),
        ),
    ],
)
def test_due_period_examples(cadence, today, anchor, expected):
    assert due_period(cadence, today, **anchor) == Period(*expected)


@pytest.mark.parametrize(
    ("cadence", "anchor"),
    [
        ("weekly", {"weekday": None}),
        ("weekly", {"weekday": 7}),
        ("monthly", {"day_of_month": 0}),
        ("monthly", {"day_of_month": 29}),
        ("quarterly", {}),
    ],
)
def test_bad_anchor_is_refused(cadence, anchor):
    with pytest.raises(ValueError):
        due_period(cadence, date(2026, 1, 1), **anchor)
