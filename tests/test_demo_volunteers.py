"""``flask seed demo --visits N``: outreach on visits (``flask demo generate``)
and volunteers among the session scans (at the end of the seed)."""

import pytest
from sqlalchemy import func, select

from vaerested.models import SessionScan, Visit
from vaerested.reports.tables.build import build_report


@pytest.fixture
def generated(runner, db):
    result = runner.invoke(args=["seed", "demo", "--visits", "4000"])
    assert result.exit_code == 0, result.output
    db.session.rollback()


def test_demo_has_outreach_and_volunteers_away_from_home(generated, db):
    with_outreach = db.session.scalar(
        select(func.count()).where(Visit.outreach.is_not(None))
    )
    total = db.session.scalar(select(func.count()).select_from(Visit))
    assert 0.01 < with_outreach / total < 0.2
    kinds = set(db.session.scalars(select(Visit.outreach).distinct()))
    assert {"street_worker", "home_guide", "skp", "other"} <= kinds
    assert db.session.scalar(select(func.count()).where(SessionScan.is_volunteer)) > 20
    dates = db.session.execute(
        select(func.min(Visit.visit_date), func.max(Visit.visit_date))
    ).one()
    tables = {t.name: t for t in build_report("volunteers", *dates, min_cell=1)}
    rows = tables["volunteers"].rows
    assert rows and sum(r["away_volunteers"] for r in rows) > 0
    assert any(
        r["outreach"] != "none" and r["visits"]
        for r in tables["outreach_arrivals"].rows
    )
