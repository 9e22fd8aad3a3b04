"""PostgreSQL: a repeat scan takes no card lock and computes no chain

Revision ID: f19b2e3d4c5f
Revises: f19a1d2c3b4e
Create Date: 2026-12-08 00:10:00

Every check-in is an ``INSERT … ON CONFLICT``, and PostgreSQL runs BEFORE
INSERT triggers before it finds the conflict: a repeat scan of a card took
the card's row lock (a write, so a transaction id and a WAL flush at commit)
and read its chain, for a row never inserted. ``visit_chain_before`` now
checks first whether the card's visit at that centre that day exists at the
scan's time or earlier (the scans update only an earlier time); then it
returns the row marked ``prev_centre_id = -1`` and takes no lock. If that
visit is deleted before the insert checks for the conflict (by a transaction
not yet committed), the row is inserted after all, and ``visit_chain_after``
computes its previous visit under the lock. SQLite's triggers run after the
insert and are unchanged. The function bodies are copied (frozen) from
vaerested/models/visit_chain.py as it was for this revision.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f19b2e3d4c5f'
down_revision = 'f19a1d2c3b4e'
branch_labels = None
depends_on = None

NEW_BEFORE = """CREATE OR REPLACE FUNCTION visit_chain_before() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""

NEW_AFTER = """CREATE OR REPLACE FUNCTION visit_chain_after() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""

# As created by f18c2b7a9d15.
OLD_BEFORE = """CREATE OR REPLACE FUNCTION visit_chain_before() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""

OLD_AFTER = """CREATE OR REPLACE FUNCTION visit_chain_after() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(NEW_BEFORE)
    op.execute(NEW_AFTER)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(OLD_BEFORE)
    op.execute(OLD_AFTER)
