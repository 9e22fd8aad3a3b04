"""The daily per-centre rollup (``visit_days``) stays equal to its recomputation
from ``visits`` under every write path: scans and their replays, late offline
scans, tallies and their undo, imports in any order, retention unlinking."""

import csv
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from tests.factories import create_card, create_centre, create_visit
from vaerested.checkin import operations as ops
from vaerested.checkin.codes import generate_code
from vaerested.checkin.jobs import unlink_old_visits
from vaerested.models import Card, Visit, VisitDay
from vaerested.reports.tables import queries
from vaerested.reports.tables.queries import Scope

CPH = ZoneInfo("Europe/Copenhagen")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rollup(db) -> dict:
    """The rollup's non-empty days: (centre, day) -> (visits, k, card visits, k)."""
    db.session.expire_all()
    return {
        (r.centre_id, r.visit_date): (
            r.visits,
            r.visits_k,
            r.card_visits,
            r.card_visits_k,
        )
        for r in db.session.scalars(select(VisitDay).where(VisitDay.visits > 0))
    }


def recomputed(db) -> dict:
    """The same figures counted in Python from every visit row."""
    out: dict = {}
    for v in db.session.scalars(select(Visit)):
        n, k, c, c_k = out.get((v.centre_id, v.visit_date), (0, 0, 0, 0))
        card = v.card_id is not None
        out[(v.centre_id, v.visit_date)] = (
            n + 1,
            k + v.record_key,
            c + card,
            c_k + (v.record_key if card else 0),
        )
    return out


def assert_exact(db) -> dict:
    got = rollup(db)
    assert got == recomputed(db)
    return got


def test_scan_replays_and_a_late_earlier_scan(app, db):
    centre = create_centre()
    card = create_card(centre)
    db.session.commit()
    day = date(2026, 11, 20)
    assert ops.record_scan(centre, card.code, utc(2026, 11, 20, 10)).outcome == "new"
    for _ in range(2):  # the same scan replayed
        assert ops.record_scan(centre, card.code, utc(2026, 11, 20, 10)).outcome == (
            "duplicate"
        )
    # An offline scan synced late that lands earlier in the same day.
    assert ops.record_scan(centre, card.code, utc(2026, 11, 20, 7)).outcome == (
        "duplicate"
    )
    db.session.commit()
    key = db.session.scalar(select(Visit.record_key))
    assert db.session.scalar(select(Visit.visited_dt)) == utc(2026, 11, 20, 7)
    assert assert_exact(db) == {(centre.id, day): (1, key, 1, key)}
    # The next day is a visit of its own.
    ops.record_scan(centre, card.code, utc(2026, 11, 21, 9))
    db.session.commit()
    got = assert_exact(db)
    assert got[(centre.id, date(2026, 11, 21))][0] == 1
    assert sum(v[0] for v in got.values()) == 2


def test_tallies_replays_and_undo(app, db):
    centre = create_centre()
    other = create_centre()
    db.session.commit()
    when = utc(2026, 11, 20, 12)
    ops.record_tally(centre, when, "0b6f0f0e-0000-4000-8000-000000000001")
    ops.record_tally(centre, when, "0b6f0f0e-0000-4000-8000-000000000001")  # replay
    ops.record_tally(centre, when, "0b6f0f0e-0000-4000-8000-000000000002")
    ops.record_tally(other, when, "0b6f0f0e-0000-4000-8000-000000000003")
    db.session.commit()
    got = assert_exact(db)
    assert got[(centre.id, date(2026, 11, 20))][0::2] == (2, 0)
    assert got[(other.id, date(2026, 11, 20))][0::2] == (1, 0)
    ops.undo_tally(other, "0b6f0f0e-0000-4000-8000-000000000003", when)
    db.session.commit()
    got = assert_exact(db)
    assert (other.id, date(2026, 11, 20)) not in got  # a row of zeros is skipped
    assert db.session.get(VisitDay, (other.id, date(2026, 11, 20))).visits == 0


def test_retention_unlinking_moves_card_visits_to_tallies(app, db):
    centre = create_centre()
    card = create_card(centre)
    create_visit(centre, card, utc(2026, 1, 5, 10), record_key=7)
    create_visit(centre, card, utc(2026, 11, 5, 10), record_key=9)
    create_visit(centre, None, utc(2026, 1, 5, 11), record_key=3)
    db.session.commit()
    assert assert_exact(db)[(centre.id, date(2026, 1, 5))] == (2, 10, 1, 7)
    assert unlink_old_visits(date(2026, 6, 1)) == 1
    db.session.commit()
    got = assert_exact(db)
    assert got[(centre.id, date(2026, 1, 5))] == (2, 10, 0, 0)
    assert got[(centre.id, date(2026, 11, 5))] == (1, 9, 1, 9)
    # A card deleted (FK ON DELETE SET NULL) unlinks the same way.
    db.session.execute(delete(Card))
    db.session.commit()
    assert assert_exact(db)[(centre.id, date(2026, 11, 5))] == (1, 9, 0, 0)


def test_moving_and_deleting_visits(app, db):
    a, b = create_centre(), create_centre()
    card = create_card(a)
    visit = create_visit(a, card, utc(2026, 3, 2, 10), record_key=5)
    create_visit(a, None, utc(2026, 3, 2, 10), record_key=1)
    db.session.commit()
    db.session.execute(
        update(Visit).where(Visit.id == visit.id).values(centre_id=b.id, record_key=6)
    )
    db.session.commit()
    got = assert_exact(db)
    assert got == {
        (a.id, date(2026, 3, 2)): (1, 1, 0, 0),
        (b.id, date(2026, 3, 2)): (1, 6, 1, 6),
    }
    db.session.execute(delete(Visit))
    db.session.commit()
    assert assert_exact(db) == {}


def test_daily_visits_reads_the_rollup(app, db):
    a, b = create_centre(), create_centre()
    card = create_card(a)
    create_visit(a, card, utc(2026, 3, 2, 10), record_key=200)
    create_visit(a, None, utc(2026, 3, 2, 11), record_key=100)
    create_visit(b, None, utc(2026, 3, 3, 11), record_key=3)
    create_visit(b, None, utc(2026, 4, 3, 11), record_key=3)  # outside the period
    db.session.commit()
    rows = queries.daily_visits(db.session, Scope(date(2026, 3, 1), date(2026, 3, 31)))
    got = sorted((d, c, int(n), n.key, int(k), k.key) for d, c, n, k in rows)
    assert got == [
        (date(2026, 3, 2), a.id, 2, 300 % 256, 1, 200),
        (date(2026, 3, 3), b.id, 1, 3, 0, 0),
    ]
    rows = queries.daily_visits(
        db.session, Scope(date(2026, 3, 1), date(2026, 3, 31), (b.id,))
    )
    assert [(d, c) for d, c, _n, _k in rows] == [(date(2026, 3, 3), b.id)]


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["centre", "visited_at", "card", "home_district"])
        writer.writerows(rows)
    return str(path)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.randoms(use_true_random=False), st.integers(1, 39))
def test_imports_in_any_order(app, db, runner, tmp_path, rnd, split):
    """Two files imported in either order, then one again, with scans between."""
    if not db.session.scalar(select(Card.id)):  # first example: build the world
        for slug in ("nabo", "kontakten"):
            create_centre(slug=slug)
        db.session.commit()
    db.session.execute(delete(Visit))
    db.session.execute(delete(Card))
    db.session.commit()
    data = random.Random(11)
    codes = [generate_code() for _ in range(5)]
    start = datetime(2026, 10, 23, 20, 0, tzinfo=UTC)
    rows = []
    for _ in range(40):
        when = start + timedelta(minutes=data.randrange(0, 3 * 1440, 30))
        rows.append(
            [
                data.choice(["nabo", "kontakten"]),
                when.astimezone(CPH).replace(tzinfo=None).isoformat(),
                data.choice([*codes, ""]),
                "",
            ]
        )
    rnd.shuffle(rows)
    first = _write(tmp_path / "first.csv", rows[:split])
    second = _write(tmp_path / "second.csv", rows[split:])
    order = [first, second] if rnd.random() < 0.5 else [second, first]
    for path in [*order, rnd.choice(order)]:
        result = runner.invoke(args=["visits", "import", path])
        assert result.exit_code == 0, result.output
    got = assert_exact(db)
    # Independently: card visits are one per card, centre and local day.
    card_days = {
        (slug, code, datetime.fromisoformat(t).date())
        for slug, t, code, _ in rows
        if code
    }
    tallies = Counter(r[2] == "" for r in rows)[True]
    assert sum(v[2] for v in got.values()) == len(card_days)
    assert sum(v[0] for v in got.values()) == len(card_days) + tallies
