"""Schematic boundaries: Voronoi cells that tile the buffered hull; demo and CLI."""

import json
from itertools import combinations
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPoint, Point, shape
from shapely.ops import unary_union
from sqlalchemy import select

from tests.factories import create_district
from vaerested.demo import DISTRICTS, load_demo
from vaerested.models import District
from vaerested.services.boundaries import (
    MARGIN,
    assign_schematic,
    schematic_boundaries,
)

#: Reference points on a 0.001-degree grid around Copenhagen (distinct by construction).
grid_point = st.tuples(st.integers(55600, 55750), st.integers(12400, 12700)).map(
    lambda p: (p[0] / 1000, p[1] / 1000)
)


def check_tiling(points: dict, cells: dict) -> None:
    """Each cell is valid and holds its point; cells don't overlap; they cover the hull."""
    assert sorted(cells) == sorted(points)
    shapes = {}
    for code, geometry in cells.items():
        assert geometry["type"] == "Polygon"
        assert all(
            ring[0] == ring[-1] and len(ring) >= 4 for ring in geometry["coordinates"]
        )
        cell = shape(geometry)
        assert cell.is_valid
        lat, lon = points[code]
        assert cell.buffer(1e-5).contains(Point(lon, lat)), code
        for ring in geometry["coordinates"]:
            for lon_, lat_ in ring:  # rounded to 5 decimals, [lon, lat] order
                assert round(lon_, 5) == lon_ and round(lat_, 5) == lat_
                assert 12 < lon_ < 13 and 55 < lat_ < 56
        shapes[code] = cell
    for a, b in combinations(shapes, 2):
        assert shapes[a].intersection(shapes[b]).area < 1e-8, (a, b)
    hull = MultiPoint([(lon, lat) for lat, lon in points.values()]).convex_hull
    assert hull.difference(unary_union(list(shapes.values()))).area < 1e-8


def test_demo_districts_tile():
    points = {code: (lat, lon) for code, _, _, _, lat, lon in DISTRICTS}
    cells = schematic_boundaries(points)
    check_tiling(points, cells)
    # Deterministic, whatever the mapping's order.
    assert schematic_boundaries(dict(reversed(list(points.items())))) == cells


@pytest.mark.parametrize(
    "points",
    [
        {"a": (55.68, 12.58)},
        {"a": (55.68, 12.58), "b": (55.70, 12.55)},
        {"a": (55.60, 12.50), "b": (55.65, 12.50), "c": (55.70, 12.50)},  # a line
        {"a": (55.60, 12.40), "b": (55.65, 12.45), "c": (55.70, 12.50)},  # diagonal
    ],
)
def test_few_or_collinear_points(points):
    cells = schematic_boundaries(points)
    check_tiling(points, cells)
    assert all(shape(cell).area > 0 for cell in cells.values())
    if len(points) == 1:  # a disc of radius MARGIN (in latitude degrees)
        ((lat, lon),) = points.values()
        bounds = shape(cells["a"]).bounds
        assert bounds[1] == pytest.approx(lat - MARGIN, abs=1e-5)
        assert bounds[3] == pytest.approx(lat + MARGIN, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(st.lists(grid_point, min_size=1, max_size=12, unique=True))
def test_cells_tile_the_hull(raw):
    points = {f"d{i}": p for i, p in enumerate(raw)}
    check_tiling(points, schematic_boundaries(points))


def test_empty_and_bad_points():
    assert schematic_boundaries({}) == {}
    with pytest.raises(ValueError, match="share a reference point"):
        schematic_boundaries({"a": (55.6, 12.5), "b": (55.6, 12.5)})
    with pytest.raises(ValueError, match="not finite"):
        schematic_boundaries({"a": (float("nan"), 12.5)})


def _district(code, lat, lon, boundary=None, schematic=False):
    return SimpleNamespace(
        code=code,
        ref_lat=lat,
        ref_lon=lon,
        boundary_geojson=boundary,
        is_boundary_schematic=schematic,
    )


def test_assign_never_overwrites_a_surveyed_boundary():
    surveyed = '{"type": "Polygon", "coordinates": []}'
    districts = [
        _district("1", 55.68, 12.58),
        _district("2", 55.70, 12.55, boundary=surveyed),
        _district("3", 55.66, 12.52, boundary="old", schematic=True),
        _district("4", None, None),
    ]
    assert assign_schematic(districts) == ["1"]
    assert districts[0].is_boundary_schematic
    assert json.loads(districts[0].boundary_geojson)["type"] == "Polygon"
    assert districts[2].boundary_geojson == "old"  # kept without regenerate
    assert assign_schematic(districts, regenerate=True) == ["3"]
    assert districts[1].boundary_geojson == surveyed
    assert not districts[1].is_boundary_schematic
    assert districts[3].boundary_geojson is None
    assert assign_schematic(districts, regenerate=True) == []  # nothing changes


def test_demo_districts_get_schematic_boundaries(app, db):
    load_demo(db.session)
    districts = db.session.scalars(select(District)).all()
    assert len(districts) == len(DISTRICTS)
    for district in districts:
        assert district.is_boundary_schematic
        cell = shape(json.loads(district.boundary_geojson))
        assert cell.contains(Point(district.ref_lon, district.ref_lat))


def test_cli_schematic_boundaries(runner, db):
    surveyed = {
        "type": "Polygon",
        "coordinates": [[[12.5, 55.6], [12.6, 55.6], [12.6, 55.7], [12.5, 55.6]]],
    }
    create_district("1", ref_lat=55.68, ref_lon=12.58)
    create_district(
        "2", ref_lat=55.70, ref_lon=12.55, boundary_geojson=json.dumps(surveyed)
    )
    create_district(
        "3",
        ref_lat=55.66,
        ref_lon=12.52,
        boundary_geojson="{}",
        is_boundary_schematic=True,
    )
    create_district("4")
    db.session.commit()
    result = runner.invoke(args=["districts", "schematic-boundaries"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2 schematic boundaries written: 1, 3",
        "1 surveyed boundary kept: 2",
        "1 district without a reference point: 4",
    ]
    db.session.expire_all()
    by_code = {d.code: d for d in db.session.scalars(select(District))}
    assert json.loads(by_code["2"].boundary_geojson) == surveyed
    assert not by_code["2"].is_boundary_schematic
    for code in ("1", "3"):
        assert by_code[code].is_boundary_schematic
        assert shape(json.loads(by_code[code].boundary_geojson)).contains(
            Point(by_code[code].ref_lon, by_code[code].ref_lat)
        )
    assert by_code["4"].boundary_geojson is None
    result = runner.invoke(args=["districts", "schematic-boundaries"])
    assert result.output.splitlines()[0] == "0 schematic boundaries written"


def test_cli_shared_point_is_an_error(runner, db):
    create_district("1", ref_lat=55.68, ref_lon=12.58)
    create_district("2", ref_lat=55.68, ref_lon=12.58)
    db.session.commit()
    result = runner.invoke(args=["districts", "schematic-boundaries"])
    assert result.exit_code == 2
    assert "districts 1 and 2 share a reference point" in result.stderr
    assert db.session.scalar(select(District.boundary_geojson).limit(1)) is None
