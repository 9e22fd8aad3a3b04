"""Cell-key perturbation: the ptable's properties, cells, and where keys come from."""

import csv
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.factories import create_card, create_centre, create_district, create_visit
from vaerested.models import Card, Visit
from vaerested.reports.tables import queries
from vaerested.reports.tables.queries import Scope
from vaerested.services import protection
from vaerested.services.protection import Cell, noise, perturb, protect

ROOT = Path(__file__).resolve().parents[2]


def _ptable_rows() -> list[dict]:
    with protection.PTABLE_PATH.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_committed_ptable_is_what_the_script_writes(tmp_path):
    out = tmp_path / "ptable.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_ptable.py"), str(out)],
        check=True,
    )
    assert out.read_text() == protection.PTABLE_PATH.read_text()


def test_ptable_rows_cover_every_key_once_per_raw_count():
    covered: dict[int, list[int]] = {}
    for row in _ptable_rows():
        keys = range(int(row["key_from"]), int(row["key_to"]) + 1)
        covered.setdefault(int(row["raw_count"]), []).extend(keys)
    assert sorted(covered) == list(range(protection.top() + 1))
    for raw, keys in covered.items():
        assert sorted(keys) == list(range(256)), raw


@pytest.mark.parametrize("raw", [*range(0, 12), 25, 100, 12345])
def test_ptable_properties(raw):
    """Within ±2, mean 0, variance about 1 (0 for raw 0), never negative."""
    noises = [noise(raw, key) for key in range(256)]
    assert all(-2 <= n <= 2 for n in noises)
    assert all(raw + n >= 0 for n in noises)
    assert sum(noises) == 0  # zero mean, exactly (in 256ths)
    variance = sum(n * n for n in noises) / 256
    if raw == 0:
        assert set(noises) == {0}  # 0 stays 0
    else:
        assert 0.9 <= variance <= 1.1


def test_above_the_table_counts_use_its_last_row():
    top = protection.top()
    for key in range(256):
        assert noise(top + 1, key) == noise(top, key) == noise(10**6, key)


def test_cells_add_and_subtract_their_keys():
    a, b = Cell(7, 200), Cell(3, 100)
    assert (a + b, (a + b).key) == (10, 44)  # 300 mod 256
    assert (a - b, (a - b).key) == (4, 100)
    assert sum([a, b]).key == 44 and (0 + a).key == 200
    assert type(a + 1) is int and type(a * 2) is int  # no key: refused below
    assert "200" not in repr(a)  # a key never shows


def test_protect_perturbs_then_suppresses_and_min_cell_one_is_raw():
    # Key 0 means no noise; keys 24..135 take one off a count of 2 or more.
    assert protect(Cell(6, 0), 5) == 6
    assert protect(Cell(6, 30), 5) == 5
    assert protect(Cell(5, 30), 5) == "<5"
    assert protect(Cell(4, 140), 5) == 5  # a 4 shown as 5 (keys 136..247: +1)
    assert protect(Cell(6, 30), 1) == 6  # raw at min-cell 1
    assert protect(Cell(0, 99), 5) == 0 and protect(0, 5) == 0
    with pytest.raises(ValueError, match="cell key"):
        perturb(3, 5)


def test_the_same_cell_always_gets_the_same_noise():
    rng = random.Random(7)
    for _ in range(200):
        raw, key = rng.randrange(0, 50), rng.randrange(256)
        assert protect(Cell(raw, key), 5) == protect(Cell(raw, key), 5)


def _random_world(rng: random.Random):
    district = create_district("1")
    a, b = create_centre("a", district), create_centre("b", district)
    cards = [create_card(record_key=rng.randrange(256)) for _ in range(12)]
    for n in range(80):
        card = rng.choice([None, *cards])
        moment = datetime(2024, 5, 1 + rng.randrange(5), 8 + n % 9, tzinfo=UTC)
        centre = rng.choice([a, b])
        exists = card is not None and any(
            v.card_id == card.id and v.centre_id == centre.id
            and v.visit_date == moment.date()
            for v in _all_visits()
        )  # fmt: skip
        if not exists:
            create_visit(centre, card, moment, record_key=rng.randrange(256))
    return a, b


def _all_visits():
    from vaerested.extensions import db

    return db.session.scalars(select(Visit)).all()


def test_cell_keys_come_from_the_same_sql_as_the_counts(app, db):
    """Every query's cell key equals the key sum worked out in Python."""
    _random_world(random.Random(3))
    scope = Scope(date(2024, 5, 1), date(2024, 5, 5))
    visits = _all_visits()
    card_key = {c.id: c.record_key for c in db.session.scalars(select(Card))}
    for day, centre_id, total, with_card in queries.daily_visits(db.session, scope):
        here = [v for v in visits if (v.visit_date, v.centre_id) == (day, centre_id)]
        assert total == len(here)
        assert total.key == sum(v.record_key for v in here) % 256
        carded = [v for v in here if v.card_id is not None]
        assert with_card.key == sum(v.record_key for v in carded) % 256
    for centre_id, n, unique in queries.centre_visits(db.session, scope):
        here = [v for v in visits if v.centre_id == centre_id]
        distinct = {v.card_id for v in here if v.card_id is not None}
        assert (n, unique) == (len(here), len(distinct))
        assert n.key == sum(v.record_key for v in here) % 256
        assert unique.key == sum(card_key[c] for c in distinct) % 256
    coverage = queries.coverage_aggregates(db.session, scope)
    [(_, _, cards, n)] = coverage["district"]
    distinct = {v.card_id for v in visits if v.card_id is not None}
    assert cards.key == sum(card_key[c] for c in distinct) % 256
    assert n.key == sum(v.record_key for v in visits) % 256
    rows, (active, multi) = queries.mobility_counts(db.session, scope)
    assert active.key == sum(card_key[c] for c in distinct) % 256
    centres_of = {c: {v.centre_id for v in visits if v.card_id == c} for c in distinct}
    multi_cards = [c for c, here in centres_of.items() if len(here) >= 2]
    assert multi == len(multi_cards)
    assert multi.key == sum(card_key[c] for c in multi_cards) % 256


def test_every_insert_path_gives_random_record_keys(app, db):
    from vaerested.checkin import operations as ops

    centre = create_centre("a", create_district("1"))
    codes = []
    for _ in range(40):
        card, code = ops.issue_card(centre, {})
        codes.append(code)
    now = datetime.now(UTC) - timedelta(minutes=5)
    for code in codes:
        assert ops.record_scan(centre, code, now).outcome == "new"
    for n in range(40):
        ops.record_tally(centre, now, f"00000000-0000-4000-8000-{n:012d}")
    db.session.flush()
    card_keys = set(db.session.scalars(select(Card.record_key)))
    scan_keys = set(
        db.session.scalars(select(Visit.record_key).where(Visit.card_id.is_not(None)))
    )
    tally_keys = set(
        db.session.scalars(select(Visit.record_key).where(Visit.card_id.is_(None)))
    )
    # 40 draws from 256 keys: all equal would be a missing default (p < 1e-90).
    for keys in (card_keys, scan_keys, tally_keys):
        assert len(keys) > 10 and keys <= set(range(256))


def test_imported_visits_and_cards_get_random_keys(app, db, runner, tmp_path):
    create_centre("nabo", create_district("1"))
    db.session.commit()
    path = tmp_path / "v.csv"
    lines = ["centre,visited_at,card_code,home_district"]
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    lines += [f"nabo,{day}T{8 + n // 6:02d}:{n % 6 * 10:02d}:00,,1" for n in range(40)]
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(args=["visits", "import", str(path)])
    assert result.exit_code == 0, result.output
    keys = set(db.session.scalars(select(Visit.record_key)))
    assert db.session.query(Visit).count() == 40 and len(keys) > 10


def test_pages_and_downloads_show_the_perturbed_count_and_the_cli_the_raw(
    app, client, auth, db, runner, tmp_path
):
    centre = create_centre("a", create_district("1"))
    for hour in range(6):
        create_visit(centre, None, datetime(2024, 5, 2, 8 + hour, tzinfo=UTC))
    # Cell key 140 (keys 136..247): +1, so the 6 tallies are shown as 7.
    db.session.execute(update(Visit).where(Visit.id == 1).values(record_key=140))
    db.session.commit()
    auth.login_as("admin")
    period = "start=2024-05-01&end=2024-05-03"
    html = client.get(f"/reports/visits?{period}").get_data(as_text=True)
    assert '<td class="num">7</td>' in html and '<td class="num">6</td>' not in html
    assert 'data-testid="protection-note"' in html
    text = client.get(f"/reports/download?report=visits&format=csv&{period}").text
    assert text.splitlines()[1] == "2024-05-02,a,7,0,7"
    result = runner.invoke(
        args=[
            "export", "visits", "--from", "2024-05-01", "--to", "2024-05-03",
            "--format", "csv", "--out", str(tmp_path), "--min-cell", "1",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    raw = (tmp_path / "visits.csv").read_text()
    assert raw == "date,centre,visits,card_visits,tally_visits\n2024-05-02,a,6,0,6\n"
