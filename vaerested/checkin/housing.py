"""Housing statements: the dated housing situation a card holder chooses to give.

DOMAIN.md, "FLOW": a statement may be given at any visit (the scanner's
optional tap, the API) and changed later; the card's situation on a day is
its latest statement on or before that day. One statement per card and local
day: a repeat that day replaces it (a single upsert, so it cannot race).
Operations flush or execute and never commit; only card ids are logged.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from vaerested.checkin.codes import normalise_code
from vaerested.checkin.operations import _insert, card_hasher
from vaerested.extensions import db
from vaerested.models import Card, Housing, HousingStatement
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)

statements = HousingStatement.__table__
#: The code of the "unknown" answer (stored as NULL).
UNKNOWN = "unknown"


def parse_situation(value: str) -> Housing | None:
    """Return the situation of a code; None for "unknown".

    :raises ValueError: for anything else (the legacy ``homeless`` is refused:
        it is not offered any more).
    """
    if value == UNKNOWN:
        return None
    situation = Housing(value)
    if situation is Housing.HOMELESS:
        raise ValueError(value)
    return situation


def card_id_for_code(code: str) -> tuple[int, bool] | None:
    """Return ``(card id, is revoked)`` of the card with ``code``, or None.

    :raises InvalidCode: when the code is malformed.
    """
    code_hash = card_hasher()(normalise_code(code))
    row = db.session.execute(
        select(Card.id, Card.is_revoked).where(Card.code_hash == code_hash)
    ).first()
    return None if row is None else (row.id, bool(row.is_revoked))


def record_statement(
    card_id: int, centre_id: int | None, day: date, situation: Housing | None
) -> None:
    """Record the card's statement of ``day``, replacing one of the same day."""
    values = {
        "card_id": card_id,
        "stated_on": day,
        "situation": situation,
        "centre_id": centre_id,
        "created_dt": utcnow(),
    }
    insert = _insert(statements).values(**values)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["card_id", "stated_on"],
            set_={
                "situation": insert.excluded.situation,
                "centre_id": insert.excluded.centre_id,
                "created_dt": insert.excluded.created_dt,
            },
        )
    )
    logger.info("Housing statement of card %s on %s", card_id, day)


def situation_on(card_id: int, day: date) -> Housing | None:
    """Return the card's situation on ``day``: its latest statement on or
    before that day (None: unknown, or never stated)."""
    return db.session.scalar(
        select(HousingStatement.situation)
        .where(HousingStatement.card_id == card_id, HousingStatement.stated_on <= day)
        .order_by(HousingStatement.stated_on.desc())
        .limit(1)
    )
