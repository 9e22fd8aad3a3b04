"""Opening-hours logic checked against a brute-force minute grid over one week."""

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaerested.services.opening_hours import (
    DayHours,
    Interval,
    crosses_midnight,
    format_interval,
    group_by_weekday,
    hours_per_week,
    is_open_at,
    overlapping_pairs,
)

MONDAY = datetime(2024, 1, 1)  # a Monday
WEEK_MINUTES = 7 * 24 * 60


def t(text: str) -> time:
    return time.fromisoformat(text)


def grid(interval) -> set[int]:
    """Return the minutes of the week (0 = Monday 00:00) the interval covers."""
    weekday, opens, closes = interval
    start = weekday * 1440 + opens.hour * 60 + opens.minute
    length = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    if length <= 0:
        length += 1440
    return {(start + k) % WEEK_MINUTES for k in range(length)}


def at_minute(minute: int) -> datetime:
    return MONDAY + timedelta(minutes=minute)


times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
intervals = st.builds(Interval, st.integers(0, 6), times, times)
interval_lists = st.lists(intervals, max_size=5)


@settings(max_examples=60, deadline=None)
@given(interval_lists)
def test_is_open_at_agrees_with_minute_grid(ivs):
    open_minutes = set().union(*(grid(iv) for iv in ivs)) if ivs else set()
    for minute in range(0, WEEK_MINUTES, 7):  # 7 is coprime with 60: all offsets
        assert is_open_at(ivs, at_minute(minute)) == (minute in open_minutes)
    for minute in open_minutes:
        assert is_open_at(ivs, at_minute(minute))


@settings(max_examples=200, deadline=None)
@given(interval_lists)
def test_hours_per_week_counts_open_minutes(ivs):
    open_minutes = set().union(*(grid(iv) for iv in ivs)) if ivs else set()
    assert hours_per_week(ivs) == pytest.approx(len(open_minutes) / 60)


@settings(max_examples=200, deadline=None)
@given(interval_lists)
def test_hours_per_week_is_the_sum_when_nothing_overlaps(ivs):
    if overlapping_pairs(ivs):
        return
    assert hours_per_week(ivs) == pytest.approx(sum(len(grid(iv)) for iv in ivs) / 60)


@settings(max_examples=300, deadline=None)
@given(interval_lists)
def test_overlapping_pairs_agree_with_minute_grid(ivs):
    expected = [
        (i, j)
        for i in range(len(ivs))
        for j in range(i + 1, len(ivs))
        if grid(ivs[i]) & grid(ivs[j])
    ]
    assert overlapping_pairs(ivs) == expected


def test_past_midnight_interval_runs_into_next_day():
    ivs = [(4, t("22:00"), t("02:00"))]  # Friday night
    assert is_open_at(ivs, datetime(2024, 1, 5, 23, 59))
    assert is_open_at(ivs, datetime(2024, 1, 6, 1, 59))
    assert not is_open_at(ivs, datetime(2024, 1, 6, 2, 0))
    assert not is_open_at(ivs, datetime(2024, 1, 5, 21, 59))


def test_sunday_night_wraps_to_monday_morning():
    ivs = [(6, t("20:00"), t("03:00"))]
    assert is_open_at(ivs, datetime(2024, 1, 1, 2, 30))  # Monday
    assert not is_open_at(ivs, datetime(2024, 1, 1, 3, 0))


def test_midnight_to_midnight_is_24_hours():
    ivs = [(d, t("00:00"), t("00:00")) for d in range(7)]
    assert hours_per_week(ivs) == 168
    assert overlapping_pairs(ivs) == []
    assert all(is_open_at(ivs, at_minute(m)) for m in range(0, WEEK_MINUTES, 13))


def test_touching_intervals_do_not_overlap():
    assert (
        overlapping_pairs([(0, t("10:00"), t("12:00")), (0, t("12:00"), t("14:00"))])
        == []
    )
    assert overlapping_pairs(
        [(0, t("22:00"), t("02:00")), (1, t("01:00"), t("09:00"))]
    ) == [(0, 1)]
    assert overlapping_pairs(
        [(6, t("22:00"), t("02:00")), (0, t("01:59"), t("03:00"))]
    ) == [(0, 1)]


def test_hours_per_week_examples():
    assert hours_per_week([]) == 0
    assert (
        hours_per_week([(0, t("10:00"), t("16:30")), (2, t("22:00"), t("02:00"))])
        == 10.5
    )
    # An overlap is counted once.
    assert (
        hours_per_week([(0, t("10:00"), t("14:00")), (0, t("12:00"), t("16:00"))]) == 6
    )


def test_seconds_in_the_query_time_are_respected():
    ivs = [(0, t("10:00"), t("11:00"))]
    assert is_open_at(ivs, datetime(2024, 1, 1, 10, 59, 59))
    assert not is_open_at(ivs, datetime(2024, 1, 1, 9, 59, 59))


def test_bad_weekday_is_refused():
    with pytest.raises(ValueError):
        hours_per_week([(7, t("10:00"), t("11:00"))])


def test_format_and_group():
    assert format_interval(t("10:00"), t("16:00")) == "10:00–16:00"
    assert format_interval(t("18:00"), t("00:00")) == "18:00–24:00"
    assert format_interval(t("00:00"), t("00:00")) == "00:00–24:00"
    assert crosses_midnight(t("22:00"), t("02:00"))
    assert not crosses_midnight(t("18:00"), t("00:00"))
    assert not crosses_midnight(t("00:00"), t("00:00"))
    assert crosses_midnight(t("10:00"), t("10:00"))
    days = group_by_weekday(
        [
            (1, t("18:00"), t("21:00")),
            (1, t("09:00"), t("12:00")),
            (5, t("22:00"), t("02:00")),
        ]
    )
    assert len(days) == 7
    assert days[0] == DayHours(0, [])
    assert days[1] == DayHours(1, [("09:00–12:00", False), ("18:00–21:00", False)])
    assert days[5] == DayHours(5, [("22:00–02:00", True)])
