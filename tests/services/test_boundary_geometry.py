"""CRS names, CRS guesses and boundary preparation (pure, no app)."""

import pytest
from pyproj import Transformer

from vaerested.services import boundary_geometry as geo

SQUARE = [[[12.5, 55.6], [12.51, 55.6], [12.51, 55.61], [12.5, 55.61], [12.5, 55.6]]]


@pytest.mark.parametrize(
    ("name", "epsg"),
    [
        ("urn:ogc:def:crs:EPSG::4326", 4326),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
        ("EPSG:25832", 25832),
        ("urn:ogc:def:crs:EPSG::25832", 25832),
        ("http://www.opengis.net/def/crs/EPSG/0/25833", 25833),
        ("3857", 3857),
    ],
)
def test_parse_crs(name, epsg):
    assert geo.parse_crs(name) == epsg


@pytest.mark.parametrize("name", ["EPSG:999999", "banana", ""])
def test_parse_crs_unknown(name):
    with pytest.raises(geo.GeometryError, match="unknown coordinate reference system"):
        geo.parse_crs(name)


@pytest.mark.parametrize(
    ("x", "y", "guess"),
    [
        (720000, 6170000, "EPSG:25832"),
        (55.68, 12.57, "swapped"),
        (1399000, 7494000, "EPSG:3857"),  # Copenhagen in Web Mercator
        (12.57, 55.68, "EPSG:4326"),
        (3.0e6, 1.0e6, "unknown projection"),
    ],
)
def test_guess_crs(x, y, guess):
    assert guess in geo.guess_crs(x, y)


def test_epsg_4326_urn_keeps_longitude_first():
    # GeoJSON order even though EPSG:4326's own axis order is latitude first.
    boundary = geo.prepare_boundary(
        {"type": "Polygon", "coordinates": SQUARE}, geo.parse_crs("EPSG:4326")
    )
    assert boundary.geometry["coordinates"] == SQUARE
    assert (boundary.ref_lon, boundary.ref_lat) == (12.505, 55.605)


def test_utm_is_reprojected():
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    ring = [list(to_utm.transform(*pos)) for pos in SQUARE[0]]
    boundary = geo.prepare_boundary({"type": "Polygon", "coordinates": [ring]}, 25832)
    for got, want in zip(boundary.geometry["coordinates"][0], SQUARE[0], strict=True):
        assert got == pytest.approx(want, abs=1e-6)


def test_heights_are_dropped_even_when_mixed():
    ring = [[12.5, 55.6, 4.0], [12.51, 55.6], [12.51, 55.61, 2], [12.5, 55.6, 4.0]]
    boundary = geo.prepare_boundary({"type": "Polygon", "coordinates": [ring]})
    assert all(len(pos) == 2 for pos in boundary.geometry["coordinates"][0])
