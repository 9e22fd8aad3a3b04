"""Scan times: parse a client's ISO 8601 time and find its local day (pure)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_SCAN_AGE = timedelta(days=30)
MAX_SCAN_AHEAD = timedelta(minutes=5)


class InvalidTime(ValueError):
    """The time is unreadable; ``code`` is the API's machine-readable code."""

    code = "invalid_time"


class TooOld(InvalidTime):
    """The time is more than 30 days ago."""

    code = "too_old"


class InFuture(InvalidTime):
    """The time is more than 5 minutes ahead."""

    code = "in_future"


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """Return the local calendar day of the aware ``moment``."""
    return moment.astimezone(tz).date()


def parse_local_datetime(text: str, tz: ZoneInfo) -> datetime:
    """Parse ISO 8601 ``text`` into an aware UTC datetime.

    Without an offset the time is local in ``tz``. A local time that occurs twice
    (autumn DST change) or not at all (spring) is read with ``fold=0``: the
    earlier of two, or for a skipped time the offset in force before the change.

    :raises InvalidTime: when the text is not an ISO 8601 date and time;
        :raises TooOld: or :raises InFuture: when it lies beyond the calendar's
        ends in UTC (``0001-01-01T00:00:00+01:00``).
    """
    if not isinstance(text, str) or len(text.strip()) < 16:
        raise InvalidTime("not an ISO 8601 date and time")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidTime("not an ISO 8601 date and time") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz, fold=0)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted past the end of the calendar
        raise (TooOld if moment.year < 2000 else InFuture)("out of range") from None


def parse_scanned_at(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """Parse a client's scan time and check it is recent and not ahead of ``now``.

    :raises InvalidTime: unreadable; :raises TooOld: more than 30 days ago;
        :raises InFuture: more than 5 minutes after ``now``.
    """
    moment = parse_local_datetime(text, tz)
    if moment < now - MAX_SCAN_AGE:
        raise TooOld("more than 30 days ago")
    if moment > now + MAX_SCAN_AHEAD:
        raise InFuture("more than 5 minutes in the future")
    return moment
