"""``flask visits import``: read, check and write visits from a CSV file.

Columns: ``centre`` (slug), ``visited_at`` (ISO 8601, local time when it has no
offset), ``card`` (a card code; empty for an anonymous tally) and
``home_district`` (district code, optional).

The import is all or nothing and its result does not depend on row order:
card visits are folded to one per card, centre and local day at the earliest
time, and a new card takes the home district of its latest row that has one.
Re-importing a file changes nothing: card visits are deduplicated by the
database, and each anonymous row gets a deterministic idempotency key built
from its centre, time, home district and its occurrence number among identical
rows of the file. (So a second file holding an identical anonymous row, same
centre, same second and district, is taken as the same visit.)

The file is read by the shared reader (:mod:`vaerested.services.text_input`:
UTF-8 with or without BOM, ``,`` or ``;``) and streamed: rows are checked and
written :data:`BATCH` at a time, so memory holds one batch plus a little per
new card and per distinct anonymous visit, never the whole file.
"""

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update

from vaerested.checkin.codes import InvalidCode, normalise_code
from vaerested.checkin.operations import (
    MAX_SCAN_AHEAD,
    InFuture,
    InvalidTime,
    TooOld,
    _insert,
    card_hasher,
    local_date,
    parse_local_datetime,
)
from vaerested.extensions import db
from vaerested.models import Card, Centre, District, Visit, VisitSource
from vaerested.reports.tables import cache as report_cache
from vaerested.services.text_input import CsvRows, ReadError

REQUIRED_COLUMNS = ("centre", "visited_at")
OPTIONAL_COLUMNS = ("card", "home_district")
#: Rows checked and written together; memory holds one batch, not the file.
BATCH = 5000
MAX_ERRORS = 100
#: Earliest visit time accepted (an earlier one is a typing error, and year 1
#: cannot even be converted to UTC).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
#: Namespace of the deterministic keys of imported anonymous visits.
IMPORT_NAMESPACE = uuid.UUID("6f1d3c2e-4b7a-5e90-9c1f-2a8d7e6b5c40")

visits = Visit.__table__
cards = Card.__table__


class ImportFailed(Exception):
    """The file has errors; nothing was written. ``errors`` holds ``line N: …``."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    centre_id: int
    visited_dt: datetime
    visit_date: date
    #: HMAC of the normalised card code, None for an anonymous visit.
    code_hash: str | None
    home_district_id: int | None
    home_district_code: str


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    new_cards: int
    new_visits: int


@dataclass
class _State:
    """What the import keeps between batches: small, per card, not per row."""

    #: New card id -> (earliest time, (latest time, code) with a district, id).
    new_cards: dict[int, list] = field(default_factory=dict)
    #: Anonymous rows seen per (centre, time, home district): their key number.
    tallies: Counter = field(default_factory=Counter)
    rows: int = 0
    first_day: date | None = None


def _rows(
    reader: CsvRows, tz: ZoneInfo, now: datetime, errors: list[str]
) -> Iterator[ImportRow]:
    """Yield checked rows; append ``line N: …`` to ``errors`` for bad ones."""
    header = reader.header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        errors.append(f"line 1: missing column(s): {', '.join(missing)}")
        return
    index = {
        c: header.index(c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in header
    }
    centres = dict(db.session.execute(select(Centre.slug, Centre.id)).all())
    districts = dict(db.session.execute(select(District.code, District.id)).all())
    hasher = card_hasher()
    width = len(header)
    for line, cells in reader:
        if len(errors) >= MAX_ERRORS:
            errors.append(f"line {line}: too many errors, stopped")
            return
        padded = cells + [""] * (width - len(cells))
        slug, text, code, district_code = (
            padded[index[c]].strip() if c in index else ""
            for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
        )
        problems = []
        if slug not in centres:
            problems.append(
                f"unknown centre {slug[:60]!r}" if slug else "centre is empty"
            )
        try:
            visited_dt = parse_local_datetime(text, tz)
            if visited_dt > now + MAX_SCAN_AHEAD:
                problems.append("visited_at is in the future")
            elif visited_dt < EARLIEST:
                problems.append(f"visited_at is before {EARLIEST.year}")
        except (TooOld, InFuture, OverflowError):  # year 1 or 9999 beyond UTC
            visited_dt = None
            problems.append("visited_at is out of range")
        except InvalidTime:
            visited_dt = None
            problems.append("visited_at is not an ISO 8601 date and time")
        code_hash = None
        if code:
            try:
                code_hash = hasher(normalise_code(code))
            except InvalidCode:
                problems.append("invalid card code")  # never echo a code
        if district_code and district_code not in districts:
            problems.append(f"unknown home district {district_code[:20]!r}")
        if problems:
            errors.append(f"line {line}: {'; '.join(problems)}")
            continue
        yield ImportRow(
            line=line,
            centre_id=centres[slug],
            visited_dt=visited_dt,
            visit_date=local_date(visited_dt, tz),
            code_hash=code_hash,
            home_district_id=districts.get(district_code),
            home_district_code=district_code,
        )


def import_visits_file(fh: BinaryIO, tz: ZoneInfo, now: datetime) -> ImportSummary:
    """Check and write the visits of a CSV file, one batch at a time.

    Writing stops at the first bad row but checking goes on, so every problem
    (up to :data:`MAX_ERRORS`) is reported. Flush only: the caller commits once,
    or rolls back on :class:`ImportFailed`.
    """
    errors: list[str] = []
    try:
        reader = CsvRows(fh)
    except ReadError as error:
        raise ImportFailed([str(error)]) from None
    before = db.session.scalar(select(func.count()).select_from(visits))
    state, batch = _State(), []
    try:
        for row in _rows(reader, tz, now, errors):
            if errors:
                continue
            batch.append(row)
            if len(batch) >= BATCH:
                _write_batch(batch, state, now)
                batch = []
    except ReadError as error:
        errors.append(str(error))
    if errors:
        raise ImportFailed(errors)
    _write_batch(batch, state, now)
    _finish_cards(state)
    after = db.session.scalar(select(func.count()).select_from(visits))
    if state.first_day:  # cached report figures of the imported days are stale
        report_cache.invalidate(db.session, since=state.first_day)
    return ImportSummary(state.rows, len(state.new_cards), after - before)


def _batches(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _card_ids(hashes: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _batches(hashes):
        query = select(cards.c.code_hash, cards.c.id).where(
            cards.c.code_hash.in_(chunk)
        )
        ids.update(db.session.execute(query).all())
    return ids


def _card_state(rows: list[ImportRow], state: _State) -> dict[str, int]:
    """Return ``{code_hash: card_id}``, creating unknown cards; track new ones."""
    ids = _card_ids(sorted({r.code_hash for r in rows}))
    new = sorted({r.code_hash for r in rows} - ids.keys())
    if new:
        first = {}
        for r in rows:
            if r.code_hash not in ids and (
                r.code_hash not in first or r.visited_dt < first[r.code_hash]
            ):
                first[r.code_hash] = r.visited_dt
        values = [
            {"code_hash": h, "issued_dt": first[h], "is_revoked": False} for h in new
        ]
        for chunk in _batches(values):
            db.session.execute(cards.insert(), chunk)
        created = _card_ids(new)
        ids.update(created)
        for card_id in created.values():
            state.new_cards[card_id] = [None, None, None]
    for r in rows:
        entry = state.new_cards.get(ids[r.code_hash])
        if entry is None:
            continue  # a card that existed before the import is left alone
        if entry[0] is None or r.visited_dt < entry[0]:
            entry[0] = r.visited_dt
        if r.home_district_id is not None:
            rank = (r.visited_dt, r.home_district_code)
            if entry[1] is None or rank > entry[1]:
                entry[1], entry[2] = rank, r.home_district_id
    return ids


def _write_batch(rows: list[ImportRow], state: _State, now: datetime) -> None:
    if not rows:
        return
    state.rows += len(rows)
    first_day = min(r.visit_date for r in rows)
    if state.first_day is None or first_day < state.first_day:
        state.first_day = first_day
    card_rows = [r for r in rows if r.code_hash]
    card_ids = _card_state(card_rows, state) if card_rows else {}
    earliest: dict[tuple, datetime] = {}
    for r in card_rows:
        key = (card_ids[r.code_hash], r.centre_id, r.visit_date)
        if key not in earliest or r.visited_dt < earliest[key]:
            earliest[key] = r.visited_dt
    card_visits = [
        {
            "card_id": card_id,
            "centre_id": centre_id,
            "visit_date": day,
            "visited_dt": earliest[(card_id, centre_id, day)],
            "source": VisitSource.IMPORT,
            "created_dt": now,
        }
        for card_id, centre_id, day in sorted(earliest)
    ]
    insert_card_visit = _insert(visits).on_conflict_do_nothing(
        index_elements=["card_id", "centre_id", "visit_date"]
    )
    move_earlier = (
        update(visits)
        .where(
            visits.c.card_id == bindparam("b_card"),
            visits.c.centre_id == bindparam("b_centre"),
            visits.c.visit_date == bindparam("b_day"),
            visits.c.visited_dt > bindparam("b_dt", type_=visits.c.visited_dt.type),
        )
        .values(visited_dt=bindparam("b_dt", type_=visits.c.visited_dt.type))
    )
    for chunk in _batches(card_visits):
        db.session.execute(insert_card_visit, chunk)
        db.session.execute(
            move_earlier,
            [
                {
                    "b_card": v["card_id"],
                    "b_centre": v["centre_id"],
                    "b_day": v["visit_date"],
                    "b_dt": v["visited_dt"],
                }
                for v in chunk
            ],
        )
    tallies = _tally_rows([r for r in rows if not r.code_hash], now, state.tallies)
    insert_tally = _insert(visits).on_conflict_do_nothing(
        index_elements=["idempotency_key"]
    )
    for chunk in _batches(tallies):
        db.session.execute(insert_tally, chunk)


def _finish_cards(state: _State) -> None:
    """Give each new card its earliest visit and its latest home district."""
    set_card = (
        update(cards)
        .where(cards.c.id == bindparam("b_id"))
        .values(
            issued_dt=bindparam("b_dt", type_=cards.c.issued_dt.type),
            home_district_id=bindparam("b_district"),
        )
    )
    values = [
        {"b_id": card_id, "b_dt": entry[0], "b_district": entry[2]}
        for card_id, entry in sorted(state.new_cards.items())
    ]
    for chunk in _batches(values):
        db.session.execute(set_card, chunk)


def _tally_rows(rows: list[ImportRow], now: datetime, seen: Counter) -> list[dict]:
    """Return anonymous visits with keys that do not depend on row order.

    ``seen`` counts identical rows across batches: the n-th identical row of
    the file gets key number n, whichever batch it is in.
    """
    result = []
    ordered = sorted(
        rows, key=lambda r: (r.centre_id, r.visited_dt, r.home_district_id or 0)
    )
    for r in ordered:
        identity = (r.centre_id, r.visited_dt.isoformat(), r.home_district_id)
        # One int instead of a tuple: a third of the memory per distinct visit.
        # Exact: ids are SQL integers (< 2**31), so the parts cannot overlap.
        micros = (r.visited_dt - EARLIEST) // MICROSECOND
        count_key = (micros << 64) | (r.centre_id << 32) | (r.home_district_id or 0)
        seen[count_key] += 1
        name = "|".join(map(str, (*identity, seen[count_key])))
        result.append(
            {
                "centre_id": r.centre_id,
                "card_id": None,
                "visit_date": r.visit_date,
                "visited_dt": r.visited_dt,
                "source": VisitSource.IMPORT,
                "idempotency_key": str(uuid.uuid5(IMPORT_NAMESPACE, name)),
                "home_district_id": r.home_district_id,
                "created_dt": now,
            }
        )
    return result
