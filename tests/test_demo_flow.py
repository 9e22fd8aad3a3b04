"""Demo housing histories (vaerested/demo_flow.py): first statements at issue,
later moves, and a FLOW report with something to show."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.test_demo import generated, seeded  # noqa: F401  (fixtures)
from vaerested.models import Card, Housing, HousingStatement
from vaerested.reports.tables.build import build_report


def test_demo_cards_have_housing_histories(generated, db, app):  # noqa: F811
    tz = ZoneInfo(app.config["TIMEZONE"])
    first = {
        s.card_id: s
        for s in db.session.scalars(
            select(HousingStatement).order_by(HousingStatement.stated_on.desc())
        )
    }
    cards = db.session.scalars(select(Card)).all()
    for card in cards:
        if card.housing is not None:  # the housing at issue is the first statement
            s = first[card.id]
            assert (s.situation, s.centre_id) == (card.housing, card.issued_centre_id)
            assert s.stated_on == card.issued_dt.astimezone(tz).date()
    per_card = db.session.execute(
        select(HousingStatement.card_id, func.count()).group_by(
            HousingStatement.card_id
        )
    ).all()
    changed = sum(1 for _, n in per_card if n > 1)
    assert 0.03 * len(cards) < changed < 0.4 * len(cards)
    situations = set(db.session.scalars(select(HousingStatement.situation)))
    assert {Housing.TRANSITIONAL, Housing.SHELTER, Housing.OWN_HOME} <= situations

    today = date.today()
    tables = build_report("flow", today - timedelta(days=210), today, min_cell=1)
    months = {t.name: t for t in tables}["flow_months"].rows
    assert sum(r["moved_to_own_home"] for r in months) > 5
    assert sum(r["moved_out_of_residential_centre"] for r in months) > 3
    assert sum(r["flow_visits"] for r in months) > 10
