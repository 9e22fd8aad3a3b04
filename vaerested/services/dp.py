"""Differentially private public releases, computed with OpenDP (docs/public-releases.md).

The privacy unit is one card (a person). Each card's contribution is bounded
before any count is taken (:func:`bound_contributions`):

- *visits*: a card's first ``max_visits`` visits of the period, in time order
  (ties broken by centre slug), are kept; later ones are dropped;
- *transitions*: taken from the card's whole sequence of visits (DOMAIN.md),
  the first ``max_transitions`` in time order are kept; later ones are dropped.

A tally visit has no card: each one is its own unit (one visit) in the visit
tables and takes no part in mobility. Every cell of the public grid (every
ordered pair of different centres, every month, every centre × month, every
home district × centre district) is released, zeros included, with discrete
Laplace noise (OpenDP ``make_laplace`` on integer vectors) whose scale is the
table's L1 sensitivity under the bound divided by its share of ε. The
release's ε is the sum of the tables' ε (sequential composition), pure ε-DP,
no δ. Post-processing: clamp at 0, ``multi_centre_cards`` at most
``active_cards``, mobility index and totals derived from released cells only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

#: Share of the release's ε given to each table (they sum to 1).
SHARES = {
    "matrix_transitions": 0.2,
    "matrix_cards": 0.2,
    "month_active": 0.1,
    "month_multi": 0.1,
    "centre_month_visits": 0.2,
    "district_flows": 0.2,
}
#: Confidence of the stated accuracy.
ALPHA = 0.05
#: Home district of a card or tally that gave none.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Grid:
    """The public list of cells: centres (slug -> district code), districts, months."""

    centres: dict[str, str]
    districts: list[str]
    months: list[str]

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Return every ordered pair of different centres (a transition A -> A
        does not exist by definition, so the diagonal is not part of the grid)."""
        slugs = sorted(self.centres)
        return [(a, b) for a in slugs for b in slugs if a != b]

    @property
    def flows(self) -> list[tuple[str, str]]:
        """Return every (home district or ``unknown``, centre district) pair."""
        targets = sorted(set(self.centres.values()))
        return [(h, t) for h in [*sorted(self.districts), UNKNOWN] for t in targets]


@dataclass
class Release:
    """The released (noisy, post-processed) tables and their accuracy."""

    tables: dict[str, list[dict]] = field(default_factory=dict)
    #: Table -> ``{"epsilon", "sensitivity", "scale", "accuracy"}``.
    accounting: dict[str, dict] = field(default_factory=dict)
    epsilon: float = 0.0


def months_between(start: date, end: date) -> list[str]:
    """Return the months ``YYYY-MM`` from ``start`` to ``end`` inclusive."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def visits_frame(rows: Sequence[tuple]) -> pl.DataFrame:
    """Return a frame of ``(card_id | None, centre, visited_dt, month, home)``
    rows: the centre's slug, the local month ``YYYY-MM``, the home district code."""
    return pl.DataFrame(
        rows,
        schema={
            "card_id": pl.Int64,
            "centre": pl.Utf8,
            "visited_dt": pl.Datetime("us"),
            "month": pl.Utf8,
            "home": pl.Utf8,
        },
        orient="row",
    ).with_columns(pl.col("home").fill_null(UNKNOWN))


def bound_contributions(
    frame: pl.DataFrame, max_transitions: int, max_visits: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return ``(visits, transitions)`` with each card's contribution bounded.

    ``visits``: tallies, and each card's first ``max_visits`` visits. Rows
    ``(card_id, from, to)`` of ``transitions``: each card's first
    ``max_transitions`` transitions, taken from its whole visit sequence.
    """
    cards = frame.filter(pl.col("card_id").is_not_null()).sort(
        ["card_id", "visited_dt", "centre"]
    )
    cards = cards.with_columns(
        pl.int_range(pl.len()).over("card_id").alias("seq"),
        pl.col("centre").shift(1).over("card_id").alias("prev"),
    )
    kept = pl.concat(
        [
            frame.filter(pl.col("card_id").is_null()),
            cards.filter(pl.col("seq") < max_visits).drop("seq", "prev"),
        ]
    )
    moves = cards.filter(
        pl.col("prev").is_not_null() & (pl.col("prev") != pl.col("centre"))
    ).select("card_id", pl.col("prev").alias("from"), pl.col("centre").alias("to"))
    moves = moves.filter(
        pl.int_range(pl.len()).over("card_id") < max_transitions
    )  # still in time order: filter keeps the sort
    return kept, moves


def true_counts(
    frame: pl.DataFrame, grid: Grid, max_transitions: int, max_visits: int
) -> dict[str, dict[tuple, int]]:
    """Return the bounded true counts of every table, keyed by cell (no noise)."""
    frame = frame.with_columns(pl.col("home").fill_null(UNKNOWN))
    kept, moves = bound_contributions(frame, max_transitions, max_visits)

    def counts(df: pl.DataFrame, keys: list[str], how: str = "len") -> dict:
        if how == "cards":
            df = df.unique(subset=["card_id", *keys])
        grouped = df.group_by(keys).agg(pl.len().alias("n"))
        return {tuple(r[:-1]): r[-1] for r in grouped.iter_rows()}

    card_visits = kept.filter(pl.col("card_id").is_not_null())
    per_month = card_visits.group_by("card_id", "month").agg(
        pl.col("centre").n_unique().alias("centres")
    )
    district = pl.DataFrame(
        {"centre": list(grid.centres), "target": list(grid.centres.values())},
        schema={"centre": pl.Utf8, "target": pl.Utf8},
    )
    return {
        "matrix_transitions": counts(moves, ["from", "to"]),
        "matrix_cards": counts(moves, ["from", "to"], "cards"),
        "month_active": counts(per_month, ["month"]),
        "month_multi": counts(per_month.filter(pl.col("centres") >= 2), ["month"]),
        "centre_month_visits": counts(kept, ["centre", "month"]),
        "district_flows": counts(
            kept.join(district, on="centre", how="inner"), ["home", "target"]
        ),
    }


def sensitivities(grid: Grid, max_transitions: int, max_visits: int) -> dict:
    """Return each table's L1 sensitivity: how much one card can change it."""
    months = len(grid.months)
    return {
        "matrix_transitions": max_transitions,
        # A card counts once in each cell it has a transition in: <= k cells.
        "matrix_cards": max_transitions,
        "month_active": min(max_visits, months),
        "month_multi": min(max_visits // 2, months),
        "centre_month_visits": max_visits,
        "district_flows": max_visits,
    }


def cells(grid: Grid) -> dict[str, list[tuple]]:
    """Return the full list of cells of each table, in output order."""
    centre_months = [(c, m) for c in sorted(grid.centres) for m in grid.months]
    months = [(m,) for m in grid.months]
    return {
        "matrix_transitions": grid.pairs,
        "matrix_cards": grid.pairs,
        "month_active": months,
        "month_multi": months,
        "centre_month_visits": centre_months,
        "district_flows": grid.flows,
    }


def laplace(scale: float):
    """Return OpenDP's discrete Laplace measurement on integer count vectors."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )


def accuracy(scale: float, alpha: float = ALPHA) -> int:
    """Return N such that each cell is within ±N of the truth with 1 − alpha
    confidence (OpenDP's accuracy of the discrete Laplace at ``scale``)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return int(dp.discrete_laplacian_scale_to_accuracy(scale=scale, alpha=alpha))


def noisy_vectors(
    truth: dict[str, dict[tuple, int]],
    grid: Grid,
    epsilon: float,
    max_transitions: int,
    max_visits: int,
) -> tuple[dict[str, list[tuple[tuple, int]]], dict[str, dict]]:
    """Return each table's ``(cell, noisy count)`` over its full grid and its
    accounting; every cell, zeros included, gets noise."""
    sens = sensitivities(grid, max_transitions, max_visits)
    noisy, accounting = {}, {}
    for name, keys in cells(grid).items():
        share = epsilon * SHARES[name]
        scale = max(sens[name], 1) / share
        measurement = laplace(scale)
        spent = float(measurement.map(max(sens[name], 1)))
        assert spent <= share * (1 + 1e-9), (name, spent, share)
        values = [truth[name].get(k, 0) for k in keys]
        released = measurement(values) if values else []
        noisy[name] = list(zip(keys, (max(int(v), 0) for v in released), strict=True))
        accounting[name] = {
            "epsilon": spent,
            "sensitivity": sens[name],
            "scale": scale,
            "accuracy": accuracy(scale),
        }
    return noisy, accounting


def release(
    frame: pl.DataFrame,
    grid: Grid,
    epsilon: float,
    max_transitions: int,
    max_visits: int,
) -> Release:
    """Return the differentially private release of ``frame`` over ``grid``."""
    truth = true_counts(frame, grid, max_transitions, max_visits)
    return release_truth(truth, grid, epsilon, max_transitions, max_visits)


def release_truth(
    truth: dict[str, dict[tuple, int]],
    grid: Grid,
    epsilon: float,
    max_transitions: int,
    max_visits: int,
) -> Release:
    """Return the release of bounded true counts (as :func:`true_counts` gives,
    or ``vaerested.releases.queries.release_counts`` computes in SQL)."""
    noisy, accounting = noisy_vectors(truth, grid, epsilon, max_transitions, max_visits)
    return Release(
        tables=post_process(noisy, grid),
        accounting=accounting,
        epsilon=sum(a["epsilon"] for a in accounting.values()),
    )


def post_process(noisy: dict[str, list[tuple[tuple, int]]], grid: Grid) -> dict:
    """Return the output tables built from released cells only."""
    cards = dict(noisy["matrix_cards"])
    matrix = [
        {"from_centre": a, "to_centre": b, "cards": cards[(a, b)], "transitions": n}
        for (a, b), n in noisy["matrix_transitions"]
    ]
    active = dict(noisy["month_active"])
    months = []
    for (month,), multi in noisy["month_multi"]:
        n = active[(month,)]
        multi = min(multi, n)
        index = round(multi / n, 4) if n else None
        months.append(
            {
                "month": month,
                "active_cards": n,
                "multi_centre_cards": multi,
                "mobility_index": index,
            }
        )
    visits = [
        {"centre": c, "month": m, "visits": n}
        for (c, m), n in noisy["centre_month_visits"]
    ]
    totals: dict[str, int] = {}
    for row in visits:
        totals[row["centre"]] = totals.get(row["centre"], 0) + row["visits"]
    flows = [
        {"home_district": h, "centre_district": t, "visits": n}
        for (h, t), n in noisy["district_flows"]
    ]
    return {
        "mobility_matrix": matrix,
        "mobility_months": months,
        "centre_month_visits": visits,
        "centre_visits": [
            {"centre": c, "visits": totals.get(c, 0)} for c in sorted(grid.centres)
        ],
        "district_flows": flows,
    }
