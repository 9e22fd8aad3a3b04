"""The mobility months from one grouped pass equal each month counted on its own.

Also under a filter (DOMAIN.md, "Filters and mobility"): a month's figures are
then the active cards of the filtered centres that month, of which
multi-centre those seen at two or more centres anywhere that month.
"""

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tests.factories import create_card, create_centre, create_district, create_visit
from vaerested.models import Card, Centre, Visit
from vaerested.reports.tables import queries
from vaerested.reports.tables.build import build_report
from vaerested.reports.tables.queries import Scope
from vaerested.services.mobility import months

FIRST = date(2024, 1, 1)
#: One visit: (card number or None for a tally, centre number, day, hour).
VISIT = st.tuples(
    st.one_of(st.none(), st.integers(0, 5)),
    st.integers(0, 2),
    st.integers(0, 150),
    st.integers(8, 20),
)


def _world(db):
    if not db.session.scalar(select(Centre.id)):  # first example: build the world
        district = create_district("1")
        for slug in ("a", "b", "c"):
            create_centre(slug, district)
        for key in (3, 250, 17, 128, 0, 99):
            create_card(record_key=key)
        db.session.commit()
    db.session.execute(delete(Visit))
    db.session.commit()
    centres = db.session.scalars(select(Centre).order_by(Centre.slug)).all()
    cards = db.session.scalars(select(Card).order_by(Card.id)).all()
    return centres, cards


def _expected(visits, cards, first: date, last: date, shown=None) -> tuple:
    """Count active and multi-centre cards of first..last, with their key sums;
    with ``shown`` (centre ids) only the cards with a visit at one of them,
    multi-centre by their visits at every centre."""
    centres_of: dict[int, set] = {}
    for card, centre, day in visits:
        if card is not None and first <= day <= last:
            centres_of.setdefault(card, set()).add(centre)
    active = [c for c, here in centres_of.items() if shown is None or here & shown]
    multi = [c for c in active if len(centres_of[c]) >= 2]
    key = {c.id: c.record_key for c in cards}
    return (
        (len(active), sum(key[c] for c in active) % 256),
        (len(multi), sum(key[c] for c in multi) % 256),
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(VISIT, max_size=60),
    st.integers(0, 40),
    st.integers(0, 150),
    st.frozensets(st.integers(0, 2)),
)
def test_months_in_one_pass_equal_each_month_on_its_own(
    app, db, data, lo, span, picked
):
    centres, cards = _world(db)
    seen, visits = set(), []
    for card_no, centre_no, day, hour in data:
        card = None if card_no is None else cards[card_no]
        moment = datetime.combine(FIRST + timedelta(days=day), datetime.min.time())
        moment = moment.replace(hour=hour, tzinfo=UTC)
        centre = centres[centre_no]
        # 8-20 h UTC is the same local day in Copenhagen.
        slot = (card_no, centre_no, moment.date())
        if card is not None and slot in seen:
            continue  # one card visit per centre and day
        seen.add(slot)
        visit = create_visit(centre, card, moment, record_key=(day * 7) % 256)
        visits.append((visit.card_id, visit.centre_id, visit.visit_date))
    db.session.commit()
    start = FIRST + timedelta(days=lo)
    end = start + timedelta(days=span)
    scope = Scope(start, end)
    got = queries.mobility_months(db.session, scope)
    assert [m for m, _, _ in got] == [m for m, _, _ in months(start, end)]
    for (month, active, multi), (_, first, last) in zip(
        got, months(start, end), strict=True
    ):
        expected = _expected(visits, cards, first, last)
        assert ((active, active.key), (multi, multi.key)) == expected, month
        # And the same as the period's own summary query over that month.
        _, totals = queries.mobility_counts(db.session, Scope(first, last))
        assert (active, multi) == totals
        assert (active.key, multi.key) == (totals[0].key, totals[1].key)
    # Filtered to some centres: every visit still counts for multi-centre.
    shown = {centres[i].id for i in picked}
    filtered = Scope(start, end, tuple(sorted(shown)))
    for (month, active, multi), (_, first, last) in zip(
        queries.mobility_months(db.session, filtered), months(start, end), strict=True
    ):
        expected = _expected(visits, cards, first, last, shown)
        assert ((active, active.key), (multi, multi.key)) == expected, month
        _, totals = queries.mobility_counts(
            db.session, Scope(first, last, filtered.centre_ids)
        )
        assert (active, multi) == totals
        assert (active.key, multi.key) == (totals[0].key, totals[1].key)
    # The export's table at min-cell 1 carries the same raw counts.
    [table] = [
        t
        for t in build_report("mobility", start, end, min_cell=1)
        if t.name == "mobility_months"
    ]
    assert [
        (r["month"], r["active_cards"], r["multi_centre_cards"]) for r in table.rows
    ] == [(m, int(a), int(n)) for m, a, n in got]
    db.session.rollback()
