"""Chart layouts: the mobility pictures and the flows matrix (no database)."""

from vaerested.reports.pages.charts import line_chart, link_diagram, share_chart
from vaerested.reports.pages.pictures import flows_matrix, strongest_links
from vaerested.reports.tables.build import Table


def test_line_chart_leaves_gaps_for_empty_values():
    chart = line_chart([("a", 0.5), ("b", 1.0), ("c", ""), ("d", 0.0), ("e", "")])
    assert [p.label for p in chart.points] == ["a", "b", "d"]
    assert len(chart.segments) == 1  # a-b; d stands alone
    top, bottom = chart.ticks[-1][0], chart.ticks[0][0]
    assert chart.points[1].y == top and chart.points[2].y == bottom
    assert line_chart([]).points == []


def test_link_diagram_widths_and_directions():
    chart = link_diagram(["a", "b", "c"], [("a", "b", 10, 4), ("b", "a", 5, "<5")])
    assert [n.label for n in chart.nodes] == ["a", "b", "c"]
    assert [link.width for link in chart.links] == [8.0, 4.8]
    # A -> B and B -> A bend to opposite sides: different control points.
    assert chart.links[0].d.split("Q")[1] != chart.links[1].d.split("Q")[1]


def test_share_chart_stub_for_suppressed():
    chart = share_chart([("a", 1.0), ("b", ""), ("c", 0.25)])
    assert [b.css for b in chart.bars] == ["bar", "bar suppressed", "bar"]
    assert chart.bars[0].width == chart.full
    assert chart.bars[2].width == chart.full / 4


def test_strongest_links_skip_suppressed_and_rank():
    matrix = [
        {"from_centre": "a", "to_centre": "b", "cards": 5, "transitions": 9},
        {"from_centre": "a", "to_centre": "c", "cards": "<5", "transitions": "<5"},
        {"from_centre": "b", "to_centre": "a", "cards": 5, "transitions": 12},
        {"from_centre": "c", "to_centre": "a", "cards": 5, "transitions": 9},
    ]
    assert [(r["from_centre"], r["to_centre"]) for r in strongest_links(matrix)] == [
        ("b", "a"),
        ("a", "b"),
        ("c", "a"),
    ]
    assert len(strongest_links(matrix, limit=1)) == 1


def test_flows_matrix_layout():
    rows = [
        {"home_district": "2", "centre_district": "10", "cards": 8, "visits": 9},
        {"home_district": "2", "centre_district": "2", "cards": "<5", "visits": 6},
        {"home_district": "unknown", "centre_district": "2", "cards": 0, "visits": 7},
    ]
    matrix = flows_matrix(Table("flows", list(rows[0]), rows))
    assert matrix.homes == ["2", "unknown"]
    assert matrix.centres == ["2", "10"]  # natural order
    assert [[c.shown for c in line] for line in matrix.cells] == [["<5", 8], [0, ""]]
    assert [[c.css for c in line] for line in matrix.cells] == [
        ["heat-suppressed", "heat-5"],
        ["heat-0", "heat-none"],
    ]
    assert flows_matrix(None).homes == []
