"""daily per-centre rollup of visits, kept by triggers on visits

Revision ID: f15b2d3e4a5c
Revises: f13d7e2a4c90
Create Date: 2026-12-04 18:00:00

The trigger DDL is copied (frozen) from vaerested/models/visit_days.py as it
was for this revision, so later edits of the model cannot change history.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f15b2d3e4a5c'
down_revision = 'f13d7e2a4c90'
branch_labels = None
depends_on = None

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


def _sqlite_add(row):
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


def _sqlite_take(row):
    return f"""
    UPDATE visit_days SET
        visits = visits - 1,
        visits_k = visits_k - {row}.record_key,
        card_visits = card_visits - ({row}.card_id IS NOT NULL),
        card_visits_k = card_visits_k
            - CASE WHEN {row}.card_id IS NOT NULL THEN {row}.record_key ELSE 0 END
    WHERE centre_id = {row}.centre_id AND visit_date = {row}.visit_date;"""


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

BACKFILL = """
INSERT INTO visit_days
    (centre_id, visit_date, visits, visits_k, card_visits, card_visits_k)
SELECT centre_id, visit_date, count(*), coalesce(sum(record_key), 0),
    count(card_id),
    coalesce(sum(CASE WHEN card_id IS NOT NULL THEN record_key ELSE 0 END), 0)
FROM visits GROUP BY centre_id, visit_date
"""


def upgrade():
    op.create_table(
        'visit_days',
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('visit_date', sa.Date(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('visits_k', sa.Integer(), nullable=False),
        sa.Column('card_visits', sa.Integer(), nullable=False),
        sa.Column('card_visits_k', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['centre_id'], ['centres.id'],
            name=op.f('fk_visit_days_centre_id_centres'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint(
            'centre_id', 'visit_date', name=op.f('pk_visit_days')
        ),
    )
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:  # no visit may be written between the backfill and the triggers
        op.execute('LOCK TABLE visits IN SHARE ROW EXCLUSIVE MODE')
    op.execute(BACKFILL)
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)
    op.drop_table('visit_days')
