"""The housing-statements migration: old card values kept (``homeless`` as the
legacy value), each card's housing at issue its first statement on the local
issue day, the new situations allowed; and back down again."""

from datetime import UTC, date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, insert, table, text
from sqlalchemy.exc import IntegrityError

from tests.test_migrations import empty_database_url  # noqa: F401  (fixture)
from vaerested import create_app
from vaerested.extensions import db
from vaerested.models import Centre, District

BEFORE = "f17a1c2d3e4f"
cards = table(
    "cards",
    column("id"),
    column("code_hash"),
    column("issued_centre_id"),
    column("issued_dt"),
    column("housing"),
)


def test_housing_migration_maps_cards_to_first_statements(
    empty_database_url,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    monkeypatch.setenv("VAERESTED_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                insert(District.__table__).values(
                    id=1, code="1", name="A", municipality="K"
                )
            )
            conn.execute(
                insert(Centre.__table__).values(id=1, slug="a", name="A", district_id=1)
            )
            for n, housing, issued, centre in [
                (1, "own_home", datetime(2026, 1, 5, 10, tzinfo=UTC), 1),
                # 23:30 UTC is the next local day in Copenhagen.
                (2, "homeless", datetime(2026, 1, 5, 23, 30, tzinfo=UTC), 1),
                (3, "residential_centre", datetime(2026, 2, 1, 9, tzinfo=UTC), None),
                (4, "other", datetime(2026, 2, 1, 9, tzinfo=UTC), 1),
                (5, None, datetime(2026, 2, 1, 9, tzinfo=UTC), 1),
            ]:
                conn.execute(
                    insert(cards).values(
                        id=n,
                        code_hash=f"{n:064d}",
                        issued_centre_id=centre,
                        issued_dt=issued,
                        housing=housing,
                    )
                )
        upgrade(revision="f18b3c4d5e6a")
        with db.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT card_id, stated_on, situation, centre_id "
                    "FROM housing_statements ORDER BY card_id"
                )
            ).all()
            assert [(c, str(d)[:10], s, k) for c, d, s, k in rows] == [
                (1, "2026-01-05", "own_home", 1),
                (2, "2026-01-06", "homeless", 1),
                (3, "2026-02-01", "residential_centre", None),
                (4, "2026-02-01", "other", 1),
            ]
            housing = conn.execute(text("SELECT housing FROM cards ORDER BY id"))
            assert housing.scalars().all() == [
                "own_home",
                "homeless",
                "residential_centre",
                "other",
                None,
            ]
            conn.execute(text("UPDATE cards SET housing = 'shelter' WHERE id = 5"))
            conn.execute(
                text(
                    "INSERT INTO housing_statements (card_id, stated_on, situation, "
                    "created_dt) VALUES (5, :day, 'transitional', :now)"
                ),
                {"day": date(2026, 3, 1), "now": datetime(2026, 3, 1, tzinfo=UTC)},
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE cards SET housing = 'mansion' WHERE id = 5"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # one a day
            conn.execute(
                text(
                    "INSERT INTO housing_statements (card_id, stated_on, situation, "
                    "created_dt) VALUES (5, :day, 'street', :now)"
                ),
                {"day": date(2026, 3, 1), "now": datetime(2026, 3, 1, tzinfo=UTC)},
            )
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            housing = conn.execute(text("SELECT housing FROM cards ORDER BY id"))
            assert housing.scalars().all()[-1] == "homeless"  # shelter, mapped back
            assert "housing_statements" not in db.inspect(conn).get_table_names()
        db.engine.dispose()
