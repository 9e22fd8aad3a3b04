"""Geometry of the offer landscape and the delivered profile."""

import pytest

from vaerested.services.landscape import (
    CentreProfile,
    DeliveredRow,
    delivered,
    landscape,
    phase_class,
    shares,
)


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ((1,), ["cat1", "cat1", "cat1", "cat0"]),
        ((2,), ["cat0", "cat2", "cat2", "cat2"]),
        ((1, 2), ["cat1", "cat12", "cat12", "cat2"]),
        ((1, 2, 3), ["cat1", "cat12", "cat12", "cat2"]),
        ((3,), ["cat0"] * 4),
        ((), ["cat0"] * 4),
    ],
)
def test_phase_class(categories, expected):
    assert [phase_class(categories, p) for p in (1, 2, 3, 4)] == expected


def test_columns_span_the_served_phases_with_a_box_for_category_3():
    profiles = [
        CentreProfile("a", "A", (1,), 1, 3),
        CentreProfile("b", "B", (1, 2, 3), 1, 4),
        CentreProfile("offside", "Offside", (2, 3), 3, 4),
    ]
    fig = landscape(profiles, column_width=30, gap=10, phase_height=40, box_height=20)
    assert [c.slug for c in fig.columns] == ["a", "b", "offside"]
    a, b, off = fig.columns
    assert [cell.css for cell in a.cells] == ["cat1", "cat1", "cat1"]
    assert a.cat3_box is None
    assert [cell.css for cell in b.cells] == ["cat1", "cat12", "cat12", "cat2"]
    assert [cell.css for cell in off.cells] == ["cat2", "cat2"]
    # Phase 1 sits on the baseline, each phase 40 high, upwards.
    assert a.cells[0].y + a.cells[0].height == fig.baseline
    assert [c.y for c in b.cells] == [fig.baseline - 40 * p for p in (1, 2, 3, 4)]
    assert off.cells[0].y == fig.baseline - 3 * 40
    # The box sits right on top of the highest served phase.
    for col in (b, off):
        top = min(cell.y for cell in col.cells)
        assert col.cat3_box.y + col.cat3_box.height == top
        assert col.cat3_box.css == "cat3"
        assert col.cat3_box.y >= 0
    # Columns do not overlap and all fit.
    xs = [c.cells[0].x for c in fig.columns]
    assert xs == sorted(xs) and all(
        b - a == 40 for a, b in zip(xs, xs[1:], strict=False)
    )
    assert xs[-1] + 30 <= fig.width
    assert fig.phase_ticks == [(fig.baseline - (p - 0.5) * 40, p) for p in (1, 2, 3, 4)]


def test_empty_landscape():
    fig = landscape([])
    assert fig.columns == [] and fig.width > 0


def test_shares():
    assert shares({1: 3.0, 2: 1.0}) == {1: 0.75, 2: 0.25, 3: 0.0}
    assert shares({}) == {1: 0.0, 2: 0.0, 3: 0.0}


def test_delivered_bars_are_proportional():
    rows = [
        DeliveredRow("a", "A", {1: 6.0, 3: 2.0}, {1: 10, 2: 30}),
        DeliveredRow("b", "B", {}, {}),
    ]
    fig = delivered(rows, label_width=100, bar_width=200)
    (ra, _, ha, aa), (rb, _, hb, ab) = fig.rows
    assert [(s.category, s.x, s.width) for s in ha.segments] == [
        (1, 100, 150.0),
        (3, 250.0, 50.0),
    ]
    assert [(s.category, s.width) for s in aa.segments] == [(1, 50.0), (2, 150.0)]
    assert ha.total == 8.0 and aa.total == 40
    assert hb.segments == [] and ab.segments == [] and hb.total == 0
    assert aa.y > ha.y and hb.y > aa.y
    assert fig.height >= ab.y + fig.bar_height
