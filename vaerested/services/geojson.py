"""Pure GeoJSON helpers for district boundaries: validation, centroids, lines.

No Flask, no database. The district import checks, reprojects and repairs its
boundaries with :mod:`vaerested.services.boundary_geometry`; these plain-list
helpers remain for code that reads stored boundaries.
"""

import json
import math
import re
from typing import Any


def outer_rings(geometry: Any) -> list[list]:
    """Validate a Polygon/MultiPolygon; return the outer ring of each polygon."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError("geometry must be a Polygon or MultiPolygon")
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise ValueError("geometry has no coordinates")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError("geometry: a polygon has no rings")
        for ring in polygon:
            check_ring(ring)
    return [polygon[0] for polygon in polygons]


def is_position(pos: Any) -> bool:
    """Return whether ``pos`` is a finite ``[lon, lat]`` or ``[lon, lat, z]``."""
    return (
        isinstance(pos, list)
        and len(pos) in (2, 3)
        and all(
            isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
            for n in pos
        )
    )


def check_ring(ring: Any) -> None:
    """Raise ValueError unless ``ring`` is a closed ring of positions on the globe."""
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValueError("geometry: a ring needs at least 4 positions")
    for pos in ring:
        if not is_position(pos):
            raise ValueError(f"geometry: {str(pos)[:40]} is not a [lon, lat] position")
        if not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
            raise ValueError(f"geometry: position {pos} is outside the globe")
    if ring[0] != ring[-1]:
        raise ValueError("geometry: a ring is not closed")


def outer_ring_centroid(rings: list[list]) -> tuple[float, float]:
    """Return ``(lon, lat)``: the area centroid of the largest closed ring.

    Plane geometry on degrees is fine at district scale. Coordinates are taken
    relative to the ring's first position to avoid cancellation.
    """
    best: tuple[float, tuple[float, float]] | None = None
    for ring in rings:
        x0, y0 = ring[0][0], ring[0][1]
        pts = [(p[0] - x0, p[1] - y0) for p in ring[:-1]]
        area2 = cx = cy = 0.0
        for (xa, ya), (xb, yb) in zip(pts, pts[1:] + pts[:1], strict=True):
            cross = xa * yb - xb * ya
            area2 += cross
            cx += (xa + xb) * cross
            cy += (ya + yb) * cross
        if area2:
            centre = (x0 + cx / (3 * area2), y0 + cy / (3 * area2))
        else:  # degenerate ring: fall back to the mean of its positions
            centre = (
                x0 + sum(p[0] for p in pts) / len(pts),
                y0 + sum(p[1] for p in pts) / len(pts),
            )
        if best is None or abs(area2) > best[0]:
            best = (abs(area2), centre)
    return best[1]


def feature_lines(text: str) -> list[int]:
    """Return the line each element of the top-level ``features`` array starts on.

    ``text`` is known to be valid JSON; this walks the top-level object with
    ``raw_decode`` to find where each feature begins.
    """
    decoder = json.JSONDecoder()
    space = re.compile(r"[ \t\n\r]*")

    def skip(pos: int, past: str = "") -> int:
        pos = space.match(text, pos).end()
        if past and text[pos] == past:
            pos = space.match(text, pos + 1).end()
        return pos

    lines: list[int] = []
    pos = skip(skip(0), "{")
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = skip(pos, ":")
        if key == "features" and text[pos] == "[":
            lines, line, counted = [], 1, 0
            pos = skip(pos, "[")
            while text[pos] != "]":
                line += text.count("\n", counted, pos)
                lines.append(line)
                counted = pos
                pos = skip(decoder.raw_decode(text, pos)[1], ",")
            pos += 1
        else:
            pos = decoder.raw_decode(text, pos)[1]
        pos = skip(pos, ",")
    return lines
