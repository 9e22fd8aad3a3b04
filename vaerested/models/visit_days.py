"""The daily per-centre rollup of visits, kept by the database at write time.

One row per centre and local day: the visits, the card visits (those with a
card; tallies, card-less imports and visits unlinked by retention are not) and
the sums of their record keys, so a count read from here gets the same cell key
as one counted from ``visits`` (:mod:`vaerested.services.protection`).

Triggers on ``visits`` keep it exact for every write path at once (scan,
earlier offline scan, tally and its undo, import, demo, retention unlinking,
direct SQL): an insert adds its visit, a delete takes it away, and an update of
the centre, the day, the card link or the record key moves it. An update of
``visited_dt`` alone (an earlier scan the same day) changes nothing and does
not fire. Rows are never deleted; a day whose visits were all undone keeps a
row of zeros (readers skip ``visits = 0``).

The trigger DDL is here (``create_all`` runs it through the metadata's
``after_create`` event) and, frozen, in migration f15b2d3e4a5c.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import DDL, Date, ForeignKey, Index, Integer, event, text
from sqlalchemy.orm import Mapped, mapped_column

from vaerested.models.base import Base


class VisitDay(Base):
    """Visits and card visits of one centre on one local day, with key sums."""

    __tablename__ = "visit_days"

    centre_id: Mapped[int] = mapped_column(
        ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True
    )
    visit_date: Mapped[date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer)
    #: Sum of the visits' record keys (a cell key is this mod 256).
    visits_k: Mapped[int] = mapped_column(Integer)
    card_visits: Mapped[int] = mapped_column(Integer)
    card_visits_k: Mapped[int] = mapped_column(Integer)

    # A period's rows, the day first: reports read only their period.
    __table_args__ = (Index("ix_visit_days_date", "visit_date", "centre_id"),)

    def __repr__(self) -> str:
        return f"<VisitDay centre={self.centre_id} {self.visit_date} {self.visits}>"


POSTGRESQL_TRIGGERS = [
    """
CREATE OR REPLACE FUNCTION visit_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE visit_days SET
            visits = visits - 1,
            visits_k = visits_k - OLD.record_key,
            card_visits = card_visits - (OLD.card_id IS NOT NULL)::int,
            card_visits_k = card_visits_k
                - CASE WHEN OLD.card_id IS NOT NULL THEN OLD.record_key ELSE 0 END
        WHERE centre_id = OLD.centre_id AND visit_date = OLD.visit_date;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO visit_days AS d
            (centre_id, visit_date, visits, visits_k, card_visits, card_visits_k)
        VALUES (
            NEW.centre_id, NEW.visit_date, 1, NEW.record_key,
            (NEW.card_id IS NOT NULL)::int,
            CASE WHEN NEW.card_id IS NOT NULL THEN NEW.record_key ELSE 0 END)
        ON CONFLICT (centre_id, visit_date) DO UPDATE SET
            visits = d.visits + 1,
            visits_k = d.visits_k + excluded.visits_k,
            card_visits = d.card_visits + excluded.card_visits,
            card_visits_k = d.card_visits_k + excluded.card_visits_k;
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER visit_days_insert_delete AFTER INSERT OR DELETE ON visits
FOR EACH ROW EXECUTE FUNCTION visit_days_apply()
""",
    """
CREATE TRIGGER visit_days_update
AFTER UPDATE OF centre_id, visit_date, card_id, record_key ON visits
FOR EACH ROW WHEN (
    OLD.centre_id IS DISTINCT FROM NEW.centre_id
    OR OLD.visit_date IS DISTINCT FROM NEW.visit_date
    OR (OLD.card_id IS NULL) <> (NEW.card_id IS NULL)
    OR OLD.record_key IS DISTINCT FROM NEW.record_key
) EXECUTE FUNCTION visit_days_apply()
""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS visit_days_update ON visits",
    "DROP TRIGGER IF EXISTS visit_days_insert_delete ON visits",
    "DROP FUNCTION IF EXISTS visit_days_apply()",
]


def _sqlite_add(row: str) -> str:
    """Return SQLite statements adding visit ``row`` (NEW) to its day."""
    return f"""
    INSERT INTO visit_days
        (centre_id, visit_date, visits, visits_k, card_visits, card_visits_k)
    SELECT {row}.centre_id, {row}.visit_date, 0, 0, 0, 0
    WHERE NOT EXISTS (
        SELECT 1 FROM visit_days
        WHERE centre_id = {row}.centre_id AND visit_date = {row}.visit_date);
    UPDATE visit_days SET
        visits = visits + 1,
        visits_k = visits_k + {row}.record_key,
        card_visits = card_visits + ({row}.card_id IS NOT NULL),
        card_visits_k = card_visits_k
            + CASE WHEN {row}.card_id IS NOT NULL THEN {row}.record_key ELSE 0 END
    WHERE centre_id = {row}.centre_id AND visit_date = {row}.visit_date;"""


def _sqlite_take(row: str) -> str:
    """Return the SQLite statement taking visit ``row`` (OLD) from its day."""
    return f"""
    UPDATE visit_days SET
        visits = visits - 1,
        visits_k = visits_k - {row}.record_key,
        card_visits = card_visits - ({row}.card_id IS NOT NULL),
        card_visits_k = card_visits_k
            - CASE WHEN {row}.card_id IS NOT NULL THEN {row}.record_key ELSE 0 END
    WHERE centre_id = {row}.centre_id AND visit_date = {row}.visit_date;"""


# No INSERT OR IGNORE / upsert inside the triggers: the conflict policy of the
# statement that fires a trigger would override the trigger's own.
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER visit_days_insert AFTER INSERT ON visits BEGIN{_sqlite_add('NEW')}\nEND",
    f"CREATE TRIGGER visit_days_delete AFTER DELETE ON visits BEGIN{_sqlite_take('OLD')}\nEND",
    "CREATE TRIGGER visit_days_update"
    " AFTER UPDATE OF centre_id, visit_date, card_id, record_key ON visits"
    " WHEN OLD.centre_id IS NOT NEW.centre_id OR OLD.visit_date IS NOT NEW.visit_date"
    " OR (OLD.card_id IS NULL) <> (NEW.card_id IS NULL)"
    " OR OLD.record_key IS NOT NEW.record_key"
    f" BEGIN{_sqlite_take('OLD')}{_sqlite_add('NEW')}\nEND",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS visit_days_update",
    "DROP TRIGGER IF EXISTS visit_days_delete",
    "DROP TRIGGER IF EXISTS visit_days_insert",
]

#: Recompute every row from ``visits`` (the migration's backfill, benchmarks
#: that fill with the triggers off, and the tests' check).
REBUILD = [
    "DELETE FROM visit_days",
    """INSERT INTO visit_days (centre_id, visit_date, visits, visits_k, card_visits, card_visits_k)
    SELECT centre_id, visit_date, count(*), coalesce(sum(record_key), 0),
        count(card_id),
        coalesce(sum(CASE WHEN card_id IS NOT NULL THEN record_key ELSE 0 END), 0)
    FROM visits GROUP BY centre_id, visit_date""",
]


def trigger_statements(dialect: str) -> list[str]:
    """Return the statements creating the rollup's triggers on ``dialect``."""
    return POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS


def drop_trigger_statements(dialect: str) -> list[str]:
    """Return the statements dropping the rollup's triggers on ``dialect``."""
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP


def rebuild(conn) -> None:
    """Recompute ``visit_days`` from ``visits`` on connection ``conn``."""
    for statement in REBUILD:
        conn.execute(text(statement))


@event.listens_for(Base.metadata, "after_create")
def _create_triggers(target, connection, **kw) -> None:
    """Create the triggers once every table exists (``create_all``)."""
    if "visits" not in target.tables or "visit_days" not in target.tables:
        return
    dialect = connection.dialect.name
    for statement in drop_trigger_statements(dialect):
        connection.execute(DDL(statement))
    for statement in trigger_statements(dialect):
        connection.execute(DDL(statement))
