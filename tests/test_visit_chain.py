"""Each card visit's previous visit (``prev_centre_id``, ``prev_visit_date``),
kept by triggers, equals its recomputation from scratch under every write path:
scans in any arrival order and their replays, late offline scans that move a
visit earlier or land between two visits, imports in any order, retention
unlinking, deleted cards, moved and deleted visits, multi-row statements; and
the mobility matrix read from it equals the definition (DOMAIN.md, "Mobility")
computed in plain Python."""

import csv
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, delete, select, text, update

from tests.factories import create_card, create_centre, create_visit
from vaerested.checkin import operations as ops
from vaerested.checkin.codes import generate_code
from vaerested.checkin.jobs import unlink_old_visits
from vaerested.models import Card, Centre, Visit, visit_chain
from vaerested.reports.tables import queries
from vaerested.reports.tables.queries import Scope
from vaerested.services.protection import KEYS

CPH = ZoneInfo("Europe/Copenhagen")
#: Created in this order, so that id order is not slug order.
SLUGS = ("zeta", "alpha", "mid")
SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def stored(db) -> dict:
    """Every visit's stored previous visit: id -> (centre id, day)."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Visit.id, Visit.prev_centre_id, Visit.prev_visit_date)
    ).all()
    return {r.id: (r.prev_centre_id, r.prev_visit_date) for r in rows}


def recomputed(db) -> dict:
    """The same, from scratch in Python: each card's visits sorted by time,
    centre slug and id; a visit without a card has none."""
    slugs = dict(db.session.execute(select(Centre.id, Centre.slug)).all())
    by_card = defaultdict(list)
    out = {}
    for v in db.session.scalars(select(Visit)):
        out[v.id] = (None, None)
        if v.card_id is not None:
            by_card[v.card_id].append(v)
    for chain in by_card.values():
        chain.sort(key=lambda v: (v.visited_dt, slugs[v.centre_id], v.id))
        for before, after in zip(chain, chain[1:], strict=False):
            out[after.id] = (before.centre_id, before.visit_date)
    return out


def assert_exact(db) -> dict:
    got = stored(db)
    assert got == recomputed(db)
    return got


def expected_matrix(db, start: date, end: date) -> dict:
    """The mobility matrix of DOMAIN.md over the visits of [start, end]:
    (from, to) -> (cards, cards' key, transitions, destinations' key)."""
    slugs = dict(db.session.execute(select(Centre.id, Centre.slug)).all())
    card_keys = dict(db.session.execute(select(Card.id, Card.record_key)).all())
    by_card = defaultdict(list)
    for v in db.session.scalars(select(Visit).where(Visit.card_id.is_not(None))):
        if start <= v.visit_date <= end:
            by_card[v.card_id].append(v)
    cells: dict = defaultdict(lambda: [set(), 0, 0])
    for card_id, chain in by_card.items():
        chain.sort(key=lambda v: (v.visited_dt, slugs[v.centre_id]))
        for before, after in zip(chain, chain[1:], strict=False):
            if before.centre_id != after.centre_id:
                cell = cells[(before.centre_id, after.centre_id)]
                cell[0].add(card_id)
                cell[1] += 1
                cell[2] += after.record_key
    return {
        ab: (
            len(c),
            sum(card_keys[i] for i in c) % KEYS,
            n,
            k % KEYS,
        )
        for ab, (c, n, k) in cells.items()
    }


def matrix(db, start: date, end: date) -> dict:
    slugs = dict(db.session.execute(select(Centre.id, Centre.slug)).all())
    ranks = {c: n for n, c in enumerate(sorted(slugs, key=slugs.get))}
    return {
        (a, b): (int(cards), cards.key, int(n), n.key)
        for a, b, cards, n in queries.mobility_matrix(
            db.session, Scope(start, end), ranks
        )
    }


def _world(app, db):
    """Three centres (ids not in slug order) and six cards with their codes,
    made once per test (every example starts without visits)."""
    centres = db.session.scalars(select(Centre).order_by(Centre.id)).all()
    if not centres:
        centres = [create_centre(slug=slug) for slug in SLUGS]
        made = [
            create_card(centres[0], record_key=(37 * n + 11) % KEYS) for n in range(6)
        ]
        app.extensions["test_card_codes"] = {c.id: c.code for c in made}
        db.session.commit()
    db.session.execute(delete(Visit))
    db.session.commit()
    codes = app.extensions["test_card_codes"]
    cards = db.session.scalars(select(Card).order_by(Card.id)).all()
    for card in cards:
        card.code = codes[card.id]
    return centres, cards


def test_late_scans_reorder_the_chain(app, db):
    a, b, c = (create_centre(slug=s) for s in SLUGS)  # zeta, alpha, mid
    card = create_card(a)
    db.session.commit()
    code = card.code
    assert ops.record_scan(a, code, utc(2026, 11, 2, 10)).outcome == "new"
    assert ops.record_scan(b, code, utc(2026, 11, 2, 12)).outcome == "new"
    assert ops.record_scan(c, code, utc(2026, 11, 4, 9)).outcome == "new"
    db.session.commit()
    got = assert_exact(db)
    ids = {
        v.centre_id: v.id for v in db.session.scalars(select(Visit).order_by(Visit.id))
    }
    assert got[ids[b.id]] == (a.id, date(2026, 11, 2))
    # An offline scan at b synced late moves b's visit before a's: a now
    # follows b, and c follows a.
    assert ops.record_scan(b, code, utc(2026, 11, 2, 8)).outcome == "duplicate"
    # A replay and a later repeat change nothing.
    ops.record_scan(b, code, utc(2026, 11, 2, 8))
    ops.record_scan(a, code, utc(2026, 11, 2, 15))
    db.session.commit()
    got = assert_exact(db)
    assert got[ids[b.id]] == (None, None)
    assert got[ids[a.id]] == (b.id, date(2026, 11, 2))
    assert got[ids[c.id]] == (a.id, date(2026, 11, 2))
    # A late scan of another day lands between two visits.
    assert ops.record_scan(b, code, utc(2026, 11, 3, 9)).outcome == "new"
    db.session.commit()
    got = assert_exact(db)
    late = db.session.scalar(
        select(Visit.id).where(Visit.visit_date == date(2026, 11, 3))
    )
    assert got[late] == (a.id, date(2026, 11, 2))
    assert got[ids[c.id]] == (b.id, date(2026, 11, 3))
    # The same time at two centres: the slug decides (alpha before zeta).
    create_visit(a, card, utc(2026, 11, 5, 9))
    create_visit(b, card, utc(2026, 11, 5, 9))
    db.session.commit()
    got = assert_exact(db)
    [zeta5] = db.session.scalars(
        select(Visit.id).where(
            Visit.visit_date == date(2026, 11, 5), Visit.centre_id == a.id
        )
    )
    assert got[zeta5] == (b.id, date(2026, 11, 5))


def test_retention_unlinking_deleted_cards_moves_and_deletes(app, db):
    a, b, c = (create_centre(slug=s) for s in SLUGS)
    card, other = create_card(a), create_card(a)
    for day, centre in ((5, a), (6, b), (7, c), (8, a)):
        create_visit(centre, card, utc(2026, 1, day, 10))
        create_visit(centre, other, utc(2026, 6, day, 10))
    create_visit(a, None, utc(2026, 1, 6, 11))
    db.session.commit()
    assert_exact(db)
    # Unlinking the visits before the 7th: the 7th becomes the card's first.
    assert unlink_old_visits(date(2026, 1, 7)) == 2
    db.session.commit()
    got = assert_exact(db)
    seventh = db.session.scalar(
        select(Visit.id).where(Visit.visit_date == date(2026, 1, 7))
    )
    assert got[seventh] == (None, None)
    assert sum(1 for p in got.values() if p != (None, None)) == 1 + 3
    # A visit moved to another centre and day, then one deleted.
    moved = db.session.scalar(
        select(Visit.id).where(
            Visit.card_id == other.id, Visit.visit_date == date(2026, 6, 6)
        )
    )
    db.session.execute(
        update(Visit)
        .where(Visit.id == moved)
        .values(
            centre_id=c.id, visit_date=date(2026, 6, 9), visited_dt=utc(2026, 6, 9, 10)
        )
    )
    db.session.commit()
    assert_exact(db)
    db.session.execute(delete(Visit).where(Visit.id == seventh))
    db.session.commit()
    assert_exact(db)
    # A deleted card unlinks its visits (FK ON DELETE SET NULL).
    db.session.execute(delete(Card).where(Card.id == other.id))
    db.session.commit()
    assert_exact(db)
    db.session.execute(delete(Card))
    db.session.commit()
    assert all(p == (None, None) for p in assert_exact(db).values())


scan = st.tuples(
    st.integers(0, 5),  # card
    st.integers(0, 2),  # centre
    st.integers(0, 6),  # day
    st.sampled_from([8, 9, 9, 12, 16]),  # hour: equal times at two centres
    st.booleans(),  # replayed
)


@SETTINGS
@given(st.lists(scan, min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_scans_in_any_arrival_order(app, db, scans, rnd):
    centres, cards = _world(app, db)
    first = date(2026, 3, 2)
    events = []
    for card, centre, day, hour, replayed in scans:
        when = datetime(2026, 3, 2, hour, tzinfo=CPH) + timedelta(days=day)
        events += [(card, centre, when)] * (2 if replayed else 1)
    rnd.shuffle(events)  # offline kiosks sync late, in any order
    for card, centre, when in events:
        result = ops.record_scan(centres[centre], cards[card].code, when)
        assert result.outcome in ("new", "duplicate")
        if rnd.random() < 0.3:
            db.session.commit()
    db.session.commit()
    assert_exact(db)
    for start, end in ((0, 6), (1, 4), (3, 3), (2, 6)):
        period = (first + timedelta(days=start), first + timedelta(days=end))
        assert matrix(db, *period) == expected_matrix(db, *period), period
    # Retention unlinking then keeps the chain and the matrix exact.
    unlink_old_visits(first + timedelta(days=rnd.randrange(7)))
    db.session.commit()
    assert_exact(db)
    assert matrix(db, first, first + timedelta(days=6)) == expected_matrix(
        db, first, first + timedelta(days=6)
    )


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 2), st.integers(0, 200)),
        min_size=2,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_multi_row_statements(app, db, rows, rnd):
    """One INSERT of many rows, one UPDATE moving many, one DELETE of many: a
    PostgreSQL AFTER trigger sees the whole statement, a SQLite one each row."""
    centres, cards = _world(app, db)
    start = utc(2026, 4, 1, 6)
    seen, values = set(), []
    for card, centre, slot in rows:
        when = start + timedelta(hours=6 * (slot // 3))
        day = when.astimezone(CPH).date()
        if (card, centre, day) in seen:
            continue
        seen.add((card, centre, day))
        values.append(
            {
                "card_id": cards[card].id,
                "centre_id": centres[centre].id,
                "visit_date": day,
                "visited_dt": when,
                "source": "import",
                "record_key": slot % KEYS,
            }
        )
    rnd.shuffle(values)
    db.session.execute(Visit.__table__.insert().values(values))
    db.session.commit()
    assert_exact(db)
    ids = db.session.scalars(select(Visit.id)).all()
    # Every visit's time moved within its day (some to the same time as
    # another visit of the card), in one statement.
    shifts = {i: rnd.choice([-3, -2, 0, 1, 2]) for i in ids}
    dialect = db.session.get_bind().dialect.name
    whens = [
        (Visit.id == i, text(_shifted(dialect, hours)))
        for i, hours in shifts.items()
        if hours
    ]
    if whens:  # a CASE needs one WHEN at least (every shift drawn may be 0)
        moved = case(*whens, else_=Visit.visited_dt)
        db.session.execute(update(Visit).values(visited_dt=moved))
        db.session.commit()
    assert_exact(db)
    gone = rnd.sample(ids, len(ids) // 3)
    db.session.execute(delete(Visit).where(Visit.id.in_(gone)))
    db.session.commit()
    assert_exact(db)
    period = (date(2026, 3, 31), date(2026, 5, 1))
    assert matrix(db, *period) == expected_matrix(db, *period)


def _shifted(dialect: str, hours: int) -> str:
    if dialect == "postgresql":
        return f"visits.visited_dt + interval '{hours} hours'"
    return f"strftime('%Y-%m-%d %H:%M:%f000', visits.visited_dt, '{hours:+d} hours')"


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["centre", "visited_at", "card", "home_district"])
        writer.writerows(rows)
    return str(path)


@SETTINGS
@given(st.randoms(use_true_random=False), st.integers(1, 39))
def test_imports_in_any_order(app, db, runner, tmp_path, rnd, split):
    """Two files in either order, then one again, with live scans between."""
    if not db.session.scalar(select(Centre.id)):
        for slug in SLUGS:
            create_centre(slug=slug)
        db.session.commit()
    db.session.execute(delete(Visit))
    db.session.execute(delete(Card))
    db.session.commit()
    data = random.Random(15)
    codes = [generate_code() for _ in range(4)]
    start = datetime(2026, 10, 23, 20, 0, tzinfo=UTC)
    rows = []
    for _ in range(40):
        when = start + timedelta(minutes=data.randrange(0, 4 * 1440, 120))
        rows.append(
            [
                data.choice(SLUGS),
                when.astimezone(CPH).replace(tzinfo=None).isoformat(),
                data.choice([*codes, ""]),
                "",
            ]
        )
    rnd.shuffle(rows)
    first = _write(tmp_path / "first.csv", rows[:split])
    second = _write(tmp_path / "second.csv", rows[split:])
    order = [first, second] if rnd.random() < 0.5 else [second, first]
    result = runner.invoke(args=["visits", "import", order[0]])
    assert result.exit_code == 0, result.output
    centres = db.session.scalars(select(Centre)).all()
    for code in codes[:2]:  # live scans between the imports
        when = start + timedelta(minutes=rnd.randrange(0, 4 * 1440, 60))
        ops.record_scan(rnd.choice(centres), code, when)
    db.session.commit()
    for path in [order[1], rnd.choice(order)]:
        result = runner.invoke(args=["visits", "import", path])
        assert result.exit_code == 0, result.output
    assert_exact(db)
    period = (date(2026, 10, 20), date(2026, 10, 30))
    assert matrix(db, *period) == expected_matrix(db, *period)
    assert matrix(db, *period)  # the data has transitions


def test_rebuild_restores_a_damaged_chain(app, db):
    a, b, _c = (create_centre(slug=s) for s in SLUGS)
    card = create_card(a)
    for day in range(1, 6):
        create_visit(a if day % 2 else b, card, utc(2026, 2, day, 10))
    create_visit(a, None, utc(2026, 2, 1, 10))
    db.session.commit()
    want = assert_exact(db)
    db.session.execute(
        text("UPDATE visits SET prev_centre_id = 999, prev_visit_date = NULL")
    )
    visit_chain.rebuild(db.session)
    db.session.commit()
    assert assert_exact(db) == want
    db.session.execute(text("UPDATE visits SET prev_centre_id = NULL"))
    visit_chain.rebuild(db.session, f"v.card_id = {card.id}")
    db.session.commit()
    assert {k: v for k, v in stored(db).items() if v[0]} == {
        k: v for k, v in want.items() if v[0]
    }


def test_repeat_scan_whose_visit_is_deleted_meanwhile(app, db):
    """PostgreSQL: a repeat scan takes no lock and computes no chain, because
    its insert will conflict. If the visit it repeats is deleted by a
    transaction still open when the scan checks, the scan's insert waits for
    it and, once the delete commits, inserts after all: its previous visit is
    then computed by the AFTER trigger, and the chain is still exact."""
    import threading

    if db.engine.dialect.name != "postgresql":
        return  # SQLite's chain triggers run after the insert
    a, b = create_centre(slug="alpha"), create_centre(slug="zeta")
    card = create_card(a)
    earlier = create_visit(b, card, visited_dt=utc(2024, 3, 4, 10))
    repeated = create_visit(a, card, visited_dt=utc(2024, 3, 5, 10))
    db.session.commit()
    card_id, repeated_id, a_id, b_id = card.id, repeated.id, a.id, b.id
    earlier_id = earlier.id
    insert = text(
        "INSERT INTO visits (centre_id, card_id, visit_date, visited_dt, source,"
        " created_dt, record_key) VALUES (:c, :card, :day, :dt, 'scan', now(), 3)"
        " ON CONFLICT (card_id, centre_id, visit_date) DO NOTHING"
    )
    engine = db.engine
    deleting = engine.connect()
    transaction = deleting.begin()
    deleting.execute(delete(Visit.__table__).where(Visit.id == repeated_id))
    errors = []

    def scan():
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert,
                    {
                        "c": a_id,
                        "card": card_id,
                        "day": date(2024, 3, 5),
                        "dt": utc(2024, 3, 5, 11),
                    },
                )
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    thread = threading.Thread(target=scan)
    thread.start()
    thread.join(timeout=1)
    assert not errors
    assert thread.is_alive()  # waiting for the delete's transaction
    transaction.commit()
    deleting.close()
    thread.join(timeout=10)
    assert not thread.is_alive() and not errors
    got = stored(db)
    assert repeated_id not in got
    (inserted,) = [vid for vid in got if vid != earlier_id]
    assert got[inserted] == (b_id, date(2024, 3, 4))
    assert_exact(db)
