"""Schematic district boundaries from the districts' reference points.

When no surveyed boundary file is at hand (the demo), each district gets the
Voronoi cell of its reference point: the part of the area closer to its point
than to any other district's, clipped to the points' convex hull widened by a
margin. The cells tile that area without overlapping. They are a sketch, not
a map of the real districts, and are labelled "schematic" wherever shown.

Pure geometry (shapely): no Flask, no database. Distances are measured with
longitudes shrunk by the cosine of the mean latitude, so cells look right at
Copenhagen's latitude; the result is GeoJSON in ``[lon, lat]`` order.
"""

import json
import math
from collections.abc import Iterable, Mapping

import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Point, mapping
from shapely.geometry.polygon import orient

#: Default margin around the hull, in degrees of latitude (about 1.1 km).
MARGIN = 0.01
#: Decimals kept in coordinates (1e-5 degrees is about 1 m).
DIGITS = 5


def schematic_boundaries(
    points: Mapping[str, tuple[float, float]],
    *,
    margin: float = MARGIN,
    digits: int = DIGITS,
) -> dict[str, dict]:
    """Return a GeoJSON Polygon per code, from the codes' ``(lat, lon)`` points.

    The cells are the Voronoi cells of the points clipped to their convex hull
    buffered by ``margin``; one point gives a disc, and two or collinear points
    give strips of a buffered line. The result is deterministic (it depends on
    the points, not on the mapping's order) and rounded to ``digits`` decimals.

    :raises ValueError: when two codes share a point or a point is not finite.
    """
    if not points:
        return {}
    codes = sorted(points)
    seen: dict[tuple[float, float], str] = {}
    for code in codes:
        lat, lon = (float(v) for v in points[code])
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise ValueError(f"district {code}: the reference point is not finite")
        if (lat, lon) in seen:
            raise ValueError(
                f"districts {seen[(lat, lon)]} and {code} share a reference point"
            )
        seen[(lat, lon)] = code
    # Plane coordinates: x = lon * k, y = lat (k shrinks longitudes to distances).
    k = math.cos(math.radians(sum(points[c][0] for c in codes) / len(codes)))
    plane = {code: Point(points[code][1] * k, points[code][0]) for code in codes}
    region = MultiPoint([plane[c] for c in codes]).convex_hull.buffer(margin)
    cells = _cells(plane, region)
    out = {}
    for code in codes:
        cell = affinity.scale(cells[code], xfact=1 / k, yfact=1, origin=(0, 0))
        out[code] = _geojson(cell, digits)
    return out


def _cells(plane: Mapping[str, Point], region) -> dict:
    """Return each code's Voronoi cell clipped to ``region`` (plane coordinates)."""
    if len(plane) == 1:
        return {code: region for code in plane}
    points = list(plane.values())
    diagram = shapely.voronoi_polygons(
        MultiPoint(points), extend_to=region.envelope.buffer(1.0), ordered=True
    )
    return {
        code: cell.intersection(region)
        for code, cell in zip(plane, diagram.geoms, strict=True)
    }


def _geojson(geometry, digits: int) -> dict:
    """Return ``geometry`` as a GeoJSON dict, rounded, outer rings anticlockwise."""
    geometry = shapely.set_precision(geometry, 10.0**-digits)
    if geometry.geom_type == "Polygon":
        geometry = orient(geometry, 1.0)
    elif geometry.geom_type == "MultiPolygon":
        geometry = shapely.MultiPolygon([orient(p, 1.0) for p in geometry.geoms])
    data = mapping(geometry)
    return {"type": data["type"], "coordinates": _rounded(data["coordinates"], digits)}


def _rounded(coords, digits: int):
    if isinstance(coords[0], int | float):
        return [round(float(c), digits) for c in coords]
    return [_rounded(c, digits) for c in coords]


def assign_schematic(districts: Iterable, *, regenerate: bool = False) -> list[str]:
    """Give districts with a reference point and no surveyed boundary a schematic one.

    ``districts`` are objects with ``code``, ``ref_lat``, ``ref_lon``,
    ``boundary_geojson`` and ``is_boundary_schematic`` (the District model).
    Cells are computed from every district with a point (surveyed ones too, so
    schematic cells leave their neighbourhood to them). A district without a
    boundary gets one; with ``regenerate`` an existing schematic one is redone.
    A surveyed boundary is never touched. Return the codes changed, sorted.

    :raises ValueError: as :func:`schematic_boundaries`.
    """
    located = [d for d in districts if d.ref_lat is not None and d.ref_lon is not None]
    cells = schematic_boundaries({d.code: (d.ref_lat, d.ref_lon) for d in located})
    changed = []
    for district in located:
        if district.boundary_geojson and not (
            district.is_boundary_schematic and regenerate
        ):
            continue
        text = json.dumps(cells[district.code], separators=(",", ":"))
        if district.boundary_geojson != text or not district.is_boundary_schematic:
            district.boundary_geojson = text
            district.is_boundary_schematic = True
            changed.append(district.code)
    return sorted(changed)
