"""Each card visit's previous visit, kept by the database at write time.

A card's visits, in time order with ties broken by centre slug (DOMAIN.md,
"Mobility"; then by id, so the order is total even for identical times), form
its *chain*. ``visits.prev_centre_id`` and ``visits.prev_visit_date`` hold the
centre and local day of the visit before it in the chain (NULL for a card's
first visit and for every visit without a card). Consecutive visits of a
card's visits *in a period* are then exactly the chain's links whose both ends
lie in the period (a visit's day follows its time), so the mobility matrix is a
plain ``GROUP BY`` of the period's visits with ``prev_visit_date >= start`` and
``prev_centre_id <> centre_id``, read from the partial index
``ix_visits_transitions`` (:func:`vaerested.reports.tables.queries.mobility_matrix`).

Triggers on ``visits`` keep the chain exact for every write path at once (scan,
replay, earlier offline scan, import in any order, demo, tally undo, retention
unlinking, a deleted card, direct SQL). A change of a visit's place in a chain
(insert, delete, or an update of its card, centre, day or time) changes the
``prev`` of at most three visits: its own, that of the visit now after its old
place and that of the visit now after its new place. The triggers recompute
those (each from the rows, never from other ``prev`` values, so the order of
the fixes does not matter) with a few probes of ``ix_visits_card_dt``:

- SQLite runs a row trigger right after its row: each row leaves a consistent
  chain. Writers are serialised by the database.
- PostgreSQL computes the visit's own ``prev`` in a BEFORE trigger (no second
  write of the row) and fixes the followers in an AFTER trigger, which runs
  when the whole statement is done and sees all of it, so multi-row statements
  (imports, retention) end exact too. Two transactions writing one card's
  visits at once are serialised by a row lock on the card (``FOR NO KEY
  UPDATE``, taken before the chain is read; a row lock, so a retention run over
  many cards does not fill the lock table) and each trigger query takes a fresh
  snapshot, so the second sees the first's committed visits. A repeat scan
  (the card's visit at that centre that day exists, so its insert conflicts)
  takes no lock and computes nothing: the scan stays a read-only transaction.

Slugs compare bytewise (SQLite's BINARY, PostgreSQL's ``COLLATE "C"``), which
is the code point order of Python's sort. Slugs are permanent
(:mod:`vaerested.centres.operations`); after changing one by hand, run
:func:`rebuild`.

The trigger DDL is here (``create_all`` runs it through the metadata's
``after_create`` event) and, frozen, in migrations f18c2b7a9d15 and (the
PostgreSQL repeat-scan shortcut) f19b2e3d4c5f.
"""

from __future__ import annotations

from sqlalchemy import DDL, event, text

from vaerested.models.base import Base

#: The columns whose change moves a visit in (or out of) a chain.
KEY_COLUMNS = "card_id, centre_id, visit_date, visited_dt"

POSTGRESQL_TRIGGERS = [
    # The previous visit of the key (card, time, slug, id), the row ``p_id``
    # itself left out: the latest earlier time, then the ties at this time.
    """
CREATE OR REPLACE FUNCTION visit_chain_prev(
    p_card integer, p_dt timestamptz, p_slug text, p_id integer,
    OUT prev_centre_id integer, OUT prev_visit_date date
) LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
BEGIN
    SELECT max(v.visited_dt) INTO t FROM visits v
    WHERE v.card_id = p_card AND v.visited_dt < p_dt AND v.id <> p_id;
    SELECT v.centre_id, v.visit_date INTO prev_centre_id, prev_visit_date
    FROM visits v JOIN centres c ON c.id = v.centre_id
    WHERE v.card_id = p_card AND v.id <> p_id
        AND v.visited_dt IN (t, p_dt)
        AND (v.visited_dt <> p_dt OR c.slug COLLATE "C" < p_slug COLLATE "C"
            OR (c.slug = p_slug AND v.id < p_id))
    ORDER BY v.visited_dt DESC, c.slug COLLATE "C" DESC, v.id DESC
    LIMIT 1;
END
$$
""",
    # Recompute the prev of the first visit after the key (if any).
    """
CREATE OR REPLACE FUNCTION visit_chain_fix_next(
    p_card integer, p_dt timestamptz, p_slug text, p_id integer
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    n_id integer;
    n_dt timestamptz;
    n_slug text;
    pc integer;
    pd date;
BEGIN
    SELECT min(v.visited_dt) INTO t FROM visits v
    WHERE v.card_id = p_card AND v.visited_dt > p_dt;
    SELECT v.id, v.visited_dt, c.slug INTO n_id, n_dt, n_slug
    FROM visits v JOIN centres c ON c.id = v.centre_id
    WHERE v.card_id = p_card
        AND v.visited_dt IN (t, p_dt)
        AND (v.visited_dt <> p_dt OR c.slug COLLATE "C" > p_slug COLLATE "C"
            OR (c.slug = p_slug AND v.id > p_id))
    ORDER BY v.visited_dt, c.slug COLLATE "C", v.id
    LIMIT 1;
    IF n_id IS NULL THEN
        RETURN;
    END IF;
    SELECT p.prev_centre_id, p.prev_visit_date INTO pc, pd
    FROM visit_chain_prev(p_card, n_dt, n_slug, n_id) p;
    UPDATE visits SET prev_centre_id = pc, prev_visit_date = pd
    WHERE id = n_id
        AND (prev_centre_id IS DISTINCT FROM pc OR prev_visit_date IS DISTINCT FROM pd);
END
$$
""",
    """
CREATE OR REPLACE FUNCTION visit_chain_before() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM cards WHERE id = OLD.card_id FOR NO KEY UPDATE;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM 1 FROM cards WHERE id IN (OLD.card_id, NEW.card_id)
        ORDER BY id FOR NO KEY UPDATE;
    ELSE
        -- A repeat scan, not earlier: the card's visit at this centre that
        -- day exists at this time or before, so the insert conflicts and (the
        -- scans update only an earlier time) writes nothing. No lock and no
        -- chain: the scan stays a read (no transaction id, no WAL to flush at
        -- commit). An earlier repeat takes the lock first, as a new visit
        -- does: its update then locks the visit row after the card, in the
        -- order every writer takes them. Should the visit be deleted before
        -- the insert checks (by another transaction, not yet committed), the
        -- row is inserted after all, marked -1: the AFTER trigger computes its
        -- chain under the lock.
        IF EXISTS (
            SELECT 1 FROM visits v WHERE v.card_id = NEW.card_id
                AND v.centre_id = NEW.centre_id AND v.visit_date = NEW.visit_date
                AND v.visited_dt <= NEW.visited_dt
        ) THEN
            NEW.prev_centre_id := -1;
            NEW.prev_visit_date := NULL;
            RETURN NEW;
        END IF;
        PERFORM 1 FROM cards WHERE id = NEW.card_id FOR NO KEY UPDATE;
    END IF;
    IF NEW.card_id IS NULL THEN
        NEW.prev_centre_id := NULL;
        NEW.prev_visit_date := NULL;
    ELSE
        SELECT slug INTO s FROM centres WHERE id = NEW.centre_id;
        SELECT p.prev_centre_id, p.prev_visit_date
        INTO NEW.prev_centre_id, NEW.prev_visit_date
        FROM visit_chain_prev(NEW.card_id, NEW.visited_dt, s, NEW.id) p;
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION visit_chain_after() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s text;
    pc integer;
    pd date;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.prev_centre_id = -1 THEN
        -- Marked by the BEFORE trigger as a repeat that was inserted after all.
        PERFORM 1 FROM cards WHERE id = NEW.card_id FOR NO KEY UPDATE;
        SELECT slug INTO s FROM centres WHERE id = NEW.centre_id;
        SELECT p.prev_centre_id, p.prev_visit_date INTO pc, pd
        FROM visit_chain_prev(NEW.card_id, NEW.visited_dt, s, NEW.id) p;
        UPDATE visits SET prev_centre_id = pc, prev_visit_date = pd
        WHERE id = NEW.id;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.card_id IS NOT NULL THEN
        SELECT slug INTO s FROM centres WHERE id = OLD.centre_id;
        PERFORM visit_chain_fix_next(OLD.card_id, OLD.visited_dt, s, OLD.id);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.card_id IS NOT NULL THEN
        SELECT slug INTO s FROM centres WHERE id = NEW.centre_id;
        PERFORM visit_chain_fix_next(NEW.card_id, NEW.visited_dt, s, NEW.id);
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER visit_chain_before_insert BEFORE INSERT ON visits
FOR EACH ROW WHEN (NEW.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_before()
""",
    """
CREATE TRIGGER visit_chain_before_delete BEFORE DELETE ON visits
FOR EACH ROW WHEN (OLD.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_before()
""",
    f"""
CREATE TRIGGER visit_chain_before_update BEFORE UPDATE OF {KEY_COLUMNS} ON visits
FOR EACH ROW WHEN (
    OLD.card_id IS DISTINCT FROM NEW.card_id
    OR OLD.centre_id IS DISTINCT FROM NEW.centre_id
    OR OLD.visit_date IS DISTINCT FROM NEW.visit_date
    OR OLD.visited_dt IS DISTINCT FROM NEW.visited_dt
) EXECUTE FUNCTION visit_chain_before()
""",
    """
CREATE TRIGGER visit_chain_after_insert AFTER INSERT ON visits
FOR EACH ROW WHEN (NEW.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_after()
""",
    """
CREATE TRIGGER visit_chain_after_delete AFTER DELETE ON visits
FOR EACH ROW WHEN (OLD.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_after()
""",
    f"""
CREATE TRIGGER visit_chain_after_update AFTER UPDATE OF {KEY_COLUMNS} ON visits
FOR EACH ROW WHEN (
    OLD.card_id IS DISTINCT FROM NEW.card_id
    OR OLD.centre_id IS DISTINCT FROM NEW.centre_id
    OR OLD.visit_date IS DISTINCT FROM NEW.visit_date
    OR OLD.visited_dt IS DISTINCT FROM NEW.visited_dt
) EXECUTE FUNCTION visit_chain_after()
""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS visit_chain_after_update ON visits",
    "DROP TRIGGER IF EXISTS visit_chain_after_delete ON visits",
    "DROP TRIGGER IF EXISTS visit_chain_after_insert ON visits",
    "DROP TRIGGER IF EXISTS visit_chain_before_update ON visits",
    "DROP TRIGGER IF EXISTS visit_chain_before_delete ON visits",
    "DROP TRIGGER IF EXISTS visit_chain_before_insert ON visits",
    "DROP FUNCTION IF EXISTS visit_chain_after()",
    "DROP FUNCTION IF EXISTS visit_chain_before()",
    "DROP FUNCTION IF EXISTS visit_chain_fix_next(integer, timestamptz, text, integer)",
    "DROP FUNCTION IF EXISTS visit_chain_prev(integer, timestamptz, text, integer)",
]


def _slug(centre: str) -> str:
    return f"(SELECT slug FROM centres WHERE id = {centre})"


def _sqlite_prev(card: str, dt: str, slug: str, vid: str) -> str:
    """Return a SELECT of the centre and day of the visit before the key."""
    return f"""SELECT v.centre_id, v.visit_date
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = {card} AND v.id <> {vid}
            AND v.visited_dt IN ({dt}, (
                SELECT max(w.visited_dt) FROM visits w
                WHERE w.card_id = {card} AND w.visited_dt < {dt} AND w.id <> {vid}))
            AND (v.visited_dt <> {dt} OR c.slug < {slug}
                OR (c.slug = {slug} AND v.id < {vid}))
        ORDER BY v.visited_dt DESC, c.slug DESC, v.id DESC LIMIT 1"""


def _sqlite_set_own(row: str) -> str:
    """Return the statement recomputing the prev of visit ``row`` (NEW)."""
    prev = _sqlite_prev(
        f"{row}.card_id", f"{row}.visited_dt", _slug(f"{row}.centre_id"), f"{row}.id"
    )
    return f"""
    UPDATE visits SET (prev_centre_id, prev_visit_date) = ({prev})
    WHERE id = {row}.id;"""


def _sqlite_fix_next(row: str) -> str:
    """Return the statement recomputing the prev of the first visit after
    ``row``'s key (OLD or NEW) in its card's chain."""
    card, dt, slug, vid = (
        f"{row}.card_id",
        f"{row}.visited_dt",
        _slug(f"{row}.centre_id"),
        f"{row}.id",
    )
    prev = _sqlite_prev(
        "visits.card_id", "visits.visited_dt", _slug("visits.centre_id"), "visits.id"
    )
    return f"""
    UPDATE visits SET (prev_centre_id, prev_visit_date) = ({prev})
    WHERE id = (
        SELECT v.id FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = {card}
            AND v.visited_dt IN ({dt}, (
                SELECT min(w.visited_dt) FROM visits w
                WHERE w.card_id = {card} AND w.visited_dt > {dt}))
            AND (v.visited_dt <> {dt} OR c.slug > {slug}
                OR (c.slug = {slug} AND v.id > {vid}))
        ORDER BY v.visited_dt, c.slug, v.id LIMIT 1);"""


_SQLITE_MOVED = (
    "OLD.card_id IS NOT NEW.card_id OR OLD.centre_id IS NOT NEW.centre_id"
    " OR OLD.visit_date IS NOT NEW.visit_date OR OLD.visited_dt IS NOT NEW.visited_dt"
)

SQLITE_TRIGGERS = [
    "CREATE TRIGGER visit_chain_insert AFTER INSERT ON visits"
    " WHEN NEW.card_id IS NOT NULL"
    f" BEGIN{_sqlite_set_own('NEW')}{_sqlite_fix_next('NEW')}\nEND",
    "CREATE TRIGGER visit_chain_delete AFTER DELETE ON visits"
    " WHEN OLD.card_id IS NOT NULL"
    f" BEGIN{_sqlite_fix_next('OLD')}\nEND",
    f"CREATE TRIGGER visit_chain_update AFTER UPDATE OF {KEY_COLUMNS} ON visits"
    f" WHEN {_SQLITE_MOVED}"
    f" BEGIN{_sqlite_set_own('NEW')}{_sqlite_fix_next('OLD')}"
    f"{_sqlite_fix_next('NEW')}\nEND",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS visit_chain_update",
    "DROP TRIGGER IF EXISTS visit_chain_delete",
    "DROP TRIGGER IF EXISTS visit_chain_insert",
]


def rebuild_statements(dialect: str, cards_where: str | None = None) -> list[str]:
    """Return the statements recomputing the chains from the visits, set-based.

    ``cards_where`` (SQL on ``v.card_id``) limits it to some cards; without it
    every chain is recomputed and card-less visits cleared. Only rows whose
    value changes are written.
    """
    postgresql = dialect == "postgresql"
    slug = 'c.slug COLLATE "C"' if postgresql else "c.slug"
    differs = "IS DISTINCT FROM" if postgresql else "IS NOT"
    only = f" AND ({cards_where})" if cards_where else ""
    statements = [
        f"""UPDATE visits SET prev_centre_id = r.pc, prev_visit_date = r.pd
    FROM (
        SELECT v.id,
            lag(v.centre_id) OVER w AS pc,
            lag(v.visit_date) OVER w AS pd
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id IS NOT NULL{only}
        WINDOW w AS (PARTITION BY v.card_id ORDER BY v.visited_dt, {slug}, v.id)
    ) r
    WHERE visits.id = r.id
        AND (visits.prev_centre_id {differs} r.pc
            OR visits.prev_visit_date {differs} r.pd)"""
    ]
    if not cards_where:
        statements.append(
            "UPDATE visits SET prev_centre_id = NULL, prev_visit_date = NULL"
            " WHERE card_id IS NULL"
            " AND (prev_centre_id IS NOT NULL OR prev_visit_date IS NOT NULL)"
        )
    return statements


def trigger_statements(dialect: str) -> list[str]:
    """Return the statements creating the chain's triggers on ``dialect``."""
    return POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS


def drop_trigger_statements(dialect: str) -> list[str]:
    """Return the statements dropping the chain's triggers on ``dialect``."""
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP


def rebuild(conn, cards_where: str | None = None) -> None:
    """Recompute the chains on connection (or session) ``conn``; see
    :func:`rebuild_statements`."""
    dialect = (
        conn.get_bind().dialect.name
        if hasattr(conn, "get_bind")
        else (conn.dialect.name)
    )
    for statement in rebuild_statements(dialect, cards_where):
        conn.execute(text(statement))


@event.listens_for(Base.metadata, "after_create")
def _create_triggers(target, connection, **kw) -> None:
    """Create the triggers once every table exists (``create_all``)."""
    if "visits" not in target.tables or "centres" not in target.tables:
        return
    dialect = connection.dialect.name
    for statement in drop_trigger_statements(dialect):
        connection.execute(DDL(statement))
    for statement in trigger_statements(dialect):
        connection.execute(DDL(statement))
