"""Recurrence rules to session times, in local wall-clock time.

A rule says when an activity takes place in the centre's local time: every
Tuesday 10:00-12:00, every other Thursday, the first Monday of the month, or
once. :func:`occurrences` expands it with :mod:`dateutil.rrule` on naive local
datetimes, then attaches the zone, so a 10:00 session stays at 10:00 local
across a daylight-saving change (its UTC time moves instead). A local time that
does not exist (spring gap) is read with ``fold=0``, i.e. with the offset in
force before the change; one that occurs twice (autumn) is the first of the two.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil import rrule

from vaerested.services.opening_hours import DAY_SECONDS, WEEK_SECONDS, week_span

WEEKLY = "weekly"
MONTHLY = "monthly"
ONCE = "once"
KINDS = (WEEKLY, MONTHLY, ONCE)
NTH_VALUES = (1, 2, 3, 4, 5, -1)
_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


class RuleSpec(NamedTuple):
    """A recurrence rule as plain values (see ``ActivityRule``)."""

    kind: str
    start_date: date
    end_date: date | None
    start_time: time
    end_time: time
    weekday: int | None = None
    interval_weeks: int = 1
    nth: int | None = None
    exceptions: frozenset[date] = frozenset()


class Occurrence(NamedTuple):
    """One occurrence: aware UTC start and end, and the local wall-clock start."""

    start: datetime
    end: datetime
    local_start: datetime


def validate(spec: RuleSpec) -> None:
    """Check that ``spec`` is a rule :func:`occurrences` can expand.

    :raises ValueError: naming the first problem found.
    """
    if spec.kind not in KINDS:
        raise ValueError(f"unknown kind {spec.kind!r}")
    if spec.end_date is not None and spec.end_date < spec.start_date:
        raise ValueError("end_date is before start_date")
    if spec.kind in (WEEKLY, MONTHLY) and spec.weekday not in range(7):
        raise ValueError("weekday must be 0-6")
    if spec.kind == WEEKLY and not 1 <= spec.interval_weeks <= 52:
        raise ValueError("interval_weeks must be 1-52")
    if spec.kind == MONTHLY and spec.nth not in NTH_VALUES:
        raise ValueError("nth must be 1-5 or -1")


def to_aware(local: datetime, tz: ZoneInfo) -> datetime:
    """Return the naive local wall-clock ``local`` as an aware UTC datetime."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def local_end(start_local: datetime, start: time, end: time) -> datetime:
    """Return the local end: same day, or the next day when ``end`` <= ``start``."""
    end_local = datetime.combine(start_local.date(), end)
    if end <= start:
        end_local += timedelta(days=1)
    return end_local


def _rrule(spec: RuleSpec, until: date) -> rrule.rrule:
    dtstart = datetime.combine(spec.start_date, spec.start_time)
    until_dt = datetime.combine(until, time.max)
    if spec.kind == ONCE:
        return rrule.rrule(rrule.DAILY, dtstart=dtstart, count=1)
    weekday = _WEEKDAYS[spec.weekday]
    if spec.kind == WEEKLY:
        # Count the weeks from the first such weekday on or after the start
        # (rrule would count from the start's week: "every other Monday" from a
        # Wednesday would then skip the first Monday).
        first = spec.start_date + timedelta(
            days=(spec.weekday - spec.start_date.weekday()) % 7
        )
        return rrule.rrule(
            rrule.WEEKLY,
            dtstart=datetime.combine(first, spec.start_time),
            interval=spec.interval_weeks,
            byweekday=weekday,
            until=until_dt,
        )
    return rrule.rrule(
        rrule.MONTHLY, dtstart=dtstart, byweekday=weekday(spec.nth), until=until_dt
    )


def occurrences(
    spec: RuleSpec, tz: ZoneInfo, since: datetime, until: datetime
) -> list[Occurrence]:
    """Return the occurrences of ``spec`` starting in ``[since, until)``.

    ``since`` and ``until`` are aware datetimes. Exception days are left out.
    """
    validate(spec)
    # Widen the window by a day on each side in local time, then cut exactly.
    first = since.astimezone(tz).date() - timedelta(days=1)
    last = until.astimezone(tz).date() + timedelta(days=1)
    if spec.end_date is not None:
        last = min(last, spec.end_date)
    if last < spec.start_date or last < first:
        return []
    window_from = datetime.combine(max(first, spec.start_date), time.min)
    found = []
    for local in _rrule(spec, last).between(
        window_from, datetime.combine(last, time.max), inc=True
    ):
        if local.date() in spec.exceptions:
            continue
        start = to_aware(local, tz)
        if not since <= start < until:
            continue
        end = to_aware(local_end(local, spec.start_time, spec.end_time), tz)
        found.append(Occurrence(start, end, local))
    return found


def session_local_times(
    day: date, start: time, end: time, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """Return aware UTC ``(start, end)`` of a session on local ``day``."""
    start_local = datetime.combine(day, start)
    return to_aware(start_local, tz), to_aware(local_end(start_local, start, end), tz)


def overlaps(a_start: datetime, a_end: datetime, b_start, b_end) -> bool:
    """Return whether two half-open time spans overlap (touching does not)."""
    return a_start < b_end and b_start < a_end


def within_opening_hours(
    intervals: Iterable[Sequence], start_local: datetime, end_local: datetime
) -> bool:
    """Return whether the weekly opening ``intervals`` cover the whole session.

    ``start_local``/``end_local`` are local wall-clock datetimes. A session of
    more than a week is never covered.
    """
    if end_local <= start_local:
        return False
    length = int((end_local - start_local).total_seconds())
    if length > WEEK_SECONDS:
        return False
    begin = (
        start_local.weekday() * DAY_SECONDS
        + start_local.hour * 3600
        + start_local.minute * 60
        + start_local.second
    )
    # Open time as [start, end) segments on a two-week line, so a session late
    # on Sunday can run into Monday.
    segments = []
    for interval in intervals:
        s, e = week_span(interval)
        segments += [(s, e), (s + WEEK_SECONDS, e + WEEK_SECONDS)]
        if e > WEEK_SECONDS:
            segments.append((s - WEEK_SECONDS, e - WEEK_SECONDS))
    segments.sort()
    point, stop = begin, begin + length
    for s, e in segments:
        if s <= point < e:
            point = e
            if point >= stop:
                return True
    return point >= stop


def parse_exception_dates(text: str) -> list[date]:
    """Parse dates separated by commas, spaces or lines.

    :raises ValueError: naming the first part that is not an ISO date.
    """
    found = set()
    for part in text.replace(",", " ").split():
        try:
            found.add(date.fromisoformat(part))
        except ValueError as error:
            raise ValueError(part) from error
    return sorted(found)


def hours(start: datetime, end: datetime) -> float:
    """Return the length of a span in hours."""
    return (end - start).total_seconds() / 3600
