"""Check-in write paths: cards, scans and tallies.

Operations flush (or execute) and never commit; the caller commits once. The hot
path (:func:`record_scan`) uses single Core statements, so deduplication is done
by the database's unique constraint and two workers can never race: a read
followed by a write in one SQLite transaction is what fails with "database is
locked" (see PITFALLS.md). Only card ids are logged, never codes.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, Integer, bindparam, delete, false, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from vaerested.checkin.codes import (
    CodeHasher,
    InvalidCode,
    generate_code,
    normalise_code,
)
from vaerested.extensions import db
from vaerested.models import Card, Centre, Visit, VisitSource
from vaerested.models.base import UTCDateTime, utcnow
from vaerested.security import load_or_create_secret
from vaerested.services.protection import new_record_key
from vaerested.services.scan_time import (  # noqa: F401  (re-exported)
    MAX_SCAN_AGE,
    MAX_SCAN_AHEAD,
    InFuture,
    InvalidTime,
    TooOld,
    local_date,
    parse_local_datetime,
    parse_scanned_at,
)

logger = logging.getLogger(__name__)

UNDO_WINDOW = timedelta(minutes=15)
CARD_ATTRIBUTES = ("home_district_id", "age_band", "gender", "housing", "first_came")
TALLY_ATTRIBUTES = ("home_district_id", "age_band", "gender", "housing")

visits = Visit.__table__
cards = Card.__table__


class CheckinError(Exception):
    """A refused check-in operation; ``code`` is the API's machine-readable code."""

    code = "checkin_error"


class IdempotencyConflict(CheckinError):
    code = "idempotency_conflict"


class UnknownTally(CheckinError):
    code = "unknown_tally"


class UndoExpired(CheckinError):
    code = "undo_expired"


@dataclass(frozen=True, slots=True)
class ScanResult:
    #: One of "new", "duplicate", "unknown", "revoked", "invalid".
    outcome: str
    visit_date: date | None = None
    card_id: int | None = None


@dataclass(frozen=True, slots=True)
class TallyResult:
    #: "new" or "duplicate" (the idempotency key was seen before).
    outcome: str
    visit_date: date


def card_hasher() -> CodeHasher:
    """Return the app's code hasher, built once (the HMAC key schedule included)."""
    app = current_app._get_current_object()
    hasher = app.extensions.get("vaerested.card_hasher")
    if hasher is None:
        key = app.config.get("CARD_HASH_KEY") or load_or_create_secret(
            app, "card_hash_key"
        )
        hasher = app.extensions["vaerested.card_hasher"] = CodeHasher(key)
    return hasher


def local_tz() -> ZoneInfo:
    """Return the configured local time zone (it decides what a day is)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def _id(obj) -> int:
    return obj if isinstance(obj, int) else obj.id


def _insert(table):
    """Return an INSERT with ``ON CONFLICT`` support for the session's database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def issue_card(centre: Centre | None, attributes: dict | None = None):
    """Create a card; return ``(card, code)``. The code is shown once, never stored."""
    return issue_cards(centre, 1, attributes)[0]


def issue_cards(centre: Centre | None, n: int, attributes: dict | None = None):
    """Create ``n`` cards sharing ``attributes``; return a list of ``(card, code)``."""
    attributes = {k: v for k, v in (attributes or {}).items() if v is not None}
    unknown = set(attributes) - set(CARD_ATTRIBUTES)
    if unknown:
        raise ValueError(f"unknown card attributes: {sorted(unknown)}")
    hasher = card_hasher()
    issued = []
    for _ in range(n):
        code = generate_code()
        card = Card(
            code_hash=hasher(code),
            issued_centre_id=centre.id if centre is not None else None,
            **attributes,
        )
        db.session.add(card)
        issued.append((card, code))
    db.session.flush()
    logger.info(
        "Issued %d card(s), first id %s", n, issued[0][0].id if issued else None
    )
    return issued


def find_card(code: str) -> Card | None:
    """Return the card with ``code`` or None. :raises InvalidCode: malformed code."""
    code_hash = card_hasher()(normalise_code(code))
    return db.session.scalar(select(Card).where(Card.code_hash == code_hash))


def revoke_card(code: str) -> Card | None:
    """Revoke the card with ``code``; return it, or None when it is unknown.

    :raises InvalidCode: when the code is malformed.
    """
    card = find_card(code)
    if card is None:
        return None
    if not card.is_revoked:
        card.is_revoked = True
        card.revoked_dt = utcnow()
        db.session.flush()
        logger.info("Revoked card %s", card.id)
        from vaerested.audit import record_audit

        record_audit(
            "card.revoke", centre_id=card.issued_centre_id, detail=f"card {card.id}"
        )
    return card


class _ScanStatements:
    """The hot path's statements, built once (no per-request construction).

    A statement object reused with bound parameters skips SQLAlchemy's
    expression building and reuses its memoised cache key and compiled form.
    """

    card = select(cards.c.id, cards.c.is_revoked).where(
        cards.c.code_hash == bindparam("code_hash")
    )
    move_earlier = (
        update(visits)
        .where(
            visits.c.card_id == bindparam("b_card_id"),
            visits.c.centre_id == bindparam("b_centre_id"),
            visits.c.visit_date == bindparam("b_visit_date", type_=Date()),
            visits.c.visited_dt > bindparam("b_visited_dt", type_=UTCDateTime()),
        )
        .values(visited_dt=bindparam("b_visited_dt", type_=UTCDateTime()))
    )
    count = select(func.count()).where(
        visits.c.centre_id == bindparam("centre_id"),
        visits.c.visit_date == bindparam("visit_date", type_=Date()),
    )
    inserts: dict = {}

    @classmethod
    def insert(cls, dialect: str):
        """Return the visit insert for ``dialect``.

        ``INSERT INTO visits … SELECT … FROM cards WHERE code_hash = … AND NOT
        is_revoked ON CONFLICT DO NOTHING RETURNING id``: the card lookup and the
        insert are one statement (one round trip for a new visit).
        """
        stmt = cls.inserts.get(dialect)
        if stmt is None:
            module = postgresql if dialect == "postgresql" else sqlite
            card_row = select(
                bindparam("centre_id", type_=Integer()),
                cards.c.id,
                bindparam("visit_date", type_=Date()),
                bindparam("visited_dt", type_=UTCDateTime()),
                bindparam("source", type_=visits.c.source.type),
                bindparam("created_dt", type_=UTCDateTime()),
                bindparam("record_key", type_=Integer()),
            ).where(
                cards.c.code_hash == bindparam("code_hash"),
                cards.c.is_revoked == false(),
            )
            columns = [
                "centre_id",
                "card_id",
                "visit_date",
                "visited_dt",
                "source",
                "created_dt",
                "record_key",
            ]
            stmt = cls.inserts[dialect] = (
                module.insert(visits)
                .from_select(columns, card_row)
                .on_conflict_do_nothing(
                    index_elements=["card_id", "centre_id", "visit_date"]
                )
                .returning(visits.c.card_id)
            )
        return stmt


def record_scan(
    centre: Centre | int,
    code: str,
    scanned_at: datetime,
    source: str = "scan",
    conn: Connection | None = None,
) -> ScanResult:
    """Record a card visit, one per card, centre and local day, at the earliest time.

    One statement looks the card up and inserts the visit, doing nothing when
    the card already has a visit that day (or is unknown or revoked). Only then
    is the card read, and an update moves the visit earlier if this scan is
    earlier (an offline scan synced late). Each is a single statement that the
    unique constraint keeps correct under concurrent workers. ``conn`` defaults
    to the session's connection; the API passes a plain engine connection,
    which skips the ORM session's bookkeeping on the hot path.
    """
    try:
        canonical = normalise_code(code)
    except InvalidCode:
        return ScanResult("invalid")
    code_hash = card_hasher()(canonical)
    centre_id = _id(centre)
    visit_date = local_date(scanned_at, local_tz())
    conn = conn or db.session.connection()
    inserted = conn.execute(
        _ScanStatements.insert(conn.dialect.name),
        {
            "code_hash": code_hash,
            "centre_id": centre_id,
            "visit_date": visit_date,
            "visited_dt": scanned_at,
            "source": VisitSource(source),
            "created_dt": utcnow(),
            "record_key": new_record_key(),
        },
    ).first()
    if inserted is not None:
        return ScanResult("new", visit_date, inserted.card_id)
    row = conn.execute(_ScanStatements.card, {"code_hash": code_hash}).first()
    if row is None:
        return ScanResult("unknown")
    card_id, is_revoked = row
    if is_revoked:
        logger.info("Scan of revoked card %s", card_id)
        return ScanResult("revoked", card_id=card_id)
    conn.execute(
        _ScanStatements.move_earlier,
        {
            "b_card_id": card_id,
            "b_centre_id": centre_id,
            "b_visit_date": visit_date,
            "b_visited_dt": scanned_at,
        },
    )
    return ScanResult("duplicate", visit_date, card_id)


def record_tally(
    centre: Centre | int,
    scanned_at: datetime,
    idempotency_key: str,
    attributes: dict | None = None,
) -> TallyResult:
    """Record an anonymous visit; a replayed ``idempotency_key`` records nothing.

    :raises IdempotencyConflict: when the key was used for another centre.
    """
    attributes = {k: v for k, v in (attributes or {}).items() if v is not None}
    unknown = set(attributes) - set(TALLY_ATTRIBUTES)
    if unknown:
        raise ValueError(f"unknown tally attributes: {sorted(unknown)}")
    centre_id = _id(centre)
    visit_date = local_date(scanned_at, local_tz())
    inserted = db.session.execute(
        _insert(visits)
        .values(
            centre_id=centre_id,
            card_id=None,
            visit_date=visit_date,
            visited_dt=scanned_at,
            source=VisitSource.TALLY,
            idempotency_key=idempotency_key,
            created_dt=utcnow(),
            **attributes,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(visits.c.id)
    ).first()
    if inserted is not None:
        return TallyResult("new", visit_date)
    existing = db.session.execute(
        select(visits.c.centre_id, visits.c.visit_date).where(
            visits.c.idempotency_key == idempotency_key
        )
    ).one()
    if existing.centre_id != centre_id:
        raise IdempotencyConflict("the key was used at another centre")
    return TallyResult("duplicate", existing.visit_date)


def undo_tally(centre: Centre | int, idempotency_key: str, now: datetime) -> date:
    """Delete a tally recorded at ``centre`` less than 15 minutes before ``now``.

    Returns the tally's visit day. :raises UnknownTally: no such tally at this
    centre; :raises UndoExpired: recorded 15 minutes ago or earlier.
    """
    centre_id = _id(centre)
    deleted = db.session.execute(
        delete(visits)
        .where(
            visits.c.idempotency_key == idempotency_key,
            visits.c.centre_id == centre_id,
            visits.c.source == VisitSource.TALLY,
            visits.c.created_dt > now - UNDO_WINDOW,
        )
        .returning(visits.c.visit_date)
    ).first()
    if deleted is not None:
        return deleted.visit_date
    exists = db.session.scalar(
        select(visits.c.id).where(
            visits.c.idempotency_key == idempotency_key,
            visits.c.centre_id == centre_id,
            visits.c.source == VisitSource.TALLY,
        )
    )
    if exists is None:
        raise UnknownTally("no such tally at this centre")
    raise UndoExpired("a tally can be undone for 15 minutes")


def count_today(centre: Centre | int, day: date, conn: Connection | None = None) -> int:
    """Return the number of visits at ``centre`` on the local ``day``."""
    conn = conn or db.session.connection()
    return conn.execute(
        _ScanStatements.count, {"centre_id": _id(centre), "visit_date": day}
    ).scalar_one()


def today_counts(centre: Centre | int, day: date) -> dict:
    """Return ``visits``, ``card_visits`` and ``tally_visits`` at ``centre`` on ``day``.

    Card visits are those with a card; the rest are anonymous tallies.
    """
    total, with_card = db.session.execute(
        select(func.count(), func.count(visits.c.card_id)).where(
            visits.c.centre_id == _id(centre), visits.c.visit_date == day
        )
    ).one()
    return {
        "visits": total,
        "card_visits": with_card,
        "tally_visits": total - with_card,
    }
