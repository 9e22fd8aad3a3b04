"""``flask db upgrade`` on an empty database creates exactly the models' schema."""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL
from vaerested import create_app
from vaerested.database import normalise_database_url
from vaerested.extensions import db
from vaerested.models import Base, visit_chain, visit_days


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """Yield the URL of a database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL case skipped: VAERESTED_TEST_POSTGRES_URL is not set")
    base = normalise_database_url(POSTGRES_URL)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        conn.execute(text("CREATE SCHEMA migration_test"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3Dmigration_test"
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA migration_test CASCADE"))
    admin.dispose()


def trigger_names(conn) -> set[str]:
    """Return the names of the triggers in the database ``conn`` is on."""
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid"
            " JOIN pg_namespace n ON n.oid = relnamespace"
            " WHERE NOT tgisinternal AND n.nspname = current_schema()"
        )
    return {name for (name,) in conn.exec_driver_sql(query)}


def model_trigger_names(dialect: str) -> set[str]:
    """Return the names of the triggers the models create on ``dialect``."""
    statements = [
        *visit_days.trigger_statements(dialect),
        *visit_chain.trigger_statements(dialect),
    ]
    names = {
        m.group(1)
        for s in statements
        for m in re.finditer(r"CREATE\s+TRIGGER\s+(\w+)", s, re.I)
    }
    assert names  # the models do keep triggers
    return names


def function_bodies(conn) -> dict[str, str]:
    """Return name -> body of the PostgreSQL functions the triggers call."""
    rows = conn.execute(
        text(
            "SELECT proname, prosrc FROM pg_proc JOIN pg_namespace n "
            "ON n.oid = pronamespace WHERE n.nspname = current_schema() "
            "AND proname LIKE 'visit%'"
        )
    )
    return {name: body.strip() for name, body in rows}


def model_function_bodies() -> dict[str, str]:
    """Return name -> body of the PostgreSQL functions the models create."""
    statements = [
        *visit_days.trigger_statements("postgresql"),
        *visit_chain.trigger_statements("postgresql"),
    ]
    return {
        m.group(1): m.group(2).strip()
        for s in map(str, statements)
        for m in re.finditer(
            r"CREATE\s+OR\s+REPLACE\s+FUNCTION\s+(\w+)\(.*?\$\$(.*?)\$\$",
            s,
            re.S | re.I,
        )
    }


def test_upgrade_from_empty_matches_models(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VAERESTED_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        # The triggers the models keep (visit-day rollup, visit chain) are all
        # there: SQLite's batch mode re-creates a table without its triggers.
        with db.engine.connect() as conn:
            assert trigger_names(conn) == model_trigger_names(conn.dialect.name)
            # The migrations' frozen copies of the trigger functions are the
            # models' functions of today.
            if conn.dialect.name == "postgresql":
                models = model_function_bodies()
                assert len(models) >= 5
                assert function_bodies(conn) == models
        # And the migrations can be walked back to nothing.
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = db.inspect(conn).get_table_names()
        assert tables == ["alembic_version"]
        db.engine.dispose()


def test_record_keys_migration_gives_existing_rows_random_keys(
    empty_database_url, tmp_path, monkeypatch
):
    from datetime import UTC, date, datetime

    from sqlalchemy import column, insert, table

    from vaerested.models import Centre, District

    monkeypatch.setenv("VAERESTED_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    # The visits table as it was before the migration (no record_key).
    old_visits = table(
        "visits",
        column("centre_id"),
        column("visit_date"),
        column("visited_dt"),
        column("source"),
        column("created_dt"),
    )
    with app.app_context():
        upgrade(revision="89bdea48b99b")  # the head before record keys
        with db.engine.begin() as conn:
            conn.execute(
                insert(District.__table__).values(
                    id=1, code="1", name="A", municipality="K"
                )
            )
            conn.execute(
                insert(Centre.__table__).values(id=1, slug="a", name="A", district_id=1)
            )
            moment = datetime(2026, 1, 5, 10, tzinfo=UTC)
            conn.execute(
                insert(old_visits),
                [
                    {
                        "centre_id": 1,
                        "visit_date": date(2026, 1, 5),
                        "visited_dt": moment,
                        "source": "tally",
                        "created_dt": moment,
                    }
                    for _ in range(60)
                ],
            )
        upgrade()
        with db.engine.connect() as conn:
            keys = conn.execute(text("SELECT record_key FROM visits")).scalars().all()
        assert len(keys) == 60 and set(keys) <= set(range(256))
        assert len(set(keys)) > 10  # random, not the server default 0
        db.engine.dispose()


def test_user_run_migration_keeps_existing_intervals_staffed(
    empty_database_url, tmp_path, monkeypatch
):
    from sqlalchemy import column, insert, table

    from vaerested.models import Centre, District

    monkeypatch.setenv("VAERESTED_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    # The opening intervals as they were before the flag.
    old_intervals = table(
        "opening_intervals",
        column("centre_id"),
        column("weekday"),
        column("opens_at"),
        column("closes_at"),
    )
    with app.app_context():
        upgrade(revision="f16c4a8e2d17")  # the head before the user-run flag
        with db.engine.begin() as conn:
            conn.execute(
                insert(District.__table__).values(
                    id=1, code="1", name="A", municipality="K"
                )
            )
            conn.execute(
                insert(Centre.__table__).values(id=1, slug="a", name="A", district_id=1)
            )
            conn.execute(
                insert(old_intervals),
                [
                    {
                        "centre_id": 1,
                        "weekday": d,
                        "opens_at": "10:00:00",
                        "closes_at": "16:00:00",
                    }
                    for d in range(5)
                ],
            )
        upgrade(revision="f16c4a8e2b7d")
        with db.engine.connect() as conn:
            flags = (
                conn.execute(text("SELECT is_user_run FROM opening_intervals"))
                .scalars()
                .all()
            )
        assert flags == [False] * 5
        # Back down: the column goes, the intervals stay.
        downgrade(revision="f16c4a8e2d17")
        with db.engine.connect() as conn:
            columns = {
                c["name"] for c in db.inspect(conn).get_columns("opening_intervals")
            }
            count = conn.execute(
                text("SELECT count(*) FROM opening_intervals")
            ).scalar()
        assert "is_user_run" not in columns and count == 5
        db.engine.dispose()


def test_unregistered_enrolment_migration_keeps_references(
    empty_database_url, tmp_path, monkeypatch
):
    from datetime import date, datetime

    from sqlalchemy import column, insert, table
    from sqlalchemy.exc import IntegrityError

    from vaerested.models import Activity, Centre, District

    # The enrolments as they were before the registration flag.
    old_enrolments = table(
        "course_enrolments",
        column("id"),
        column("activity_id"),
        column("referral_ref"),
        column("start_date"),
        column("created_dt"),
    )

    monkeypatch.setenv("VAERESTED_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    with app.app_context():
        upgrade(revision="f16c4a8e2b7d")  # the head before unregistered enrolments
        with db.engine.begin() as conn:
            conn.execute(
                insert(District.__table__).values(
                    id=1, code="1", name="A", municipality="K"
                )
            )
            conn.execute(
                insert(Centre.__table__).values(id=1, slug="a", name="A", district_id=1)
            )
            conn.execute(
                insert(Activity.__table__).values(
                    id=1, centre_id=1, title="Job club", category=3, led_by="staff"
                )
            )
            conn.execute(
                insert(old_enrolments).values(
                    id=1,
                    activity_id=1,
                    referral_ref="BIF-0001",
                    start_date=date(2026, 1, 5),
                    created_dt=datetime(2026, 1, 1),
                )
            )
        upgrade(revision="f17a1c2d3e4f")
        with db.engine.begin() as conn:
            rows = conn.execute(
                text("SELECT is_registered, referral_ref FROM course_enrolments")
            ).all()
            assert [(bool(r), ref) for r, ref in rows] == [(True, "BIF-0001")]
            conn.execute(
                text(
                    "INSERT INTO course_enrolments (id, activity_id, is_registered, "
                    "referral_ref, start_date, created_dt) VALUES "
                    "(2, 1, false, NULL, '2026-01-05', '2026-01-01 00:00:00')"
                )
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO course_enrolments (id, activity_id, is_registered, "
                    "referral_ref, start_date, created_dt) VALUES "
                    "(3, 1, true, NULL, '2026-01-05', '2026-01-01 00:00:00')"
                )
            )
        # Back down: unregistered enrolments go, registered ones stay.
        downgrade(revision="f16c4a8e2b7d")
        with db.engine.connect() as conn:
            refs = (
                conn.execute(text("SELECT referral_ref FROM course_enrolments"))
                .scalars()
                .all()
            )
        assert refs == ["BIF-0001"]
        db.engine.dispose()
