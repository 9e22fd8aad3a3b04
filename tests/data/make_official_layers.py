"""Write test layers shaped like the official Danish boundary files.

Nothing here is copied from a published file: the boundaries are the Voronoi
cells of the demo's reference points (``vaerested.demo.DISTRICTS``), densified
so they carry many vertices, and two of them are cut in two so they are real
MultiPolygons. What is reproduced is the *structure* of the official layers:

- ``official_kbh_bydel.geojson``: Copenhagen's WFS layer ``k101:bydel`` as
  GeoServer writes it: ``totalFeatures``, feature ids ``bydel.N``, a
  ``geometry_name``, MultiPolygons, properties ``id``, ``bydel_nr``, ``navn``,
  ``areal_m2``, and the ``crs`` member ``urn:ogc:def:crs:EPSG::4326`` with the
  coordinates still in longitude, latitude order;
- ``official_kbh_bydel_25832.geojson``: the same layer requested without
  ``SRSNAME``: ETRS89 / UTM zone 32N (EPSG:25832), metres;
- ``official_dagi_kommuner.geojson``: a DAGI/DAWA municipality layer with
  ``kode``, ``navn``, ``regionskode``, ``regionsnavn``, a boolean and a list
  property, and a municipality with a hole (Frederiksberg inside København).

Run ``python tests/data/make_official_layers.py`` to rewrite them;
``tests/test_district_official.py`` checks the committed files match.
"""

import json
import sys
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, box, mapping, shape

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vaerested.demo import DISTRICTS  # noqa: E402
from vaerested.services.boundaries import schematic_boundaries  # noqa: E402

HERE = Path(__file__).parent
#: Copenhagen's districts as the city names them (the demo's codes 1-10).
NAMES = {
    "1": "Indre By",
    "2": "Østerbro",
    "3": "Nørrebro",
    "4": "Vesterbro-Kongens Enghave",
    "5": "Valby",
    "6": "Vanløse",
    "7": "Brønshøj-Husum",
    "8": "Bispebjerg",
    "9": "Amager Øst",
    "10": "Amager Vest",
}
#: Districts cut in two by a canal 0.0004° wide, east of their centre.
SPLIT = ("1", "9")
GEOD = Geod(ellps="WGS84")


def _rounded(value, digits):
    if isinstance(value, tuple | list):
        if value and isinstance(value[0], float | int):
            return [round(float(v), digits) for v in value]
        return [_rounded(v, digits) for v in value]
    return value


def cells() -> dict:
    points = {code: (lat, lon) for code, *_, lat, lon in DISTRICTS if code in NAMES}
    return {c: shape(g) for c, g in schematic_boundaries(points, digits=6).items()}


def bydel_geometries() -> dict[str, MultiPolygon]:
    out = {}
    for code, cell in cells().items():
        cell = shapely.segmentize(cell, 0.0002)  # heavy, like a surveyed line
        if code in SPLIT:
            x = cell.centroid.x + 0.004
            y0, y1 = cell.bounds[1] - 1, cell.bounds[3] + 1
            cell = cell.difference(box(x, y0, x + 0.0004, y1))
        parts = list(getattr(cell, "geoms", [cell]))
        out[code] = MultiPolygon(sorted(parts, key=lambda p: -p.area))
    return out


def bydel_layer(geometries, epsg: int) -> dict:
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    features = []
    for number, code in enumerate(sorted(geometries, key=int), 1):
        geom = geometries[code]
        area = abs(GEOD.geometry_area_perimeter(geom)[0])
        if epsg == 25832:
            geom = shapely.transform(
                geom, lambda c: np.column_stack(to_utm.transform(c[:, 0], c[:, 1]))
            )
        digits = 2 if epsg == 25832 else 7
        features.append(
            {
                "type": "Feature",
                "id": f"bydel.{number}",
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": _rounded(mapping(geom)["coordinates"], digits),
                },
                "geometry_name": "wkb_geometry",
                "properties": {
                    "id": number,
                    "bydel_nr": int(code),
                    "navn": NAMES[code],
                    "areal_m2": round(area, 1),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "totalFeatures": len(features),
        "numberMatched": len(features),
        "numberReturned": len(features),
        "timeStamp": "2026-01-01T00:00:00.000Z",
        "crs": {
            "type": "name",
            "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"},
        },
    }


def kommuner_layer() -> dict:
    frb = box(12.515, 55.670, 12.545, 55.688)
    kbh = shapely.union_all(list(cells().values())).difference(frb)
    kbh = kbh.simplify(0.00001)  # drop the cells' shared vertices
    features = []
    for kode, navn, geom in (
        ("0101", "København", kbh),
        ("0147", "Frederiksberg", frb),
    ):
        centre = geom.representative_point()
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "dagi_id": "38911" + kode,
                    "kode": kode,
                    "navn": navn,
                    "regionskode": "1084",
                    "regionsnavn": "Region Hovedstaden",
                    "udenforkommuneinddeling": False,
                    "visueltcenter": [round(centre.x, 6), round(centre.y, 6)],
                    "ændret": "2026-01-01T00:00:00.000Z",
                },
                "geometry": {
                    "type": geom.geom_type,
                    "coordinates": _rounded(mapping(geom)["coordinates"], 7),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def layers() -> dict[str, str]:
    """Return ``{file name: text}`` of the three layers."""
    geometries = bydel_geometries()
    docs = {
        "official_kbh_bydel.geojson": bydel_layer(geometries, 4326),
        "official_kbh_bydel_25832.geojson": bydel_layer(geometries, 25832),
        "official_dagi_kommuner.geojson": kommuner_layer(),
    }
    return {
        name: json.dumps(doc, ensure_ascii=False) + "\n" for name, doc in docs.items()
    }


if __name__ == "__main__":
    for name, text in layers().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {name} ({len(text):,} bytes)")
