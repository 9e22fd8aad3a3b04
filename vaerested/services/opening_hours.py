"""Weekly opening hours as plain tuples: open-now checks, overlaps, totals.

An interval is ``(weekday, opens, closes)`` with ``weekday`` 0 = Monday … 6 =
Sunday and two :class:`datetime.time` values in local wall-clock time. When
``closes`` is not after ``opens`` the interval runs past midnight into the next
day; ``00:00-00:00`` (any ``opens == closes``) is a full 24 hours. The week is
circular: Sunday 22:00-02:00 closes on Monday morning. An optional fourth item
``is_user_run`` marks an interval run by the users without staff (absent or
False: staffed).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import NamedTuple

DAY_SECONDS = 24 * 60 * 60
WEEK_SECONDS = 7 * DAY_SECONDS


class Interval(NamedTuple):
    """One weekly opening interval (local wall-clock times)."""

    weekday: int
    opens: time
    closes: time


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def duration_seconds(opens: time, closes: time) -> int:
    """Return the interval's length in seconds (past midnight and 24 h included)."""
    length = _seconds(closes) - _seconds(opens)
    return length if length > 0 else length + DAY_SECONDS


def crosses_midnight(opens: time, closes: time) -> bool:
    """Return whether the interval closes on the following day.

    An interval closing exactly at 00:00 (``00:00-00:00`` included) ends at
    midnight and does not cross it.
    """
    return _seconds(opens) + duration_seconds(opens, closes) > DAY_SECONDS


def week_span(interval: Sequence) -> tuple[int, int]:
    """Return ``(start, end)`` in seconds since Monday 00:00; ``end`` may pass a week."""
    weekday, opens, closes = interval[0], interval[1], interval[2]
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0-6, not {weekday!r}")
    start = weekday * DAY_SECONDS + _seconds(opens)
    return start, start + duration_seconds(opens, closes)


def is_open_at(intervals: Iterable[Sequence], when: datetime) -> bool:
    """Return whether any interval covers the local wall-clock time ``when``.

    ``when`` is read as local time (its tzinfo, if any, is not converted).
    Opening is inclusive and closing exclusive.
    """
    moment = when.weekday() * DAY_SECONDS + _seconds(when.time())
    for interval in intervals:
        start, end = week_span(interval)
        if start <= moment < end or start <= moment + WEEK_SECONDS < end:
            return True
    return False


STAFFED = "staffed"
USER_RUN = "user_run"


def _is_user_run(interval: Sequence) -> bool:
    return len(interval) > 3 and bool(interval[3])


def open_state_at(intervals: Iterable[Sequence], when: datetime) -> str | None:
    """Return ``"staffed"``, ``"user_run"`` or None (closed) at ``when``.

    Like :func:`is_open_at`; when a staffed and a user-run interval both cover
    ``when``, staff are present, so the answer is ``"staffed"``.
    """
    covering = [i for i in intervals if is_open_at([i], when)]
    if not covering:
        return None
    return USER_RUN if all(_is_user_run(i) for i in covering) else STAFFED


def hour_states(intervals: Iterable[Sequence]) -> list[list[str | None]]:
    """Return ``states[weekday][hour]`` for the 7 x 24 hours of the week.

    An hour counts as open when any interval covers part of it (an interval
    10:00-16:30 opens the hour 16-17; one closing at 16:00 does not). It is
    ``"staffed"`` when a staffed interval covers part of it, else ``"user_run"``
    when a user-run one does, else None.
    """
    states: list[list[str | None]] = [[None] * 24 for _ in range(7)]
    for interval in intervals:
        span = week_span(interval)
        state = USER_RUN if _is_user_run(interval) else STAFFED
        for weekday in range(7):
            for hour in range(24):
                if states[weekday][hour] == STAFFED:
                    continue
                start = weekday * DAY_SECONDS + hour * 3600
                if _intersect(span, (start, start + 3600)):
                    states[weekday][hour] = state
    return states


def _intersect(a: tuple[int, int], b: tuple[int, int]) -> bool:
    # Spans are shorter than a week, so shifting one by a week either way
    # covers every way two circular spans can meet.
    return any(
        a[0] < b[1] + shift and b[0] + shift < a[1]
        for shift in (-WEEK_SECONDS, 0, WEEK_SECONDS)
    )


def overlapping_pairs(intervals: Sequence[Sequence]) -> list[tuple[int, int]]:
    """Return the index pairs ``(i, j)``, ``i < j``, of intervals that overlap.

    Intervals that only touch (one closes when the other opens) do not overlap.
    """
    spans = [week_span(interval) for interval in intervals]
    return [
        (i, j)
        for i in range(len(spans))
        for j in range(i + 1, len(spans))
        if _intersect(spans[i], spans[j])
    ]


def _open_segments(intervals: Iterable[Sequence]) -> list[tuple[int, int]]:
    """Return the open time of the week as sorted, merged ``[start, end)`` segments."""
    pieces = []
    for interval in intervals:
        start, end = week_span(interval)
        if end > WEEK_SECONDS:
            pieces.append((start, WEEK_SECONDS))
            pieces.append((0, end - WEEK_SECONDS))
        else:
            pieces.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def hours_per_week(intervals: Iterable[Sequence]) -> float:
    """Return the hours a week the centre is open (overlaps counted once)."""
    return sum(end - start for start, end in _open_segments(intervals)) / 3600


def format_interval(opens: time, closes: time) -> str:
    """Return ``"10:00–16:00"``; a close at midnight reads ``24:00``."""
    end = "24:00" if closes == time(0) else f"{closes:%H:%M}"
    return f"{opens:%H:%M}–{end}"


class DayHours(NamedTuple):
    """The intervals opening on one weekday, for display."""

    weekday: int
    #: ``(label, crosses_midnight)`` per interval, in opening order.
    intervals: list[tuple[str, bool]]


def group_by_weekday(intervals: Iterable[Sequence]) -> list[DayHours]:
    """Return seven :class:`DayHours`, Monday first, each sorted by opening time."""
    days: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for interval in intervals:
        week_span(interval)  # validates the weekday
        days[interval[0]].append((interval[1], interval[2]))
    return [
        DayHours(
            weekday,
            [(format_interval(o, c), crosses_midnight(o, c)) for o, c in sorted(day)],
        )
        for weekday, day in enumerate(days)
    ]
