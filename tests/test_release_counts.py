"""The release's bounded counts in SQL equal the pure polars path, on both databases."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from tests.factories import create_card, create_centre, create_district, create_visit
from vaerested.models import Visit, VisitSource
from vaerested.releases.queries import release_counts, release_frame, release_grid
from vaerested.services import dp

START, END = date(2026, 3, 1), date(2026, 4, 30)


def _world(db, seed: int):
    """Centres whose ids do not sort as their slugs, cards with many visits,
    equal times at two centres (the slug breaks the tie), tallies."""
    rng = random.Random(seed)
    districts = [create_district(f"D{i}") for i in range(3)]
    centres = [
        create_centre(slug, district=districts[i % 3])
        for i, slug in enumerate(["zulu", "alfa", "mike", "bravo"])
    ]
    rows = []
    for _ in range(60):
        home = rng.choice([None, *districts])
        card = create_card(centres[0], home_district_id=home.id if home else None)
        days = rng.sample(range(-3, 64), rng.randint(1, 45))  # some outside
        for day in days:
            when = datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(
                days=day, minutes=rng.randrange(0, 600, 30)
            )
            for centre in rng.sample(centres, rng.choice([1, 1, 1, 2])):
                rows.append((card.id, centre.id, when, None))
    for _ in range(80):
        home = rng.choice([None, *districts])
        when = datetime(2026, 3, 1, 9, tzinfo=UTC) + timedelta(days=rng.randint(0, 60))
        rows.append((None, rng.choice(centres).id, when, home.id if home else None))
    db.session.execute(
        insert(Visit),
        [
            {
                "card_id": card_id,
                "centre_id": centre_id,
                "visit_date": when.date(),
                "visited_dt": when,
                "source": VisitSource.SCAN if card_id else VisitSource.TALLY,
                "home_district_id": home_id,
                "record_key": 0,
            }
            for card_id, centre_id, when, home_id in rows
        ],
    )
    db.session.flush()
    return centres


def test_sql_counts_equal_the_polars_bounding(app, db):
    _world(db, 16)
    grid = release_grid(db.session, START, END)
    frame = release_frame(db.session, START, END)
    for k, m in [(1, 1), (3, 7), (10, 30), (1000, 1000)]:
        expected = dp.true_counts(frame, grid, k, m)
        got = release_counts(db.session, START, END, grid, k, m)
        assert got == expected, (k, m)
    # Not vacuous: the bounds cut something, and every table has counts.
    loose = release_counts(db.session, START, END, grid, 1000, 1000)
    tight = release_counts(db.session, START, END, grid, 3, 7)
    assert all(loose[name] for name in loose)
    for name in ("matrix_transitions", "centre_month_visits", "district_flows"):
        assert sum(tight[name].values()) < sum(loose[name].values()), name


def test_a_card_with_500_transitions_counts_at_most_k_in_sql(app, db):
    district = create_district("D1")
    a = create_centre("a", district=district)
    b = create_centre("b", district=district)
    card = create_card(a, home_district_id=district.id)
    t0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
    for i in range(501):  # a at 8, b at 9 every day: 500 transitions
        when = t0 + timedelta(days=i // 2, hours=i % 2)
        create_visit(a if i % 2 == 0 else b, card, when)
    create_visit(b, None, t0)  # a tally: one visit, no mobility
    grid = release_grid(db.session, date(2026, 1, 1), date(2026, 12, 31))
    truth = release_counts(
        db.session, date(2026, 1, 1), date(2026, 12, 31), grid, 10, 30
    )
    assert truth["matrix_transitions"] == {("a", "b"): 5, ("b", "a"): 5}
    assert truth["matrix_cards"] == {("a", "b"): 1, ("b", "a"): 1}
    assert sum(truth["centre_month_visits"].values()) == 30 + 1
    assert truth["centre_month_visits"][("a", "2026-03")] == 15
    assert truth["district_flows"] == {("D1", "D1"): 30, ("unknown", "D1"): 1}
    assert truth["month_active"] == {("2026-03",): 1}
    assert truth["month_multi"] == {("2026-03",): 1}
