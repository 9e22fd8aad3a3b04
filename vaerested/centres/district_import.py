"""Read district files as municipalities and the national data supply publish them.

A district file is CSV or GeoJSON. Property (column) names are recognised from
the common Danish sources, so an official file imports unchanged:

- ours: ``code``, ``name``, ``municipality``, ``target_population``;
- Copenhagen's district layer (WFS ``k101:bydel``): ``bydel_nr``, ``navn``,
  ``areal_m2``; its municipality is København;
- the national administrative boundaries (DAGI/DAWA): ``kode`` or
  ``kommunekode``/``sognekode``, ``navn``, ``kommunenavn``; a municipality layer
  (``kommunekode``, or ``kode`` with ``regionskode``) is its own municipality.

``--code-field``, ``--name-field`` and ``--municipality`` cover any other file.
GeoJSON geometries go through :mod:`vaerested.services.boundary_geometry`
(CRS, reprojection, repair, simplification, area, reference point).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vaerested.centres.importers import (
    MAX_ROWS,
    Parsed,
    Problem,
    Row,
    _coordinates,
    _text,
    check_unique,
    parse_count,
    parse_number,
    read_csv,
    too_big,
)
from vaerested.services import boundary_geometry as geo
from vaerested.services.text_input import ReadError, bad_character, decode_all

CODE_FIELDS = ("code", "bydel_nr", "kode", "kommunekode", "sognekode")
NAME_FIELDS = ("name", "navn")
MUNICIPALITY_FIELDS = ("municipality", "kommune", "kommunenavn")
#: Copenhagen's district layer says nothing about its municipality.
COPENHAGEN = "København"
#: Other columns a CSV may carry; anything else is refused (a typo guard).
OPTIONAL_COLUMNS = ("target_population", "ref_lat", "ref_lon", "area_km2", "areal_m2")
EXPECTED = "code,name,municipality and optionally " + ",".join(OPTIONAL_COLUMNS)
#: Largest area accepted for one district (km²; Denmark is about 43,000 km²).
MAX_AREA_KM2 = 50_000


@dataclass(frozen=True)
class DistrictOptions:
    """Command-line choices for files our property names do not cover."""

    code_field: str | None = None
    name_field: str | None = None
    municipality: str | None = None
    crs: str | None = None


def parse_districts(
    filename: str, data: bytes, options: DistrictOptions | None = None
) -> Parsed:
    """Parse a district file; the format follows the extension (.csv/.geojson/.json)."""
    options = options or DistrictOptions()
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "csv":
        return parse_districts_csv(data, options)
    if suffix in ("geojson", "json"):
        return parse_districts_geojson(data, options)
    reason = f"unsupported file type {filename!r}: use .csv or .geojson"
    return Parsed(problems=[Problem(1, reason)])


def _pick(keys, chosen: str | None, candidates: tuple[str, ...]) -> str | None:
    if chosen:
        return chosen.strip().lower() if chosen.strip().lower() in keys else None
    return next((c for c in candidates if c in keys), None)


def _municipality(keys, code_key: str | None, options: DistrictOptions):
    """Return ``("value", text)``, ``("field", key)``, ``("self", None)`` or None."""
    if options.municipality:
        return "value", options.municipality.strip()
    key = _pick(keys, None, MUNICIPALITY_FIELDS)
    if key:
        return "field", key
    if code_key == "bydel_nr":
        return "value", COPENHAGEN
    if code_key == "kommunekode" or (code_key == "kode" and "regionskode" in keys):
        return "self", None  # a layer of municipalities
    return None


def _values(props: dict[str, str], options: DistrictOptions) -> dict[str, Any]:
    """Validate one record (properties or CSV cells as stripped text)."""
    keys = props.keys()
    code_key = _pick(keys, options.code_field, CODE_FIELDS)
    name_key = _pick(keys, options.name_field, NAME_FIELDS)
    if code_key is None:
        raise ValueError(_missing("code", options.code_field, "--code-field"))
    if name_key is None:
        raise ValueError(_missing("name", options.name_field, "--name-field"))
    values = {
        "code": _text(props, code_key, 20),
        "name": _text(props, name_key, 100),
    }
    source = _municipality(keys, code_key, options)
    if source is None:
        raise ValueError("no municipality in the file: give --municipality NAME")
    kind, what = source
    text = {"value": what, "field": props.get(what, ""), "self": values["name"]}[kind]
    values["municipality"] = _text({"municipality": text}, "municipality", 100)
    values["target_population"] = parse_count(
        props.get("target_population", ""), "target_population"
    )
    area = parse_number(props.get("area_km2", ""), "area_km2", 0, MAX_AREA_KM2)
    if area is None:
        m2 = parse_number(props.get("areal_m2", ""), "areal_m2", 0, MAX_AREA_KM2 * 1e6)
        area = None if m2 is None else round(m2 / 1e6, 4)
    values["area_km2"] = area
    if props.get("ref_lat") or props.get("ref_lon"):
        point = {k: props.get(k, "") for k in ("ref_lat", "ref_lon")}
        values.update(_coordinates(point, "ref_lat", "ref_lon"))
    return values


def _missing(column: str, chosen: str | None, option: str) -> str:
    if chosen:
        return f"no property {chosen!r} ({option})"
    return f"{column} is empty: no {column} property; name it with {option}"


# --- CSV ---------------------------------------------------------------------------


def parse_districts_csv(data: bytes, options: DistrictOptions) -> Parsed:
    """Parse a district CSV (``;`` or ``,``; UTF-8 with or without BOM)."""
    out = Parsed()
    seen: dict[str, int] = {}
    check = lambda header: _header_problems(header, options)  # noqa: E731
    for line, values in read_csv(data, out, check):
        try:
            parsed = _values(values, options)
        except ValueError as exc:
            out.problems.append(Problem(line, str(exc)))
            continue
        if check_unique(out, line, "code", parsed["code"], seen):
            out.rows.append(Row(line, parsed["code"], parsed, parsed["name"]))
    return out


def _header_problems(header: list[str], options: DistrictOptions) -> list[str]:
    code = _pick(header, options.code_field, CODE_FIELDS)
    name = _pick(header, options.name_field, NAME_FIELDS)
    municipality = _municipality(header, code, options)
    missing = [
        column
        for column, found in (
            ("code", code),
            ("name", name),
            ("municipality", municipality),
        )
        if not found
    ]
    known = {code, name, *OPTIONAL_COLUMNS}
    if municipality and municipality[0] == "field":
        known.add(municipality[1])
    unknown = [c for c in header if c not in known]
    repeated = sorted({c for c in header if header.count(c) > 1})
    reasons = []
    if missing:
        reasons.append(f"missing column(s) {', '.join(missing)} (expected {EXPECTED})")
    if unknown:
        reasons.append(f"unknown column(s) {', '.join(unknown)} (expected {EXPECTED})")
    if repeated:
        reasons.append(f"repeated column(s) {', '.join(repeated)}")
    return reasons


# --- GeoJSON -----------------------------------------------------------------------


def parse_districts_geojson(data: bytes, options: DistrictOptions) -> Parsed:
    """Parse a FeatureCollection of Polygon/MultiPolygon district features.

    Problems name the feature: "feature 3 (Vanløse): …" (counted from 1).
    """
    out = Parsed()
    doc = _load(data, out)
    if doc is None:
        return out
    features = doc["features"]
    positions = sum(
        geo.count_positions(f.get("geometry")) for f in features if isinstance(f, dict)
    )
    if len(features) > MAX_ROWS:
        reason = f"{len(features):,} features; the limit is {MAX_ROWS:,}"
        out.problems.append(Problem(1, reason))
    if positions > geo.MAX_INPUT_VERTICES:
        reason = (
            f"{positions:,} positions; the limit is {geo.MAX_INPUT_VERTICES:,} "
            "(simplify the file first)"
        )
        out.problems.append(Problem(1, reason))
    epsg = _file_crs(doc, options, out)
    if out.problems:
        return out
    seen: dict[str, Any] = {}
    for number, feature in enumerate(features, 1):
        where = f"feature {number}"
        label = _feature_label(feature, options)
        if label:
            where += f" ({label})"
        try:
            values = _feature_values(feature, options, epsg, out, where)
        except ValueError as exc:
            out.problems.append(Problem(number, str(exc), where))
            continue
        if check_unique(out, number, "code", values["code"], seen, where):
            out.rows.append(Row(number, values["code"], values, values["name"]))
    return out


def _load(data: bytes, out: Parsed) -> dict | None:
    problem = too_big(data)
    if problem:
        out.problems.append(problem)
        return None
    try:
        doc = json.loads(decode_all(data))
    except ReadError as error:
        out.problems.append(Problem(error.line, error.reason))
        return None
    except json.JSONDecodeError as exc:
        out.problems.append(Problem(exc.lineno, f"invalid JSON: {exc.msg}"))
        return None
    except RecursionError:
        out.problems.append(Problem(1, "invalid GeoJSON: nested too deeply"))
        return None
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        out.problems.append(Problem(1, "not a GeoJSON FeatureCollection"))
        return None
    return doc


def _file_crs(doc: dict, options: DistrictOptions, out: Parsed) -> int:
    try:
        member = geo.crs_member(doc)
        in_file = geo.parse_crs(member) if member else geo.WGS84
        if not options.crs:
            return in_file
        chosen = geo.parse_crs(options.crs)
    except geo.GeometryError as error:
        out.problems.append(Problem(1, str(error)))
        return geo.WGS84
    if member and chosen != in_file:
        out.notes.append(
            f"--crs {geo.crs_label(chosen)} used instead of the file's "
            f"{geo.crs_label(in_file)}"
        )
    return chosen


def _feature_label(feature: Any, options: DistrictOptions) -> str:
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict):
        return ""
    keys = {str(k).strip().lower(): v for k, v in props.items()}
    key = _pick(keys, options.name_field, NAME_FIELDS)
    name = keys.get(key) if key else None
    if not isinstance(name, str) or bad_character(name) or len(name) > 60:
        return ""
    return name.strip()


def _as_text(column: str, value: Any) -> str:
    if isinstance(value, dict | list | bool):
        raise ValueError(f"{column}: expected text or a number")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return "" if value is None else str(value).strip()


def _feature_values(
    feature: Any, options: DistrictOptions, epsg: int, out: Parsed, where: str
) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("properties is not an object")
    used = {options.code_field, options.name_field, *CODE_FIELDS, *NAME_FIELDS}
    used |= {*MUNICIPALITY_FIELDS, *OPTIONAL_COLUMNS}
    strings = {}
    for key, value in props.items():
        key = str(key).strip().lower()
        try:
            strings[key] = _as_text(key, value)
        except ValueError:
            if key in used:
                raise
    values = _values(strings, options)
    try:
        boundary = geo.prepare_boundary(feature.get("geometry"), epsg)
    except geo.GeometryError as error:
        raise ValueError(str(error)) from None
    out.notes.extend(f"{where}: {note}" for note in boundary.notes)
    if "ref_lat" not in values:
        values.update(ref_lat=boundary.ref_lat, ref_lon=boundary.ref_lon)
    if values["area_km2"] is None:
        values["area_km2"] = boundary.area_km2
    values["boundary_geojson"] = json.dumps(
        boundary.geometry, separators=(",", ":"), ensure_ascii=False
    )
    values["is_boundary_schematic"] = False
    return values
