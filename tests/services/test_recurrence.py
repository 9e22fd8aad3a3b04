"""Recurrence rules: DST, month ends, exceptions, windows, opening-hours cover."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaerested.services.recurrence import (
    RuleSpec,
    occurrences,
    parse_exception_dates,
    session_local_times,
    validate,
    within_opening_hours,
)

CPH = ZoneInfo("Europe/Copenhagen")
T10, T12 = time(10), time(12)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def window(first: date, last: date):
    """Aware bounds covering the local days first..last."""
    return (
        datetime.combine(first, time(), CPH).astimezone(UTC),
        datetime.combine(last + timedelta(days=1), time(), CPH).astimezone(UTC),
    )


def weekly(weekday, start, end=None, interval=1, **kw):
    return RuleSpec(
        "weekly",
        start,
        end,
        kw.pop("start_time", T10),
        kw.pop("end_time", T12),
        weekday=weekday,
        interval_weeks=interval,
        **kw,
    )


def monthly(weekday, nth, start, end=None):
    return RuleSpec("monthly", start, end, T10, T12, weekday=weekday, nth=nth)


def local_starts(spec, first, last):
    return [
        o.start.astimezone(CPH) for o in occurrences(spec, CPH, *window(first, last))
    ]


def test_spring_dst_keeps_ten_oclock_local():
    # Summer time starts on Sunday 29 March 2026.
    spec = weekly(1, date(2026, 3, 17))  # Tuesdays
    found = occurrences(spec, CPH, *window(date(2026, 3, 23), date(2026, 4, 5)))
    assert [o.start for o in found] == [utc(2026, 3, 24, 9), utc(2026, 3, 31, 8)]
    assert [o.end for o in found] == [utc(2026, 3, 24, 11), utc(2026, 3, 31, 10)]
    assert all(o.start.astimezone(CPH).time() == T10 for o in found)
    assert all(o.local_start.time() == T10 for o in found)


def test_autumn_dst_keeps_ten_oclock_local():
    # Summer time ends on Sunday 25 October 2026: the Sunday session itself too.
    spec = weekly(6, date(2026, 10, 1))
    found = occurrences(spec, CPH, *window(date(2026, 10, 18), date(2026, 11, 1)))
    assert [o.start for o in found] == [
        utc(2026, 10, 18, 8),
        utc(2026, 10, 25, 9),
        utc(2026, 11, 1, 9),
    ]
    assert {o.start.astimezone(CPH).time() for o in found} == {T10}


def test_times_inside_the_dst_change_use_fold_zero():
    # 02:30 does not exist on 29 March (read with the winter offset: 01:30 UTC),
    # and occurs twice on 25 October (the first one: summer offset, 00:30 UTC).
    gap = weekly(6, date(2026, 3, 29), start_time=time(2, 30), end_time=time(3, 30))
    twice = weekly(6, date(2026, 10, 25), start_time=time(2, 30), end_time=time(3, 0))
    (g,) = occurrences(gap, CPH, *window(date(2026, 3, 29), date(2026, 3, 29)))
    (t,) = occurrences(twice, CPH, *window(date(2026, 10, 25), date(2026, 10, 25)))
    assert g.start == utc(2026, 3, 29, 1, 30)
    assert t.start == utc(2026, 10, 25, 0, 30)
    assert t.end == utc(2026, 10, 25, 2, 0)  # 03:00 CET


def test_every_other_thursday_counts_from_the_first_thursday():
    # 2026-01-05 is a Monday; the first Thursday is 8 January.
    spec = weekly(3, date(2026, 1, 5), interval=2)
    starts = local_starts(spec, date(2026, 1, 1), date(2026, 2, 28))
    assert [d.date() for d in starts] == [
        date(2026, 1, 8),
        date(2026, 1, 22),
        date(2026, 2, 5),
        date(2026, 2, 19),
    ]


def test_first_monday_and_last_friday_of_the_month():
    first_monday = monthly(0, 1, date(2026, 1, 1))
    last_friday = monthly(4, -1, date(2026, 1, 1))
    span = (date(2026, 1, 1), date(2026, 4, 30))
    assert [d.date() for d in local_starts(first_monday, *span)] == [
        date(2026, 1, 5),
        date(2026, 2, 2),
        date(2026, 3, 2),
        date(2026, 4, 6),
    ]
    assert [d.date() for d in local_starts(last_friday, *span)] == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
    ]


def test_fifth_weekday_only_in_months_that_have_one():
    spec = monthly(0, 5, date(2026, 1, 1))  # the fifth Monday
    got = [d.date() for d in local_starts(spec, date(2026, 1, 1), date(2026, 12, 31))]
    expected = []
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day.weekday() == 0 and (day.day - 1) // 7 == 4:
            expected.append(day)
        day += timedelta(days=1)
    assert (
        got
        == expected
        == [date(2026, 3, 30), date(2026, 6, 29), date(2026, 8, 31), date(2026, 11, 30)]
    )


def test_exceptions_and_inclusive_end_date():
    spec = weekly(
        3,
        date(2026, 12, 1),
        end=date(2026, 12, 31),
        exceptions=frozenset({date(2026, 12, 24)}),
    )
    got = [d.date() for d in local_starts(spec, date(2026, 11, 1), date(2027, 1, 31))]
    assert got == [
        date(2026, 12, 3),
        date(2026, 12, 10),
        date(2026, 12, 17),
        date(2026, 12, 31),
    ]


def test_once_and_past_midnight():
    spec = RuleSpec("once", date(2026, 6, 5), None, time(22), time(2))
    (o,) = occurrences(spec, CPH, *window(date(2026, 6, 1), date(2026, 6, 30)))
    assert o.start == utc(2026, 6, 5, 20) and o.end == utc(2026, 6, 6, 0)
    assert occurrences(spec, CPH, *window(date(2026, 6, 6), date(2026, 6, 30))) == []


def test_window_is_half_open_on_exact_instants():
    spec = weekly(1, date(2026, 1, 1))
    start = utc(2026, 1, 6, 9)  # Tuesday 10:00 CET
    assert [o.start for o in occurrences(spec, CPH, start, start + timedelta(1))] == [
        start
    ]
    assert occurrences(spec, CPH, start - timedelta(days=1), start) == []


def test_session_local_times_across_dst():
    assert session_local_times(date(2026, 3, 29), T10, T12, CPH) == (
        utc(2026, 3, 29, 8),
        utc(2026, 3, 29, 10),
    )


@pytest.mark.parametrize(
    "spec",
    [
        RuleSpec("yearly", date(2026, 1, 1), None, T10, T12),
        weekly(7, date(2026, 1, 1)),
        weekly(1, date(2026, 1, 1), interval=0),
        monthly(1, 0, date(2026, 1, 1)),
        weekly(1, date(2026, 1, 2), end=date(2026, 1, 1)),
    ],
)
def test_validate_rejects_bad_rules(spec):
    with pytest.raises(ValueError):
        validate(spec)


def test_parse_exception_dates():
    assert parse_exception_dates("2026-12-31, 2026-12-24\n2026-12-24") == [
        date(2026, 12, 24),
        date(2026, 12, 31),
    ]
    with pytest.raises(ValueError, match="24-12-2026"):
        parse_exception_dates("2026-12-24 24-12-2026")


@settings(max_examples=150, deadline=None)
@given(
    weekday=st.integers(0, 6),
    interval=st.integers(1, 5),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    length=st.integers(0, 200),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_weekly_matches_day_by_day_expectation(
    weekday, interval, start, length, hour, minute
):
    end = start + timedelta(days=length)
    at = time(hour, minute)
    spec = weekly(
        weekday,
        start,
        end=end,
        interval=interval,
        start_time=at,
        end_time=time((hour + 1) % 24, minute),
    )
    got = occurrences(spec, CPH, *window(start - timedelta(days=3), end + timedelta(3)))
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    expected = []
    day = first
    while day <= end:
        expected.append(day)
        day += timedelta(weeks=interval)
    assert [o.local_start.date() for o in got] == expected
    for o in got:
        assert o.local_start.time() == at
        # The UTC instant maps back to the same wall clock unless it fell in
        # the spring gap (read with fold=0, i.e. an hour later on the clock).
        back = o.start.astimezone(CPH).replace(tzinfo=None)
        assert back - o.local_start in (timedelta(0), timedelta(hours=1))


MON_10_16 = [(0, time(10), time(16))]


@pytest.mark.parametrize(
    ("intervals", "start", "end", "expected"),
    [
        (MON_10_16, datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 12), True),
        (MON_10_16, datetime(2026, 3, 2, 15), datetime(2026, 3, 2, 17), False),
        (MON_10_16, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 11), False),
        (MON_10_16, datetime(2026, 3, 3, 10), datetime(2026, 3, 3, 12), False),
        (MON_10_16, datetime(2026, 3, 2, 14), datetime(2026, 3, 2, 16), True),
        ([], datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11), False),
        # Adjacent intervals cover a session across the seam.
        (
            [(0, time(10), time(12)), (0, time(12), time(16))],
            datetime(2026, 3, 2, 11),
            datetime(2026, 3, 2, 13),
            True,
        ),
        # A gap between intervals is not covered.
        (
            [(0, time(10), time(12)), (0, time(13), time(16))],
            datetime(2026, 3, 2, 11),
            datetime(2026, 3, 2, 14),
            False,
        ),
        # Sunday 22:00-02:00 runs into Monday.
        (
            [(6, time(22), time(2))],
            datetime(2026, 3, 8, 23),
            datetime(2026, 3, 9, 1),
            True,
        ),
        # Open around the clock.
        (
            [(d, time(0), time(0)) for d in range(7)],
            datetime(2026, 3, 8, 20),
            datetime(2026, 3, 9, 8),
            True,
        ),
    ],
)
def test_within_opening_hours(intervals, start, end, expected):
    assert within_opening_hours(intervals, start, end) is expected
