"""The differentially private release: bounding, full grid, noise scale, accuracy."""

import math
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest

from vaerested.services import dp

T0 = datetime(2026, 3, 1, 9)
GRID = dp.Grid(
    centres={"a": "D1", "b": "D1", "c": "D2", "d": "D3"},
    districts=["D1", "D2", "D3"],
    months=["2026-03", "2026-04"],
)


def _row(card, centre, day, hour=9, home="D1"):
    when = T0 + timedelta(days=day, hours=hour - 9)
    return (card, centre, when, when.strftime("%Y-%m"), home)


def _independent(rows, k, m):
    """Bound contributions the plain way (no polars) for comparison."""
    by_card = {}
    for row in rows:
        if row[0] is not None:
            by_card.setdefault(row[0], []).append(row)
    visits, moves = Counter(), Counter()
    for card_rows in by_card.values():
        seq = sorted(card_rows, key=lambda r: (r[2], r[1]))
        for r in seq[:m]:
            visits[(r[1], r[3])] += 1
        pairs = [
            (p[1], q[1]) for p, q in zip(seq, seq[1:], strict=False) if p[1] != q[1]
        ]
        moves.update(pairs[:k])
    for r in rows:
        if r[0] is None:
            visits[(r[1], r[3])] += 1
    return visits, moves


def test_a_card_with_500_transitions_counts_at_most_k():
    rows = [_row(1, "ab"[i % 2], i // 2, 9 + i % 2) for i in range(501)]
    rows += [_row(2, "c", 0), _row(2, "d", 1), _row(None, "a", 0, home=None)]
    truth = dp.true_counts(dp.visits_frame(rows), GRID, 10, 30)
    # Card 1 alternates a, b: its first 10 transitions are a->b, b->a five times.
    assert truth["matrix_transitions"] == {("a", "b"): 5, ("b", "a"): 5, ("c", "d"): 1}
    assert truth["matrix_cards"] == {("a", "b"): 1, ("b", "a"): 1, ("c", "d"): 1}
    visits = sum(truth["centre_month_visits"].values())
    assert visits == 30 + 2 + 1  # card 1 counts 30, card 2 both, the tally 1


def test_bounding_matches_an_independent_computation():
    rng = random.Random(16)
    rows = []
    for card in range(300):
        for _ in range(rng.randint(1, 60)):
            rows.append(
                _row(card, rng.choice("abcd"), rng.randint(0, 55), rng.randint(8, 20))
            )
    rows += [_row(None, rng.choice("abcd"), rng.randint(0, 55)) for _ in range(100)]
    # One visit per card, centre and day, as the database guarantees.
    seen, unique = set(), []
    for r in rows:
        if r[0] is None or (r[0], r[1], r[2].date()) not in seen:
            seen.add((r[0], r[1], r[2].date()))
            unique.append(r)
    for k, m in [(1, 1), (3, 7), (10, 30), (1000, 1000)]:
        truth = dp.true_counts(dp.visits_frame(unique), GRID, k, m)
        visits, moves = _independent(unique, k, m)
        assert truth["centre_month_visits"] == dict(visits), (k, m)
        assert truth["matrix_transitions"] == dict(moves), (k, m)


def test_every_grid_cell_is_released_including_zeros():
    rows = [_row(1, "a", 0), _row(1, "b", 1)]
    release = dp.release(dp.visits_frame(rows), GRID, 1.0, 5, 10)
    matrix = {
        (r["from_centre"], r["to_centre"]) for r in release.tables["mobility_matrix"]
    }
    assert matrix == {(a, b) for a in "abcd" for b in "abcd" if a != b}
    assert len(release.tables["mobility_matrix"]) == 12
    cm = {(r["centre"], r["month"]) for r in release.tables["centre_month_visits"]}
    assert cm == {(c, m) for c in "abcd" for m in GRID.months}
    flows = {
        (r["home_district"], r["centre_district"])
        for r in release.tables["district_flows"]
    }
    assert flows == {
        (h, t) for h in ["D1", "D2", "D3", "unknown"] for t in ["D1", "D2", "D3"]
    }
    assert [r["month"] for r in release.tables["mobility_months"]] == GRID.months
    assert all(
        min(v for v in row.values() if isinstance(v, int)) >= 0
        for table in release.tables.values()
        for row in table
    )


def test_post_processing_derives_totals_from_released_cells():
    rows = [_row(c, "abcd"[c % 4], c % 40) for c in range(200)]
    release = dp.release(dp.visits_frame(rows), GRID, 1.0, 5, 10)
    by_centre = Counter()
    for row in release.tables["centre_month_visits"]:
        by_centre[row["centre"]] += row["visits"]
    assert {r["centre"]: r["visits"] for r in release.tables["centre_visits"]} == {
        c: by_centre[c] for c in "abcd"
    }
    for row in release.tables["mobility_months"]:
        assert row["multi_centre_cards"] <= row["active_cards"]


def test_epsilon_is_the_sum_of_the_tables_and_scale_follows_the_bound():
    release = dp.release(dp.visits_frame([_row(1, "a", 0)]), GRID, 2.0, 4, 12)
    assert release.epsilon == pytest.approx(2.0)
    acc = release.accounting
    assert acc["matrix_transitions"]["scale"] == pytest.approx(4 / (2.0 * 0.2))
    assert acc["centre_month_visits"]["scale"] == pytest.approx(12 / (2.0 * 0.2))
    assert acc["month_active"]["sensitivity"] == 2  # min(m, months in the period)


def test_noise_has_the_documented_scale():
    """Many draws: the discrete Laplace variance is 2e^(-1/s)/(1-e^(-1/s))^2."""
    scale = 5.0
    draws = dp.laplace(scale)([0] * 20000)
    var = sum(x * x for x in draws) / len(draws)
    q = math.exp(-1 / scale)
    expected = 2 * q / (1 - q) ** 2
    # The variance estimate's sd is ~1.5 % at n=20000; 10 % never flakes, yet a
    # scale off by a factor sqrt(1.2) or more fails.
    assert abs(var - expected) / expected < 0.10
    assert abs(sum(draws) / len(draws)) < 0.3


def test_released_cells_are_within_the_stated_accuracy_at_the_stated_rate():
    """Thousands of cards; the share of cells within ±accuracy must be >= 95 %
    minus a margin of 6 binomial standard deviations (no flake in practice)."""
    rng = random.Random(1600)
    centres = {f"c{i:02d}": f"D{i % 5}" for i in range(20)}
    grid = dp.Grid(
        centres=centres,
        districts=[f"D{i}" for i in range(5)],
        months=["2026-03", "2026-04"],
    )
    slugs = sorted(centres)
    rows, seen = [], set()
    for card in range(3000):
        for _ in range(rng.randint(1, 25)):
            r = _row(
                card,
                rng.choice(slugs),
                rng.randint(0, 55),
                rng.randint(8, 20),
                f"D{card % 5}",
            )
            if (card, r[1], r[2].date()) not in seen:
                seen.add((card, r[1], r[2].date()))
                rows.append(r)
    frame = dp.visits_frame(rows)
    truth = dp.true_counts(frame, grid, 10, 30)
    hits = total = 0
    for _ in range(3):
        noisy, accounting = dp.noisy_vectors(truth, grid, 1.0, 10, 30)
        for name, cells in noisy.items():
            bound = accounting[name]["accuracy"]
            for key, value in cells:
                total += 1
                hits += abs(value - truth[name].get(key, 0)) <= bound
    rate = hits / total
    margin = 6 * math.sqrt(0.05 * 0.95 / total)
    assert total > 2000
    assert rate >= 0.95 - margin, (rate, total)
    # Not vacuous: the bound is not so loose that nothing ever misses.
    assert rate < 0.999


def test_months_between():
    assert dp.months_between(
        datetime(2026, 11, 5).date(), datetime(2027, 2, 1).date()
    ) == ["2026-11", "2026-12", "2027-01", "2027-02"]
