"""visits keep their card's previous visit (centre, day), kept by triggers

Revision ID: f18c2b7a9d15
Revises: f18b3e5d7a21
Create Date: 2026-12-07 15:00:00

Adds ``visits.prev_centre_id`` and ``visits.prev_visit_date``, fills them with
a window function over every card's visits, creates the triggers that keep
them and the partial index the mobility matrix reads. The trigger DDL and the
backfill are copied (frozen) from vaerested/models/visit_chain.py as it was for
this revision, so later edits of the model cannot change history.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f18c2b7a9d15'
down_revision = 'f18b3e5d7a21'
branch_labels = None
depends_on = None

INDEX_COLUMNS = [
    'visit_date',
    'prev_visit_date',
    'prev_centre_id',
    'centre_id',
    'card_id',
    'record_key',
]
INDEX_WHERE = 'prev_centre_id <> centre_id'

POSTGRESQL_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION visit_chain_prev(
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
    """CREATE OR REPLACE FUNCTION visit_chain_fix_next(
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
    """CREATE OR REPLACE FUNCTION visit_chain_before() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """CREATE OR REPLACE FUNCTION visit_chain_after() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s text;
BEGIN
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
    """CREATE TRIGGER visit_chain_before_insert BEFORE INSERT ON visits
FOR EACH ROW WHEN (NEW.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_before()
""",
    """CREATE TRIGGER visit_chain_before_delete BEFORE DELETE ON visits
FOR EACH ROW WHEN (OLD.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_before()
""",
    """CREATE TRIGGER visit_chain_before_update BEFORE UPDATE OF card_id, centre_id, visit_date, visited_dt ON visits
FOR EACH ROW WHEN (
    OLD.card_id IS DISTINCT FROM NEW.card_id
    OR OLD.centre_id IS DISTINCT FROM NEW.centre_id
    OR OLD.visit_date IS DISTINCT FROM NEW.visit_date
    OR OLD.visited_dt IS DISTINCT FROM NEW.visited_dt
) EXECUTE FUNCTION visit_chain_before()
""",
    """CREATE TRIGGER visit_chain_after_insert AFTER INSERT ON visits
FOR EACH ROW WHEN (NEW.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_after()
""",
    """CREATE TRIGGER visit_chain_after_delete AFTER DELETE ON visits
FOR EACH ROW WHEN (OLD.card_id IS NOT NULL) EXECUTE FUNCTION visit_chain_after()
""",
    """CREATE TRIGGER visit_chain_after_update AFTER UPDATE OF card_id, centre_id, visit_date, visited_dt ON visits
FOR EACH ROW WHEN (
    OLD.card_id IS DISTINCT FROM NEW.card_id
    OR OLD.centre_id IS DISTINCT FROM NEW.centre_id
    OR OLD.visit_date IS DISTINCT FROM NEW.visit_date
    OR OLD.visited_dt IS DISTINCT FROM NEW.visited_dt
) EXECUTE FUNCTION visit_chain_after()
""",
]

POSTGRESQL_DROP = ['DROP TRIGGER IF EXISTS visit_chain_after_update ON visits', 'DROP TRIGGER IF EXISTS visit_chain_after_delete ON visits', 'DROP TRIGGER IF EXISTS visit_chain_after_insert ON visits', 'DROP TRIGGER IF EXISTS visit_chain_before_update ON visits', 'DROP TRIGGER IF EXISTS visit_chain_before_delete ON visits', 'DROP TRIGGER IF EXISTS visit_chain_before_insert ON visits', 'DROP FUNCTION IF EXISTS visit_chain_after()', 'DROP FUNCTION IF EXISTS visit_chain_before()', 'DROP FUNCTION IF EXISTS visit_chain_fix_next(integer, timestamptz, text, integer)', 'DROP FUNCTION IF EXISTS visit_chain_prev(integer, timestamptz, text, integer)']

SQLITE_TRIGGERS = [
    """CREATE TRIGGER visit_chain_insert AFTER INSERT ON visits WHEN NEW.card_id IS NOT NULL BEGIN
    UPDATE visits SET (prev_centre_id, prev_visit_date) = (SELECT v.centre_id, v.visit_date
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = NEW.card_id AND v.id <> NEW.id
            AND v.visited_dt IN (NEW.visited_dt, (
                SELECT max(w.visited_dt) FROM visits w
                WHERE w.card_id = NEW.card_id AND w.visited_dt < NEW.visited_dt AND w.id <> NEW.id))
            AND (v.visited_dt <> NEW.visited_dt OR c.slug < (SELECT slug FROM centres WHERE id = NEW.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = NEW.centre_id) AND v.id < NEW.id))
        ORDER BY v.visited_dt DESC, c.slug DESC, v.id DESC LIMIT 1)
    WHERE id = NEW.id;
    UPDATE visits SET (prev_centre_id, prev_visit_date) = (SELECT v.centre_id, v.visit_date
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = visits.card_id AND v.id <> visits.id
            AND v.visited_dt IN (visits.visited_dt, (
                SELECT max(w.visited_dt) FROM visits w
                WHERE w.card_id = visits.card_id AND w.visited_dt < visits.visited_dt AND w.id <> visits.id))
            AND (v.visited_dt <> visits.visited_dt OR c.slug < (SELECT slug FROM centres WHERE id = visits.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = visits.centre_id) AND v.id < visits.id))
        ORDER BY v.visited_dt DESC, c.slug DESC, v.id DESC LIMIT 1)
    WHERE id = (
        SELECT v.id FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = NEW.card_id
            AND v.visited_dt IN (NEW.visited_dt, (
                SELECT min(w.visited_dt) FROM visits w
                WHERE w.card_id = NEW.card_id AND w.visited_dt > NEW.visited_dt))
            AND (v.visited_dt <> NEW.visited_dt OR c.slug > (SELECT slug FROM centres WHERE id = NEW.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = NEW.centre_id) AND v.id > NEW.id))
        ORDER BY v.visited_dt, c.slug, v.id LIMIT 1);
END
""",
    """CREATE TRIGGER visit_chain_delete AFTER DELETE ON visits WHEN OLD.card_id IS NOT NULL BEGIN
    UPDATE visits SET (prev_centre_id, prev_visit_date) = (SELECT v.centre_id, v.visit_date
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = visits.card_id AND v.id <> visits.id
            AND v.visited_dt IN (visits.visited_dt, (
                SELECT max(w.visited_dt) FROM visits w
                WHERE w.card_id = visits.card_id AND w.visited_dt < visits.visited_dt AND w.id <> visits.id))
            AND (v.visited_dt <> visits.visited_dt OR c.slug < (SELECT slug FROM centres WHERE id = visits.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = visits.centre_id) AND v.id < visits.id))
        ORDER BY v.visited_dt DESC, c.slug DESC, v.id DESC LIMIT 1)
    WHERE id = (
        SELECT v.id FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = OLD.card_id
            AND v.visited_dt IN (OLD.visited_dt, (
                SELECT min(w.visited_dt) FROM visits w
                WHERE w.card_id = OLD.card_id AND w.visited_dt > OLD.visited_dt))
            AND (v.visited_dt <> OLD.visited_dt OR c.slug > (SELECT slug FROM centres WHERE id = OLD.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = OLD.centre_id) AND v.id > OLD.id))
        ORDER BY v.visited_dt, c.slug, v.id LIMIT 1);
END
""",
    """CREATE TRIGGER visit_chain_update AFTER UPDATE OF card_id, centre_id, visit_date, visited_dt ON visits WHEN OLD.card_id IS NOT NEW.card_id OR OLD.centre_id IS NOT NEW.centre_id OR OLD.visit_date IS NOT NEW.visit_date OR OLD.visited_dt IS NOT NEW.visited_dt BEGIN
    UPDATE visits SET (prev_centre_id, prev_visit_date) = (SELECT v.centre_id, v.visit_date
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = NEW.card_id AND v.id <> NEW.id
            AND v.visited_dt IN (NEW.visited_dt, (
                SELECT max(w.visited_dt) FROM visits w
                WHERE w.card_id = NEW.card_id AND w.visited_dt < NEW.visited_dt AND w.id <> NEW.id))
            AND (v.visited_dt <> NEW.visited_dt OR c.slug < (SELECT slug FROM centres WHERE id = NEW.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = NEW.centre_id) AND v.id < NEW.id))
        ORDER BY v.visited_dt DESC, c.slug DESC, v.id DESC LIMIT 1)
    WHERE id = NEW.id;
    UPDATE visits SET (prev_centre_id, prev_visit_date) = (SELECT v.centre_id, v.visit_date
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = visits.card_id AND v.id <> visits.id
            AND v.visited_dt IN (visits.visited_dt, (
                SELECT max(w.visited_dt) FROM visits w
                WHERE w.card_id = visits.card_id AND w.visited_dt < visits.visited_dt AND w.id <> visits.id))
            AND (v.visited_dt <> visits.visited_dt OR c.slug < (SELECT slug FROM centres WHERE id = visits.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = visits.centre_id) AND v.id < visits.id))
        ORDER BY v.visited_dt DESC, c.slug DESC, v.id DESC LIMIT 1)
    WHERE id = (
        SELECT v.id FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = OLD.card_id
            AND v.visited_dt IN (OLD.visited_dt, (
                SELECT min(w.visited_dt) FROM visits w
                WHERE w.card_id = OLD.card_id AND w.visited_dt > OLD.visited_dt))
            AND (v.visited_dt <> OLD.visited_dt OR c.slug > (SELECT slug FROM centres WHERE id = OLD.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = OLD.centre_id) AND v.id > OLD.id))
        ORDER BY v.visited_dt, c.slug, v.id LIMIT 1);
    UPDATE visits SET (prev_centre_id, prev_visit_date) = (SELECT v.centre_id, v.visit_date
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = visits.card_id AND v.id <> visits.id
            AND v.visited_dt IN (visits.visited_dt, (
                SELECT max(w.visited_dt) FROM visits w
                WHERE w.card_id = visits.card_id AND w.visited_dt < visits.visited_dt AND w.id <> visits.id))
            AND (v.visited_dt <> visits.visited_dt OR c.slug < (SELECT slug FROM centres WHERE id = visits.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = visits.centre_id) AND v.id < visits.id))
        ORDER BY v.visited_dt DESC, c.slug DESC, v.id DESC LIMIT 1)
    WHERE id = (
        SELECT v.id FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id = NEW.card_id
            AND v.visited_dt IN (NEW.visited_dt, (
                SELECT min(w.visited_dt) FROM visits w
                WHERE w.card_id = NEW.card_id AND w.visited_dt > NEW.visited_dt))
            AND (v.visited_dt <> NEW.visited_dt OR c.slug > (SELECT slug FROM centres WHERE id = NEW.centre_id)
                OR (c.slug = (SELECT slug FROM centres WHERE id = NEW.centre_id) AND v.id > NEW.id))
        ORDER BY v.visited_dt, c.slug, v.id LIMIT 1);
END
""",
]

SQLITE_DROP = ['DROP TRIGGER IF EXISTS visit_chain_update', 'DROP TRIGGER IF EXISTS visit_chain_delete', 'DROP TRIGGER IF EXISTS visit_chain_insert']

#: Every card's chain at once (the new columns are all NULL).
POSTGRESQL_BACKFILL = [
    """UPDATE visits SET prev_centre_id = r.pc, prev_visit_date = r.pd
    FROM (
        SELECT v.id,
            lag(v.centre_id) OVER w AS pc,
            lag(v.visit_date) OVER w AS pd
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id IS NOT NULL
        WINDOW w AS (PARTITION BY v.card_id ORDER BY v.visited_dt, c.slug COLLATE "C", v.id)
    ) r
    WHERE visits.id = r.id
        AND (visits.prev_centre_id IS DISTINCT FROM r.pc
            OR visits.prev_visit_date IS DISTINCT FROM r.pd)
""",
]

SQLITE_BACKFILL = [
    """UPDATE visits SET prev_centre_id = r.pc, prev_visit_date = r.pd
    FROM (
        SELECT v.id,
            lag(v.centre_id) OVER w AS pc,
            lag(v.visit_date) OVER w AS pd
        FROM visits v JOIN centres c ON c.id = v.centre_id
        WHERE v.card_id IS NOT NULL
        WINDOW w AS (PARTITION BY v.card_id ORDER BY v.visited_dt, c.slug, v.id)
    ) r
    WHERE visits.id = r.id
        AND (visits.prev_centre_id IS NOT r.pc
            OR visits.prev_visit_date IS NOT r.pd)
""",
]


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    # Plain ADD COLUMN (no batch copy of the table: it would lose the
    # visit_days triggers on SQLite).
    op.add_column('visits', sa.Column('prev_centre_id', sa.Integer(), nullable=True))
    op.add_column('visits', sa.Column('prev_visit_date', sa.Date(), nullable=True))
    if postgresql:  # no visit may be written between the backfill and the triggers
        op.execute('LOCK TABLE visits IN SHARE ROW EXCLUSIVE MODE')
    for statement in POSTGRESQL_BACKFILL if postgresql else SQLITE_BACKFILL:
        op.execute(statement)
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    op.create_index(
        'ix_visits_transitions',
        'visits',
        INDEX_COLUMNS,
        unique=False,
        sqlite_where=sa.text(INDEX_WHERE),
        postgresql_where=sa.text(INDEX_WHERE),
    )


def downgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)
    op.drop_index('ix_visits_transitions', table_name='visits')
    op.execute('ALTER TABLE visits DROP COLUMN prev_visit_date')
    op.execute('ALTER TABLE visits DROP COLUMN prev_centre_id')
