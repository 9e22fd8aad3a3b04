"""Turn an imported district boundary into a small, valid WGS 84 polygon.

Pure (no Flask, no database). The steps, each with its documented limit
(``docs/imports.md``):

1. read the file's coordinate reference system (:func:`parse_crs`): a GeoJSON
   ``crs`` member or the ``--crs`` option; none means WGS 84 longitude, latitude;
2. reproject to WGS 84 with pyproj (``always_xy``: easting/longitude first). Any
   spelling of EPSG:4326, including Copenhagen's ``urn:ogc:def:crs:EPSG::4326``,
   is taken as GeoJSON's longitude, latitude order and never swapped;
3. refuse coordinates outside Denmark (:data:`DENMARK`), naming the CRS they
   look like (:func:`guess_crs`);
4. repair an invalid polygon (self-intersection …) with shapely's ``make_valid``;
5. simplify to :data:`TOLERANCE` degrees, and further (doubling) until at most
   :data:`MAX_STORED_VERTICES` remain, so the coverage page stays small;
6. compute the area (geodesic, m²) and a reference point inside the polygon.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.validation import explain_validity

#: Longitudes and latitudes accepted as Danish: the kingdom's mainland and islands
#: (Bornholm and Ertholmene included; Greenland and the Faroes are not districts).
DENMARK = (7.5, 54.4, 15.7, 58.0)  # west, south, east, north
#: Douglas–Peucker tolerance every boundary is simplified to, in degrees
#: (0.00001° is about 1.1 m north–south and 0.6 m east–west in Denmark).
TOLERANCE = 0.00001
#: A boundary is simplified further (the tolerance doubling) down to this many.
MAX_STORED_VERTICES = 2_500
#: Positions read from one file at most; a larger file is refused unread.
MAX_INPUT_VERTICES = 2_000_000
#: Coordinates are stored with 6 decimals (about 0.1 m).
DECIMALS = 6

WGS84 = 4326
_GEOD = Geod(ellps="WGS84")
_CRS84 = re.compile(r"(?i)(urn:ogc:def:crs:ogc:[\d.]*:)?crs84$")


class GeometryError(ValueError):
    """The boundary cannot be imported; the message says why."""


@dataclass
class Boundary:
    """A checked boundary: GeoJSON geometry in WGS 84 and what was done to it."""

    geometry: dict[str, Any]
    area_km2: float
    ref_lon: float
    ref_lat: float
    notes: list[str] = field(default_factory=list)


def parse_crs(text: str) -> int:
    """Return the EPSG code of a CRS name ("EPSG:25832", a URN, a URL, "CRS84").

    :raises GeometryError: for a name pyproj does not know.
    """
    text = text.strip()
    if _CRS84.search(text):
        return WGS84
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        code = CRS.from_user_input(text).to_epsg()
    except CRSError:
        code = None
    if code is None:
        raise GeometryError(f"unknown coordinate reference system {text!r}")
    return code


def crs_member(doc: dict) -> str | None:
    """Return the name in a GeoJSON 2008 ``crs`` member, or None without one."""
    crs = doc.get("crs")
    if crs is None:
        return None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str):
        raise GeometryError('the "crs" member has no properties.name')
    return name


def crs_label(epsg: int) -> str:
    """Return e.g. "ETRS89 / UTM zone 32N (EPSG:25832)"."""
    try:
        return f"{CRS.from_epsg(epsg).name} (EPSG:{epsg})"
    except CRSError:
        return f"EPSG:{epsg}"


def guess_crs(x: float, y: float) -> str:
    """Say what CRS a position that is not Danish longitude/latitude looks like."""
    west, south, east, north = DENMARK
    if west <= x <= east and south <= y <= north:
        return "WGS 84 longitude/latitude (EPSG:4326)"
    if south <= x <= north and west <= y <= east:
        return "latitude/longitude in swapped order"
    if 100_000 <= x <= 1_000_000 and 5_950_000 <= y <= 6_500_000:
        return "ETRS89 / UTM zone 32N: give --crs EPSG:25832"
    if 700_000 <= x <= 1_900_000 and 7_100_000 <= y <= 8_000_000:
        return "Web Mercator: give --crs EPSG:3857"
    return "an unknown projection: give the file's CRS with --crs"


@lru_cache(maxsize=8)
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, WGS84, always_xy=True)


def count_positions(geometry: Any) -> int:
    """Return the number of positions of a Polygon/MultiPolygon (unchecked)."""
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(coords, list):
        return 0
    polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
    return sum(
        len(ring)
        for polygon in polygons
        if isinstance(polygon, list)
        for ring in polygon
        if isinstance(ring, list)
    )


def _polygons(geometry: Any) -> list[list]:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryError("geometry must be a Polygon or MultiPolygon")
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError("geometry has no coordinates")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError("geometry: a polygon has no rings")
        for ring in polygon:
            _check_ring(ring)
    return polygons


def _is_position(pos: Any) -> bool:
    return (
        isinstance(pos, list)
        and len(pos) in (2, 3)
        and all(
            isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
            for n in pos
        )
    )


def _check_ring(ring: Any) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError("geometry: a ring needs at least 4 positions")
    for pos in ring:
        if not _is_position(pos):
            raise GeometryError(f"geometry: {str(pos)[:40]} is not a position")
    if ring[0] != ring[-1]:
        raise GeometryError("geometry: a ring is not closed")


def _polygonal(geom) -> Polygon | MultiPolygon | None:
    """Keep the polygon parts of ``geom`` (``make_valid`` may add lines)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return None if geom.is_empty else geom
    parts = [
        p
        for g in getattr(geom, "geoms", [])
        for p in (g.geoms if isinstance(g, MultiPolygon) else [g])
        if isinstance(p, Polygon) and not p.is_empty
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _reproject(geom, epsg: int):
    transformer = _transformer(epsg)

    def to_wgs84(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, to_wgs84)


def _check_danish(geom, raw, epsg: int) -> None:
    west, south, east, north = DENMARK
    x0, y0, x1, y1 = geom.bounds
    if west <= x0 and x1 <= east and south <= y0 and y1 <= north and math.isfinite(x0):
        return
    coords = shapely.get_coordinates(raw)
    lon_lat = shapely.get_coordinates(geom)
    outside = ~(
        (lon_lat[:, 0] >= west)
        & (lon_lat[:, 0] <= east)
        & (lon_lat[:, 1] >= south)
        & (lon_lat[:, 1] <= north)
    )
    x, y = coords[int(np.argmax(outside))]
    where = "" if epsg == WGS84 else f" in {crs_label(epsg)}"
    if not outside.all():
        raise GeometryError(
            f"position ({x:.10g}, {y:.10g}){where} is outside Denmark "
            f"(longitude {west}–{east}, latitude {south}–{north})"
        )
    raise GeometryError(
        f"coordinates such as ({x:.10g}, {y:.10g}){where} are not Danish longitudes/"
        f"latitudes; they look like {guess_crs(x, y)}"
    )


def _simplify(geom, notes: list[str]):
    before = shapely.get_num_coordinates(geom)
    tolerance = TOLERANCE
    result = geom.simplify(tolerance, preserve_topology=True)
    while shapely.get_num_coordinates(result) > MAX_STORED_VERTICES:
        tolerance *= 2
        result = geom.simplify(tolerance, preserve_topology=True)
    result = _polygonal(result)
    if result is None:
        raise GeometryError("geometry vanishes when simplified (too small)")
    after = shapely.get_num_coordinates(result)
    if tolerance > TOLERANCE or before > MAX_STORED_VERTICES:
        notes.append(
            f"boundary simplified from {before:,} to {after:,} vertices "
            f"(tolerance {tolerance:g}°, about {tolerance * 111_000:,.0f} m)"
        )
    return result


def _as_geojson(geom, multi: bool) -> dict[str, Any]:
    def rounded(value):
        if isinstance(value, tuple | list):
            if value and isinstance(value[0], float | int):
                return [round(float(v), DECIMALS) for v in value[:2]]
            return [rounded(v) for v in value]
        return value

    if multi and isinstance(geom, Polygon):  # keep the file's geometry type
        geom = MultiPolygon([geom])
    data = mapping(geom)
    return {"type": data["type"], "coordinates": rounded(data["coordinates"])}


def prepare_boundary(geometry: Any, epsg: int = WGS84) -> Boundary:
    """Check, reproject, repair and simplify a GeoJSON Polygon/MultiPolygon.

    :raises GeometryError: with the reason the geometry cannot be used.
    """
    polygons = [
        [[pos[:2] for pos in ring] for ring in polygon]  # drop heights
        for polygon in _polygons(geometry)
    ]
    flat = (
        {"type": "Polygon", "coordinates": polygons[0]}
        if geometry["type"] == "Polygon"
        else {"type": "MultiPolygon", "coordinates": polygons}
    )
    try:
        raw = shape(flat)
        geom = raw if epsg == WGS84 else _reproject(raw, epsg)
    except (ValueError, shapely.errors.GEOSException, ProjError) as error:
        raise GeometryError(f"geometry cannot be read: {error}") from None
    _check_danish(geom, raw, epsg)
    notes: list[str] = []
    if not geom.is_valid:
        reason = explain_validity(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom is None:
            raise GeometryError(f"invalid polygon that cannot be repaired: {reason}")
        notes.append(f"invalid boundary repaired ({reason}) with shapely make_valid")
    geom = _simplify(geom, notes)
    largest = max(getattr(geom, "geoms", [geom]), key=lambda p: p.area)
    point = largest.centroid
    if not largest.contains(point):  # a crescent's centroid lies outside it
        point = largest.representative_point()
    area_m2, _ = _GEOD.geometry_area_perimeter(geom)
    return Boundary(
        geometry=_as_geojson(geom, geometry["type"] == "MultiPolygon"),
        area_km2=round(abs(area_m2) / 1e6, 4),
        ref_lon=round(point.x, DECIMALS),
        ref_lat=round(point.y, DECIMALS),
        notes=notes,
    )
