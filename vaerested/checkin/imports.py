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
"""

import csv
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update

from vaerested.checkin.codes import InvalidCode, normalise_code
from vaerested.checkin.operations import (
    MAX_SCAN_AHEAD,
    InvalidTime,
    _insert,
    card_hasher,
    local_date,
    parse_local_datetime,
)
from vaerested.extensions import db
from vaerested.models import Card, Centre, District, Visit, VisitSource
from vaerested.reports import cache as report_cache

REQUIRED_COLUMNS = ("centre", "visited_at")
OPTIONAL_COLUMNS = ("card", "home_district")
BATCH = 1000
MAX_ERRORS = 100
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


def read_visits_csv(fh: TextIO, tz: ZoneInfo, now: datetime) -> list[ImportRow]:
    """Parse and check every row. :raises ImportFailed: listing every problem."""
    reader = csv.DictReader(fh)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportFailed([f"line 1: missing column(s): {', '.join(missing)}"])
    reader.fieldnames = columns
    centres = dict(db.session.execute(select(Centre.slug, Centre.id)).all())
    districts = dict(db.session.execute(select(District.code, District.id)).all())
    hasher = card_hasher()
    rows, errors = [], []
    for record in reader:
        line = reader.line_num
        if len(errors) >= MAX_ERRORS:
            errors.append(f"line {line}: too many errors, stopped")
            break
        slug = (record.get("centre") or "").strip()
        text = (record.get("visited_at") or "").strip()
        code = (record.get("card") or "").strip()
        district_code = (record.get("home_district") or "").strip()
        if not (slug or text or code or district_code):
            continue  # a blank line
        problems = []
        if slug not in centres:
            problems.append(f"unknown centre {slug!r}" if slug else "centre is empty")
        try:
            visited_dt = parse_local_datetime(text, tz)
            if visited_dt > now + MAX_SCAN_AHEAD:
                problems.append("visited_at is in the future")
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
            problems.append(f"unknown home district {district_code!r}")
        if problems:
            errors.append(f"line {line}: {'; '.join(problems)}")
            continue
        rows.append(
            ImportRow(
                line=line,
                centre_id=centres[slug],
                visited_dt=visited_dt,
                visit_date=local_date(visited_dt, tz),
                code_hash=code_hash,
                home_district_id=districts.get(district_code),
                home_district_code=district_code,
            )
        )
    if errors:
        raise ImportFailed(errors)
    return rows


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _create_cards(card_rows: list[ImportRow]) -> tuple[dict[str, int], int]:
    """Create the unknown cards; return ``{code_hash: card_id}`` and how many new."""
    hashes = sorted({r.code_hash for r in card_rows})
    ids: dict[str, int] = {}
    for chunk in _batches(hashes):
        ids.update(
            db.session.execute(
                select(cards.c.code_hash, cards.c.id).where(
                    cards.c.code_hash.in_(chunk)
                )
            ).all()
        )
    first_seen: dict[str, datetime] = {}
    district: dict[str, tuple] = {}
    for r in card_rows:
        if r.code_hash in ids:
            continue
        if r.code_hash not in first_seen or r.visited_dt < first_seen[r.code_hash]:
            first_seen[r.code_hash] = r.visited_dt
        if r.home_district_id is not None:
            rank = (r.visited_dt, r.home_district_code)
            if r.code_hash not in district or rank > district[r.code_hash][0]:
                district[r.code_hash] = (rank, r.home_district_id)
    new = [
        {
            "code_hash": h,
            "issued_dt": first_seen[h],
            "home_district_id": district[h][1] if h in district else None,
            "is_revoked": False,
        }
        for h in sorted(first_seen)
    ]
    for chunk in _batches(new):
        db.session.execute(cards.insert(), chunk)
    for chunk in _batches(sorted(first_seen)):
        ids.update(
            db.session.execute(
                select(cards.c.code_hash, cards.c.id).where(
                    cards.c.code_hash.in_(chunk)
                )
            ).all()
        )
    return ids, len(new)


def import_visits(rows: list[ImportRow], now: datetime) -> ImportSummary:
    """Write checked rows (flush only; the caller commits once)."""
    before = db.session.scalar(select(func.count()).select_from(visits))
    card_ids, new_cards = _create_cards([r for r in rows if r.code_hash])
    earliest: dict[tuple, datetime] = {}
    for r in rows:
        if r.code_hash:
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
    tallies = _tally_rows([r for r in rows if not r.code_hash], now)
    insert_tally = _insert(visits).on_conflict_do_nothing(
        index_elements=["idempotency_key"]
    )
    for chunk in _batches(tallies):
        db.session.execute(insert_tally, chunk)
    after = db.session.scalar(select(func.count()).select_from(visits))
    if rows:  # cached report figures of the imported days are out of date
        report_cache.invalidate(db.session, since=min(r.visit_date for r in rows))
    return ImportSummary(rows=len(rows), new_cards=new_cards, new_visits=after - before)


def _tally_rows(rows: list[ImportRow], now: datetime) -> list[dict]:
    """Return anonymous visits with keys that do not depend on row order."""
    seen: Counter = Counter()
    result = []
    ordered = sorted(
        rows, key=lambda r: (r.centre_id, r.visited_dt, r.home_district_id or 0)
    )
    for r in ordered:
        identity = (r.centre_id, r.visited_dt.isoformat(), r.home_district_id)
        seen[identity] += 1
        name = "|".join(map(str, (*identity, seen[identity])))
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
