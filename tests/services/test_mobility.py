"""Mobility (DOMAIN.md): time order, ties by centre slug, transitions A -> B."""

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from vaerested.services.mobility import (
    VisitRow,
    centre_row,
    centre_rows,
    compute_mobility,
    matrix_rows,
    month_row,
    months,
    summary_rows,
    transitions,
)


def at(day: int, hour: int) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


def test_transitions_in_time_order_ties_by_slug():
    rows = [
        VisitRow(1, "b", at(2, 9)),
        VisitRow(1, "a", at(1, 9)),
        VisitRow(1, "c", at(2, 9)),  # tie with "b": b before c
        VisitRow(1, "a", at(3, 9)),
        VisitRow(2, "c", at(1, 9)),
        VisitRow(2, "c", at(2, 9)),  # same centre again: no transition
    ]
    assert transitions(rows) == [(1, "a", "b"), (1, "b", "c"), (1, "c", "a")]


def test_a_filter_chooses_cells_and_rows_never_visits():
    rows = [
        # x: beta | alfa | gamma; y: beta | gamma; z: alfa only
        VisitRow(1, "beta", at(1, 9)),
        VisitRow(1, "alfa", at(2, 9)),
        VisitRow(1, "gamma", at(3, 9)),
        VisitRow(2, "beta", at(1, 9)),
        VisitRow(2, "gamma", at(3, 9)),
        VisitRow(3, "alfa", at(2, 9)),
    ]
    shown = compute_mobility(rows, shown={"beta", "gamma"})
    # Cells with beta or gamma at one end; x makes no beta>gamma.
    assert shown.matrix == {
        ("alfa", "gamma"): (1, 1),
        ("beta", "alfa"): (1, 1),
        ("beta", "gamma"): (1, 1),
    }
    assert shown.centres == {"beta": (2, 2), "gamma": (2, 2)}
    assert (shown.active_cards, shown.multi_centre_cards) == (2, 2)
    beta = compute_mobility(rows, shown={"beta"})
    assert set(beta.matrix) == {("beta", "alfa"), ("beta", "gamma")}
    assert (beta.active_cards, beta.multi_centre_cards) == beta.centres["beta"]
    alfa = compute_mobility(rows, shown={"alfa"})
    assert (alfa.active_cards, alfa.multi_centre_cards) == (2, 1)  # x yes, z no
    assert compute_mobility(rows, shown=set()).matrix == {}
    city = compute_mobility(rows)
    assert (city.active_cards, city.multi_centre_cards) == (3, 2)


def test_compute_mobility_by_hand():
    rows = [
        # card 1: a | b | a | b -> a>b twice, b>a once
        VisitRow(1, "a", at(1, 9)),
        VisitRow(1, "b", at(2, 9)),
        VisitRow(1, "a", at(3, 9)),
        VisitRow(1, "b", at(4, 9)),
        # card 2: a, b same time -> a>b
        VisitRow(2, "b", at(1, 10)),
        VisitRow(2, "a", at(1, 10)),
        # card 3: only c
        VisitRow(3, "c", at(1, 9)),
    ]
    result = compute_mobility(rows)
    assert matrix_rows(result) == [
        {"from_centre": "a", "to_centre": "b", "cards": 2, "transitions": 3},
        {"from_centre": "b", "to_centre": "a", "cards": 1, "transitions": 1},
    ]
    assert centre_rows(result) == [
        {
            "centre": "a",
            "active_cards": 2,
            "multi_centre_cards": 2,
            "share_multi_centre": 1.0,
        },
        {
            "centre": "b",
            "active_cards": 2,
            "multi_centre_cards": 2,
            "share_multi_centre": 1.0,
        },
        {
            "centre": "c",
            "active_cards": 1,
            "multi_centre_cards": 0,
            "share_multi_centre": 0.0,
        },
    ]
    assert (result.active_cards, result.multi_centre_cards) == (3, 2)


def test_summary_index_rounding_and_suppression():
    assert summary_rows(3, 2, 1)[0]["mobility_index"] == 0.6667
    assert summary_rows(3, 2, 5)[0]["mobility_index"] == ""  # both suppressed
    assert summary_rows(10, 0, 5)[0]["mobility_index"] == 0.0
    assert summary_rows(0, 0, 1)[0]["mobility_index"] == ""


def test_empty():
    result = compute_mobility([])
    assert matrix_rows(result) == [] and centre_rows(result) == []
    assert (result.active_cards, result.multi_centre_cards) == (0, 0)


visit = st.builds(
    VisitRow,
    st.integers(1, 4),
    st.sampled_from(["a", "b", "c"]),
    st.builds(at, st.integers(1, 3), st.integers(8, 9)),
)


@given(st.lists(visit, max_size=25))
def test_invariants(rows):
    result = compute_mobility(rows)
    total = sum(n for _, n in result.matrix.values())
    assert total == len(transitions(rows))
    # A card with a transition has visits at two centres, and vice versa.
    movers = {card for card, _, _ in transitions(rows)}
    assert len(movers) == result.multi_centre_cards
    for (a, b), (cards, n) in result.matrix.items():
        assert a != b and 1 <= cards <= n
    # Order of the input does not matter.
    assert compute_mobility(list(reversed(rows))) == result


def test_months_clip_to_the_period():
    assert months(date(2024, 1, 20), date(2024, 3, 5)) == [
        ("2024-01", date(2024, 1, 20), date(2024, 1, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-03", date(2024, 3, 1), date(2024, 3, 5)),
    ]
    assert months(date(2023, 12, 31), date(2024, 1, 1)) == [
        ("2023-12", date(2023, 12, 31), date(2023, 12, 31)),
        ("2024-01", date(2024, 1, 1), date(2024, 1, 1)),
    ]
    assert months(date(2024, 5, 7), date(2024, 5, 7)) == [
        ("2024-05", date(2024, 5, 7), date(2024, 5, 7))
    ]


def test_share_and_month_rows_suppress_their_ratio():
    assert centre_row("a", 10, 4, 5)["share_multi_centre"] == ""
    assert centre_row("a", 10, 5, 5)["share_multi_centre"] == 0.5
    assert centre_row("a", 3, 2, 1)["share_multi_centre"] == 0.6667
    row = month_row("2024-02", date(2024, 2, 1), date(2024, 2, 29), 8, 6, 5)
    assert row == {
        "month": "2024-02",
        "start": "2024-02-01",
        "end": "2024-02-29",
        "active_cards": 8,
        "multi_centre_cards": 6,
        "mobility_index": 0.75,
        # A whole month: all 29 of February 2024's days lie in the period.
        "days_in_period": 29,
        "partial": 0,
    }
