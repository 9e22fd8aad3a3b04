"""Check-in write paths: cards, scans and tallies.

Operations flush (or execute) and never commit; the caller commits once. The hot
path (:func:`record_scan`, its statements in :mod:`.scan_statements`) leaves
deduplication to the database's unique constraint, so two workers can never
race: a read followed by a write in one SQLite transaction is what fails with
"database is locked" (see PITFALLS.md). Only card ids are logged, never codes.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from vaerested.checkin.codes import (
    CodeHasher,
    InvalidCode,
    generate_code,
    normalise_code,
)
from vaerested.checkin.scan_statements import ScanStatements
from vaerested.extensions import db
from vaerested.models import Card, Centre, Outreach, Visit, VisitSource
from vaerested.models.base import utcnow
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
TALLY_ATTRIBUTES = ("home_district_id", "age_band", "gender", "housing", "outreach")

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
    #: The centre's visits on the ``count_date`` asked for (None when not asked).
    day_count: int | None = None


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
    if attributes.get("housing") is not None:
        _first_statements([card for card, _ in issued], attributes["housing"])
    logger.info(
        "Issued %d card(s), first id %s", n, issued[0][0].id if issued else None
    )
    return issued


def _first_statements(issued: list[Card], housing) -> None:
    """Record the housing given at issue as each card's first statement."""
    from vaerested.models import HousingStatement

    db.session.add_all(
        HousingStatement(
            card_id=card.id,
            stated_on=local_date(card.issued_dt, local_tz()),
            situation=housing,
            centre_id=card.issued_centre_id,
        )
        for card in issued
    )
    db.session.flush()


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


def record_scan(
    centre: Centre | int,
    code: str,
    scanned_at: datetime,
    source: str = "scan",
    conn: Connection | None = None,
    count_date: date | None = None,
) -> ScanResult:
    """Record a card visit, one per card, centre and local day, at the earliest time.

    The database's unique constraint does the deduplication, so concurrent
    workers cannot race. On PostgreSQL every outcome is one statement; on
    SQLite a repeat that is not earlier, an unknown or a revoked card one (a
    read), a new visit or an earlier repeat two (the read and an upsert). With ``count_date`` the result carries the
    centre's visits that day (``day_count``) from the same statements. ``conn``
    defaults to the session's connection; the API passes a plain engine
    connection, which skips the ORM session's bookkeeping on the hot path.
    """
    try:
        canonical = normalise_code(code)
    except InvalidCode:
        return ScanResult("invalid")
    code_hash = card_hasher()(canonical)
    centre_id = _id(centre)
    visit_date = local_date(scanned_at, local_tz())
    conn = conn or db.session.connection()
    counted = count_date is not None
    params = {
        "b_code_hash": code_hash,
        "b_centre_id": centre_id,
        "b_visit_date": visit_date,
        "b_visited_dt": scanned_at,
        "b_source": VisitSource(source),
        "b_created_dt": utcnow(),
        "b_record_key": new_record_key(),
    }
    if counted:
        params["b_count_date"] = count_date
    statements = ScanStatements.get(conn.dialect.name, counted)
    if len(statements) == 1:  # PostgreSQL
        row = conn.execute(statements[0], params).first()
        if row is None:
            return ScanResult("unknown")
        card_id, is_revoked, inserted = row[:3]
        day_count = row[3] if counted else None
        if is_revoked:
            logger.info("Scan of revoked card %s", card_id)
            return ScanResult("revoked", card_id=card_id)
        outcome = "new" if inserted else "duplicate"
        return ScanResult(outcome, visit_date, card_id, day_count)
    lookup, upsert = statements
    row = conn.execute(lookup, params).first()
    if row is None:
        return ScanResult("unknown")
    if row.is_revoked:
        logger.info("Scan of revoked card %s", row.id)
        return ScanResult("revoked", card_id=row.id)
    if row.visited_dt is not None and row.visited_dt <= scanned_at:
        day_count = row.day_count if counted else None
        return ScanResult("duplicate", visit_date, row.id, day_count)
    row = conn.execute(upsert, params).first()
    if row is None:  # revoked since the read
        return ScanResult("revoked", card_id=None)
    outcome = "new" if row.created_dt == params["b_created_dt"] else "duplicate"
    day_count = row.day_count if counted else None
    return ScanResult(outcome, visit_date, row.card_id, day_count)


def set_outreach(
    centre: Centre | int, code: str, day: date, outreach: Outreach | None
) -> str:
    """Set who accompanied the card's holder at its visit on ``day`` at ``centre``.

    Returns "set", or "unknown" (no such card), "revoked" or "no_visit" (the
    card has no visit there that day); :raises InvalidCode: malformed code.
    Setting the same value again changes nothing (idempotent); None clears it.
    """
    card = db.session.execute(
        select(cards.c.id, cards.c.is_revoked).where(
            cards.c.code_hash == card_hasher()(normalise_code(code))
        )
    ).first()
    if card is None:
        return "unknown"
    if card.is_revoked:
        return "revoked"
    updated = db.session.execute(
        visits.update()
        .where(
            visits.c.card_id == card.id,
            visits.c.centre_id == _id(centre),
            visits.c.visit_date == day,
        )
        .values(outreach=outreach)
    )
    if not updated.rowcount:
        return "no_visit"
    logger.info("Outreach of card %s at centre %s set", card.id, _id(centre))
    return "set"


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
        ScanStatements.count, {"b_centre_id": _id(centre), "b_visit_date": day}
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
