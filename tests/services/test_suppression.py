"""Small-cell suppression (DOMAIN.md): 1..min_cell-1 hidden, 0 kept, ratios empty."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaerested.services.suppression import (
    EMPTY,
    is_suppressed,
    ratio,
    suppress,
    suppress_rows,
)


@pytest.mark.parametrize(
    ("count", "min_cell", "expected"),
    [
        (0, 5, 0),
        (1, 5, "<5"),
        (4, 5, "<5"),
        (5, 5, 5),
        (1234, 5, 1234),
        (1, 1, 1),  # min-cell 1 shows raw counts
        (0, 1, 0),
        (2, 3, "<3"),
        (3, 3, 3),
    ],
)
def test_suppress(count, min_cell, expected):
    assert suppress(count, min_cell) == expected


@given(st.integers(0, 10_000), st.integers(1, 50))
def test_suppress_property(count, min_cell):
    shown = suppress(count, min_cell)
    if 1 <= count < min_cell:
        assert shown == f"<{min_cell}" and is_suppressed(shown)
    else:
        assert shown == count and not is_suppressed(shown)


@pytest.mark.parametrize("min_cell", [0, -1, 2.5, True])
def test_bad_min_cell(min_cell):
    with pytest.raises(ValueError):
        suppress(3, min_cell)


def test_negative_count():
    with pytest.raises(ValueError):
        suppress(-1, 5)


@pytest.mark.parametrize(
    ("num", "den", "min_cell", "digits", "expected"),
    [
        (3, 6, 1, 4, 0.5),
        (1, 3, 1, 4, 0.3333),
        (2, 3, 1, 2, 0.67),
        (0, 10, 5, 4, 0.0),  # 0 is not suppressed
        (3, 10, 5, 4, EMPTY),  # numerator suppressed
        (6, 4, 5, 4, EMPTY),  # denominator suppressed
        (5, 0, 1, 4, EMPTY),  # undefined
        (None, 4, 1, 2, EMPTY),  # unknown
        ("<5", 10, 5, 4, EMPTY),  # already suppressed
        (1000, 3, 1, 2, 333.33),
    ],
)
def test_ratio(num, den, min_cell, digits, expected):
    assert ratio(num, den, min_cell, digits) == expected


def test_suppress_rows_touches_only_count_columns():
    rows = [
        {"centre": "a", "visits": 3, "centres": 2, "index": 0.5},
        {"centre": "b", "visits": 0, "centres": 1, "index": ""},
    ]
    assert suppress_rows(rows, ["visits"], 5) == [
        {"centre": "a", "visits": "<5", "centres": 2, "index": 0.5},
        {"centre": "b", "visits": 0, "centres": 1, "index": ""},
    ]
    assert rows[0]["visits"] == 3  # the input is not changed
