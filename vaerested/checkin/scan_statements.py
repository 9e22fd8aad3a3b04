"""The check-in's SQL: a scan and the day's count in one or two statements.

Built once per database and reused with bound parameters, so a request skips
SQLAlchemy's expression building and reuses the memoised compiled form. See
docs/architecture.md ("Check-in write path") for what each statement does.
"""

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite

from vaerested.models import Card, Visit
from vaerested.models.base import UTCDateTime

visits = Visit.__table__
cards = Card.__table__


class ScanStatements:
    """The hot path's statements, built once per database (no per-request work).

    A statement object reused with bound parameters skips SQLAlchemy's
    expression building and reuses its memoised cache key and compiled form.
    Each statement can also return the number of visits at the centre on
    ``count_date`` (the scanner's "today"), so the count needs no round trip of
    its own.
    """

    count = select(func.count()).where(
        visits.c.centre_id == bindparam("b_centre_id"),
        visits.c.visit_date == bindparam("b_visit_date", type_=Date()),
    )
    built: dict = {}

    COLUMNS = (
        "centre_id",
        "card_id",
        "visit_date",
        "visited_dt",
        "source",
        "created_dt",
        "record_key",
    )

    @staticmethod
    def _row(card_id):
        """Return the visit's values as a SELECT beside ``card_id``."""
        return (
            bindparam("b_centre_id", type_=Integer()),
            card_id,
            bindparam("b_visit_date", type_=Date()),
            bindparam("b_visited_dt", type_=UTCDateTime()),
            bindparam("b_source", type_=visits.c.source.type),
            bindparam("b_created_dt", type_=UTCDateTime()),
            bindparam("b_record_key", type_=Integer()),
        )

    @staticmethod
    def _day_count():
        """Return a scalar subquery counting the centre's visits on ``count_date``."""
        return (
            select(func.count())
            .select_from(visits)
            .where(
                visits.c.centre_id == bindparam("b_centre_id", type_=Integer()),
                visits.c.visit_date == bindparam("b_count_date", type_=Date()),
            )
            .correlate(None)
            .scalar_subquery()
        )

    @staticmethod
    def _card_and_visit(visit):
        """Return the card joined to its visit (if any) at this centre that day."""
        return cards.outerjoin(
            visit,
            and_(
                visit.c.card_id == cards.c.id,
                visit.c.centre_id == bindparam("b_centre_id", type_=Integer()),
                visit.c.visit_date == bindparam("b_visit_date", type_=Date()),
            ),
        )

    @classmethod
    def get(cls, dialect: str, counted: bool):
        """Return the statements for ``dialect``, with or without the day's count."""
        key = (dialect, counted)
        if key not in cls.built:
            build = cls._postgresql if dialect == "postgresql" else cls._sqlite
            cls.built[key] = build(counted)
        return cls.built[key]

    @classmethod
    def _postgresql(cls, counted: bool):
        """One statement for every outcome: the card, the upsert and the count.

        The card CTE also reads the card's visit there that day: a repeat that
        is not earlier (most repeats) offers no row to insert, so it writes
        nothing, locks nothing and commits without a WAL flush. A new or
        earlier scan goes to ``ON CONFLICT DO UPDATE … WHERE``, which rewrites
        the row only for an earlier time and, unlike a separate UPDATE, sees
        (and waits for) a visit another transaction has just inserted.
        ``xmax = 0`` holds only for a row this statement inserted. The count
        reads the statement's snapshot, which does not hold the row being
        inserted: it is added.
        """
        visit = visits.alias("visit")
        card = (
            select(
                cards.c.id,
                cards.c.is_revoked,
                visit.c.visited_dt.label("seen_dt"),
            )
            .select_from(cls._card_and_visit(visit))
            .where(cards.c.code_hash == bindparam("b_code_hash"))
            .cte("card")
        )
        upsert = postgresql.insert(visits).from_select(
            cls.COLUMNS,
            select(*cls._row(card.c.id)).where(
                card.c.is_revoked == false(),
                or_(
                    card.c.seen_dt.is_(None),
                    card.c.seen_dt > bindparam("b_visited_dt", type_=UTCDateTime()),
                ),
            ),
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=["card_id", "centre_id", "visit_date"],
            set_={"visited_dt": upsert.excluded.visited_dt},
            where=visits.c.visited_dt > upsert.excluded.visited_dt,
        ).returning(
            visits.c.visit_date,
            literal_column("(visits.xmax = 0)", Boolean()).label("inserted"),
        )
        written = upsert.cte("written")
        columns = [card.c.id, card.c.is_revoked, written.c.inserted]
        if counted:
            added = case(
                (
                    and_(
                        written.c.inserted,
                        written.c.visit_date == bindparam("b_count_date", type_=Date()),
                    ),
                    1,
                ),
                else_=0,
            )
            columns.append((cls._day_count() + added).label("day_count"))
        return (select(*columns).select_from(card).outerjoin(written, true()),)

    @classmethod
    def _sqlite(cls, counted: bool):
        """A read that settles most scans, then, for a new or earlier one, an upsert.

        The read returns the card and its visit there that day (and the
        count): an unknown or revoked card, and a repeat that is not earlier
        (most repeats), need nothing else and take no write lock. Otherwise
        ``INSERT … SELECT … FROM cards … ON CONFLICT DO UPDATE SET visited_dt =
        min(visited_dt, excluded.visited_dt)`` writes. SQLite has no INSERT
        inside a WITH and cannot say whether an upsert inserted, so it returns
        ``created_dt``: only a row inserted now carries this scan's creation
        time (a visit inserted by another worker since the read is a repeat).
        The read runs outside any transaction (Python's sqlite3 begins one only
        before a write), so this is not SQLite's read-then-write trap
        (PITFALLS.md), and the write is one short statement. RETURNING's count
        subquery already sees the row being inserted (pinned by the tests).
        """
        visit = visits.alias("visit")
        columns = [cards.c.id, cards.c.is_revoked, visit.c.visited_dt]
        if counted:
            columns.append(cls._day_count().label("day_count"))
        lookup = (
            select(*columns)
            .select_from(cls._card_and_visit(visit))
            .where(cards.c.code_hash == bindparam("b_code_hash"))
        )
        upsert = sqlite.insert(visits).from_select(
            cls.COLUMNS,
            select(*cls._row(cards.c.id)).where(
                cards.c.code_hash == bindparam("b_code_hash"),
                cards.c.is_revoked == false(),
            ),
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=["card_id", "centre_id", "visit_date"],
            set_={
                "visited_dt": func.min(visits.c.visited_dt, upsert.excluded.visited_dt)
            },
        )
        columns = [visits.c.card_id, visits.c.created_dt]
        if counted:
            columns.append(cls._day_count().label("day_count"))
        return lookup, upsert.returning(*columns)
