"""The FLOW report: exact at min-cell 1 against figures computed here from the
raw rows, protected at the default min-cell, filters, the page and downloads.

The data set (``flow_world``, fixed seed): districts "1" (centres a, b) and "2"
(centre c); 60 cards with random record keys, each with a random sequence of
dated housing statements (any situation, "unknown" and the legacy "homeless"
included, some of no known centre), before, inside and after the period, and
random card visits. The period cuts five months.
"""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import (
    create_card,
    create_centre,
    create_district,
    create_statement,
    create_visit,
)
from vaerested.models import Card, Centre, Housing, HousingStatement, Visit
from vaerested.reports.tables.build import REPORTS, build_report
from vaerested.services.protection import noise

START, END = date(2024, 2, 10), date(2024, 6, 20)
MONTHS = [
    ("2024-02", date(2024, 2, 10), date(2024, 2, 29)),
    ("2024-03", date(2024, 3, 1), date(2024, 3, 31)),
    ("2024-04", date(2024, 4, 1), date(2024, 4, 30)),
    ("2024-05", date(2024, 5, 1), date(2024, 5, 31)),
    ("2024-06", date(2024, 6, 1), date(2024, 6, 20)),
]
COUNTS = ["moved_to_own_home", "moved_out_of_residential_centre", "flow_visits"]
OWN, RC = Housing.OWN_HOME, Housing.RESIDENTIAL_CENTRE
#: Own home and residential centre often, so that moves happen.
SITUATIONS = [OWN, OWN, OWN, RC, RC, RC, None, *Housing]


def flow_world(seed: int = 14) -> dict:
    rng = random.Random(seed)
    d1, d2 = create_district("1"), create_district("2")
    centres = {
        "a": create_centre("a", d1),
        "b": create_centre("b", d1),
        "c": create_centre("c", d2),
    }
    places = [*centres.values(), None]
    first = date(2023, 11, 1)
    for _ in range(60):
        card = create_card(record_key=rng.randrange(256))
        days = sorted(
            {
                first + timedelta(days=rng.randrange(300))
                for _ in range(rng.randint(1, 6))
            }
        )
        for day in days:
            create_statement(card, day, rng.choice(SITUATIONS), rng.choice(places))
        seen = set()
        for _ in range(rng.randint(0, 25)):
            day = first + timedelta(days=rng.randrange(300))
            centre = rng.choice(list(centres.values()))
            if (day, centre.slug) in seen:
                continue
            seen.add((day, centre.slug))
            noon = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
            create_visit(centre, card, noon, record_key=rng.randrange(256))
    return centres


@pytest.fixture
def world(app, db):
    centres = flow_world()
    db.session.commit()
    return centres


def month_of(day: date, months=MONTHS):
    for label, first, last in months:
        if first <= day <= last:
            return label
    return None


def expected(db, slugs=None, months=MONTHS) -> tuple[dict, dict]:
    """Return ``({(month, slug): cells}, {month: cells})``, each cell
    ``column: (count, key)``: plain Python over every statement and visit."""
    keys = dict(db.session.execute(select(Card.id, Card.record_key)).all())
    slug_of = dict(db.session.execute(select(Centre.id, Centre.slug)).all())
    history = defaultdict(list)
    for s in db.session.scalars(select(HousingStatement)):
        history[s.card_id].append((s.stated_on, s.situation, slug_of.get(s.centre_id)))
    cards = defaultdict(lambda: defaultdict(set))  # row -> column -> card ids
    visits = defaultdict(lambda: [0, 0])  # (row, kind) -> [n, key]
    for card_id, found in history.items():
        found.sort()
        for (_, before, _), (day, now, slug) in zip(found, found[1:], strict=False):
            month = month_of(day, months)
            if month is None or (slugs is not None and slug not in slugs):
                continue
            to_own = now == OWN and before is not None and before != OWN
            out_rc = now == OWN and before == RC
            for column, happened in [
                ("moved_to_own_home", to_own),
                ("moved_out_of_residential_centre", out_rc),
            ]:
                if happened:
                    cards[month][column].add(card_id)
                    if slug is not None:
                        cards[(month, slug)][column].add(card_id)
    for v in db.session.scalars(select(Visit)):
        month, slug = month_of(v.visit_date, months), slug_of[v.centre_id]
        if month is None or (slugs is not None and slug not in slugs):
            continue
        stated = [s for s in history[v.card_id] if s[0] <= v.visit_date]
        if stated and stated[-1][1] == OWN and any(s[1] == RC for s in stated):
            for row in (month, (month, slug)):
                visits[row][0] += 1
                visits[row][1] += v.record_key
    rows = set(cards) | set(visits)
    out = {}
    for row in rows:
        cells = {
            c: (len(cards[row][c]), sum(keys[i] for i in cards[row][c]) % 256)
            for c in COUNTS[:2]
        }
        n, k = visits.get(row, (0, 0))
        cells["flow_visits"] = (n, k % 256)
        out[row] = cells
    per_centre = {r: c for r, c in out.items() if isinstance(r, tuple)}
    per_month = {
        label: out.get(label, {c: (0, 0) for c in COUNTS}) for label, _, _ in months
    }
    return per_centre, per_month


def report_rows(tables) -> tuple[dict, dict]:
    flow, months = tables
    return (
        {(r["month"], r["centre"]): {c: r[c] for c in COUNTS} for r in flow.rows},
        {r["month"]: {c: r[c] for c in COUNTS} for r in months.rows},
    )


def raw_of(figures) -> dict:
    return {row: {c: v[0] for c, v in cells.items()} for row, cells in figures.items()}


def test_exact_at_min_cell_1(app, db, world):
    tables = build_report("flow", START, END, min_cell=1)
    assert REPORTS["flow"] == [t.name for t in tables]
    per_centre, per_month = expected(db)
    got_centre, got_month = report_rows(tables)
    assert got_centre == raw_of(per_centre)
    assert got_month == raw_of(per_month)
    # Every measure happens, at every centre, in the period.
    assert all(any(v[c] for v in got_centre.values()) for c in COUNTS)
    assert {k[1] for k in got_centre} == {"a", "b", "c"}
    rows = tables[0].rows
    assert [(r["month"], r["centre"]) for r in rows] == sorted(
        (r["month"], r["centre"]) for r in rows
    )


def test_filters_keep_the_chosen_centres(app, db, world):
    a, c = world["a"], world["c"]
    tables = build_report("flow", START, END, min_cell=1, centre_ids=[a.id, c.id])
    per_centre, per_month = expected(db, slugs={"a", "c"})
    assert report_rows(tables) == (raw_of(per_centre), raw_of(per_month))
    tables = build_report("flow", START, END, min_cell=1, district_code="2")
    per_centre, per_month = expected(db, slugs={"c"})
    assert report_rows(tables) == (raw_of(per_centre), raw_of(per_month))
    short = [("2024-04", date(2024, 4, 3), date(2024, 4, 27))]
    tables = build_report("flow", date(2024, 4, 3), date(2024, 4, 27), min_cell=1)
    per_centre, per_month = expected(db, months=short)
    assert report_rows(tables) == (raw_of(per_centre), raw_of(per_month))


def test_a_simple_story(app, db):
    """Residential centre -> shelter -> own home: one move home (April 5th) but
    no move out of a residential centre (the shelter came between), and the
    visits from that day on count (April 4th: still in the shelter); "unknown"
    in between stops a move; residential centre -> own home is both."""
    centre = create_centre("a", create_district("1"))
    card = create_card(record_key=7)
    create_statement(card, date(2024, 1, 5), RC, centre)
    create_statement(card, date(2024, 3, 5), Housing.SHELTER, centre)
    create_statement(card, date(2024, 4, 5), OWN, centre)
    other = create_card(record_key=9)
    create_statement(other, date(2024, 1, 5), RC, centre)
    create_statement(other, date(2024, 3, 5), None, centre)
    create_statement(other, date(2024, 4, 5), OWN, centre)
    direct = create_card(record_key=11)
    create_statement(direct, date(2024, 1, 5), RC, centre)
    create_statement(direct, date(2024, 4, 10), OWN, centre)
    for day in (date(2024, 4, 4), date(2024, 4, 5), date(2024, 5, 2)):
        noon = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
        create_visit(centre, card, noon, record_key=1)
    db.session.commit()
    per_centre, per_month = report_rows(build_report("flow", START, END, min_cell=1))
    assert per_centre == {
        ("2024-04", "a"): dict(zip(COUNTS, [2, 1, 1], strict=True)),
        ("2024-05", "a"): dict(zip(COUNTS, [0, 0, 1], strict=True)),
    }
    assert per_month["2024-05"] == dict(zip(COUNTS, [0, 0, 1], strict=True))
    assert per_month["2024-02"] == dict(zip(COUNTS, [0, 0, 0], strict=True))
    assert per_month["2024-03"] == dict(zip(COUNTS, [0, 0, 0], strict=True))


def _protected(n: int, key: int, min_cell: int):
    shown = n + noise(n, key)
    return f"<{min_cell}" if 1 <= shown < min_cell else shown


def test_protected_at_default_min_cell(app, db, world):
    min_cell = app.config["EXPORT_MIN_CELL"]
    assert min_cell == 5
    tables = build_report("flow", START, END, min_cell=min_cell)
    got_centre, got_month = report_rows(tables)
    per_centre, per_month = expected(db)
    changed = suppressed = 0
    for got, figures in ((got_centre, per_centre), (got_month, per_month)):
        assert set(got) == set(figures)
        for row, cells in figures.items():
            want = {c: _protected(n, k, min_cell) for c, (n, k) in cells.items()}
            assert got[row] == want, row
            changed += sum(want[c] != cells[c][0] for c in COUNTS)
            suppressed += sum(want[c] == "<5" for c in COUNTS)
    assert changed > 5 and suppressed > 5
    assert all(t.min_cell == min_cell for t in tables)
