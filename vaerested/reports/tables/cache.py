"""Cache of the reports' aggregate rows, one entry per query, period and scope.

At 2,000,000 visits an aggregate over a year takes seconds; the pages must
answer in well under one. So the pages (and the downloads offered on them) run
their aggregate queries through :func:`cached_rows` inside :func:`caching`:

- an entry is the small result of one query (rows per centre, district or
  month), keyed by the query's name, the period, the centres and an ``extra``
  string for anything else the result depends on;
- a period that ends less than :data:`LATE_DAYS` days ago can still change
  (offline scans arrive up to 30 days late, today's check-ins all day), so its
  entries expire after ``REPORT_CACHE_SECONDS``; older periods are kept until
  :func:`invalidate` drops them (visit imports, retention, demo data);
- fresh results are written after the page is built, in a transaction of
  their own that starts with the write (SQLite's read-then-write trap, see
  PITFALLS.md), one ``INSERT … ON CONFLICT DO UPDATE`` per entry, so two
  workers computing the same entry cannot collide.

Scheduled and CLI exports do not use the cache: outside :func:`caching`,
:func:`cached_rows` just computes. The page shows when its figures were
computed (the oldest entry it used) and offers to recompute them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vaerested.models import ReportCacheEntry
from vaerested.models.base import utcnow


class Scope(Protocol):
    """What a cache key needs of a scope (:class:`.queries.Scope` has it); a
    protocol, so that the cache does not import the queries that use it."""

    start: date
    end: date
    centre_ids: tuple[int, ...] | None


#: Days after a period's end during which its figures can still change
#: (scans may be synced up to 30 days late), plus one for time zones.
LATE_DAYS = 31

_table = ReportCacheEntry.__table__


@dataclass
class CacheState:
    """What one page build read from and computed for the cache."""

    today: date
    ttl: timedelta
    #: Entries computed during this build, written by :func:`caching` at the end.
    pending: list[dict] = field(default_factory=list)
    #: When the oldest figure used was computed (None: nothing cached yet).
    computed_dt: datetime | None = None
    hits: int = 0
    #: Compute every entry anew (the warm-up job), ignoring stored ones.
    refresh: bool = False
    #: Entry key -> its rows, as read or computed by this build: a second
    #: read in the same build (a page's table and its chart) gets the same
    #: rows without reading or computing them again.
    rows: dict[str, list] = field(default_factory=dict)

    def used(self, computed_dt: datetime) -> None:
        if self.computed_dt is None or computed_dt < self.computed_dt:
            self.computed_dt = computed_dt


_STATE: ContextVar[CacheState | None] = ContextVar("report_cache", default=None)


def _encode(value):
    if isinstance(value, date):
        return {"d": value.isoformat()}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(obj):
    return date.fromisoformat(obj["d"]) if obj.keys() == {"d"} else obj


def _key(name: str, scope: Scope, extra: str) -> str:
    centres = (
        "all" if scope.centre_ids is None else ",".join(map(str, scope.centre_ids))
    )
    text = "|".join(
        (name, scope.start.isoformat(), scope.end.isoformat(), centres, extra)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def cached_rows(
    session: Session,
    name: str,
    scope: Scope,
    compute: Callable[[], list],
    *,
    extra: str = "",
) -> list:
    """Return ``compute()``'s rows for query ``name`` over ``scope``, cached.

    ``extra`` holds anything else the result depends on. Rows are tuples of
    ints, floats, strings, None and dates. Outside :func:`caching` this only
    computes.
    """
    state = _STATE.get()
    if state is None:
        return compute()
    key = _key(name, scope, extra)
    if key in state.rows:
        return state.rows[key]
    now = utcnow()
    entry = None
    if not state.refresh:
        entry = session.execute(
            select(_table.c.rows_json, _table.c.computed_dt, _table.c.expires_dt).where(
                _table.c.key == key
            )
        ).first()
    fresh = entry is not None and (entry.expires_dt is None or entry.expires_dt > now)
    if fresh and not state.refresh:
        state.hits += 1
        state.used(entry.computed_dt)
        rows = [tuple(row) for row in json.loads(entry.rows_json, object_hook=_decode)]
        state.rows[key] = rows
        return rows
    rows = state.rows[key] = [tuple(row) for row in compute()]
    is_live = scope.end >= state.today - timedelta(days=LATE_DAYS)
    state.pending.append(
        {
            "key": key,
            "name": name[:60],
            "period_start": scope.start,
            "period_end": scope.end,
            "rows_json": json.dumps(rows, default=_encode, separators=(",", ":")),
            "computed_dt": now,
            "expires_dt": now + state.ttl if is_live else None,
        }
    )
    state.used(now)
    return rows


def _upsert(session: Session, values: dict) -> None:
    dialect = session.get_bind().dialect.name
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(_table)
    stmt = stmt.values(**values)
    columns = ("rows_json", "computed_dt", "expires_dt", "period_start", "period_end")
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={c: stmt.excluded[c] for c in columns},
        )
    )


@contextmanager
def caching(
    session: Session, today: date, *, refresh: bool = False
) -> Iterator[CacheState]:
    """Use and fill the cache for the report queries run inside the block.

    ``today`` is the local date (it decides which periods are still live);
    ``refresh`` recomputes every entry. The caller's transaction is committed
    before the new entries are written.
    """
    ttl = timedelta(seconds=int(current_app.config["REPORT_CACHE_SECONDS"]))
    state = CacheState(today=today, ttl=ttl, refresh=refresh)
    if ttl.total_seconds() <= 0:  # caching switched off: compute every time
        yield state
        return
    token = _STATE.set(state)
    try:
        yield state
    finally:
        _STATE.reset(token)
    if state.pending:
        session.commit()  # end the read snapshot: the write starts a new one
        for values in state.pending:
            _upsert(session, values)
        session.commit()


def invalidate(
    session: Session, *, since: date | None = None, before: date | None = None
) -> int:
    """Drop the entries of periods that reach ``since`` or later, or that start
    before ``before``; with neither, drop every entry.

    Call it in the transaction that changes visits of past days (imports from
    ``since`` on, retention before ``before``); return how many were dropped.
    """
    stmt = delete(_table)
    if since is not None:
        stmt = stmt.where(_table.c.period_end >= since)
    if before is not None:
        stmt = stmt.where(_table.c.period_start < before)
    return session.execute(stmt).rowcount or 0


def expire_live(session: Session, today: date) -> int:
    """Drop the entries of periods that can still change (the "recompute" button)."""
    cutoff = today - timedelta(days=LATE_DAYS)
    return (
        session.execute(delete(_table).where(_table.c.period_end >= cutoff)).rowcount
        or 0
    )
