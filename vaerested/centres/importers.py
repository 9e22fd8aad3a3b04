"""Read district and centre import files, and write them.

Parsing is pure: :func:`parse_districts` and :func:`parse_centres` take the file's
bytes and return validated rows plus every problem found, each tied to the
physical line it starts on (the header is line 1). Nothing is written unless
there are no problems; then :func:`upsert_districts` / :func:`upsert_centres`
add or update the rows (flushing each) and the caller commits once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from vaerested.models import Centre, District, OperatorType
from vaerested.reports import cache as report_cache
from vaerested.services.geojson import feature_lines, outer_ring_centroid, outer_rings

DISTRICT_COLUMNS = ("code", "name", "municipality", "target_population")
DISTRICT_OPTIONAL = ("ref_lat", "ref_lon")
CENTRE_COLUMNS = (
    *("slug", "name", "district", "address", "lat", "lon"),
    *("categories", "life_phases", "operator"),
)
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
OPERATOR_WORDS = {
    "municipal": OperatorType.MUNICIPAL,
    "kommunal": OperatorType.MUNICIPAL,
    "self_governing": OperatorType.SELF_GOVERNING,
    "selvejende": OperatorType.SELF_GOVERNING,
    "voluntary": OperatorType.VOLUNTARY,
    "frivillig": OperatorType.VOLUNTARY,
}


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Row:
    """A validated row: its key (code or slug) and the attributes it sets."""

    line: int
    key: str
    values: dict[str, Any]


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- Field parsers (raise ValueError with a readable reason) -------------------


def parse_categories(text: str) -> tuple[int, ...]:
    """Return the offer categories in ``text`` ("1;2", "1,3", "" …), sorted."""
    found: list[int] = []
    for token in re.split(r"[;,+/\s]+", text.strip()):
        if not token:
            continue
        if token not in ("1", "2", "3"):
            raise ValueError(f"categories: {token!r} is not 1, 2 or 3")
        if int(token) in found:
            raise ValueError(f"categories: {token} is listed twice")
        found.append(int(token))
    return tuple(sorted(found))


def parse_life_phases(text: str) -> tuple[int, int]:
    """Return ``(min, max)`` from "2" or "1-3" (phases 1-4)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?", text)
    if not match:
        raise ValueError(
            f"life_phases: expected a phase like 2 or a range like 1-3, got {text!r}"
        )
    low = int(match[1])
    high = int(match[2]) if match[2] is not None else low
    for phase in (low, high):
        if not 1 <= phase <= 4:
            raise ValueError(f"life_phases: {phase} is outside 1-4")
    if low > high:
        raise ValueError(f"life_phases: {low}-{high} starts above its end")
    return low, high


def parse_operator(text: str) -> OperatorType:
    """Return the operator type from an English or Danish word."""
    word = re.sub(r"[\s-]+", "_", text.strip().lower())
    if word not in OPERATOR_WORDS:
        raise ValueError(
            f"operator: {text!r} is not municipal, self_governing or voluntary"
        )
    return OPERATOR_WORDS[word]


def parse_number(text: str, column: str, low: float, high: float) -> float | None:
    """Return a float in ``[low, high]``; empty is None; "55,68" is allowed."""
    text = text.strip()
    if not text:
        return None
    if "," in text and "." not in text:  # Danish decimal comma
        text = text.replace(",", ".")
    try:
        if "_" in text:  # float() would read "1_0" as 10
            raise ValueError
        value = float(text)
    except ValueError:
        raise ValueError(f"{column}: {text!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{column}: {text} is outside {low:g} to {high:g}")
    return value


def parse_count(text: str, column: str) -> int | None:
    """Return a whole number >= 0; empty is None."""
    text = text.strip()
    if not text:
        return None
    if not text.isdecimal():
        raise ValueError(f"{column}: {text!r} is not a whole number >= 0")
    return int(text)


def _text(values: dict[str, str], column: str, max_length: int, required=True) -> str:
    value = values[column]
    if not value and required:
        raise ValueError(f"{column} is empty")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{column} contains a line break")
    if len(value) > max_length:
        raise ValueError(f"{column} is longer than {max_length} characters")
    return value


def _coordinates(values: dict[str, str], lat_col: str, lon_col: str) -> dict:
    lat = parse_number(values[lat_col], lat_col, -90, 90)
    lon = parse_number(values[lon_col], lon_col, -180, 180)
    if (lat is None) != (lon is None):
        raise ValueError(f"give both {lat_col} and {lon_col}, or neither")
    return {lat_col: lat, lon_col: lon}


# --- CSV reading -------------------------------------------------------------


def _decode(data: bytes) -> tuple[str | None, Problem | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(line, "not UTF-8 text: save the file as CSV UTF-8")
    if not text.strip():
        return None, Problem(1, "the file is empty")
    return text, None


def _read_csv(
    data: bytes, required: tuple[str, ...], optional: tuple[str, ...], out: Parsed
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, {column: stripped value})``; record problems in ``out``."""
    text, problem = _decode(data)
    if problem:
        out.problems.append(problem)
        return
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)  # first wins ties
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        out.problems.append(Problem(1, f"malformed CSV: {exc}"))
        return
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    repeated = sorted({c for c in header if header.count(c) > 1})
    expected = ",".join(required)
    for label, names in (("missing", missing), ("unknown", unknown)):
        if names:
            out.problems.append(
                Problem(
                    1, f"{label} column(s) {', '.join(names)} (expected {expected})"
                )
            )
    if repeated:
        out.problems.append(Problem(1, f"repeated column(s) {', '.join(repeated)}"))
    if out.problems:
        return
    last = reader.line_num
    try:
        for cells in reader:
            line, last = last + 1, reader.line_num
            while len(cells) > len(header) and not cells[-1].strip():
                cells.pop()  # Excel pads rows with empty cells
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                reason = f"expected {len(header)} fields, found {len(cells)}"
                out.problems.append(Problem(line, reason))
                continue
            yield line, {k: v.strip() for k, v in zip(header, cells, strict=True)}
    except csv.Error as exc:
        out.problems.append(Problem(last + 1, f"malformed CSV: {exc}"))


def _check_unique(out: Parsed, line: int, kind: str, key: str, seen: dict) -> bool:
    if key in seen:
        reason = f"duplicate {kind} {key!r} (first on line {seen[key]})"
        out.problems.append(Problem(line, reason))
        return False
    seen[key] = line
    return True


# --- Districts -----------------------------------------------------------------


def parse_districts(filename: str, data: bytes) -> Parsed:
    """Parse a district file; the format follows the extension (.csv/.geojson/.json)."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "csv":
        return parse_districts_csv(data)
    if suffix in ("geojson", "json"):
        return parse_districts_geojson(data)
    return Parsed(
        problems=[
            Problem(1, f"unsupported file type {filename!r}: use .csv or .geojson")
        ]
    )


def district_values(values: dict[str, Any]) -> dict[str, Any]:
    """Validate a district's code, name, municipality and target population.

    :raises ValueError: with the first reason the values are not acceptable.
    """
    return {
        "code": _text(values, "code", 20),
        "name": _text(values, "name", 100),
        "municipality": _text(values, "municipality", 100),
        "target_population": parse_count(
            values["target_population"], "target_population"
        ),
    }


def parse_districts_csv(data: bytes) -> Parsed:
    """Parse ``code,name,municipality,target_population[,ref_lat,ref_lon]``."""
    out = Parsed()
    seen: dict[str, int] = {}
    for line, values in _read_csv(data, DISTRICT_COLUMNS, DISTRICT_OPTIONAL, out):
        try:
            parsed = district_values(values)
            if "ref_lat" in values or "ref_lon" in values:
                values.setdefault("ref_lat", "")
                values.setdefault("ref_lon", "")
                parsed.update(_coordinates(values, "ref_lat", "ref_lon"))
        except ValueError as exc:
            out.problems.append(Problem(line, str(exc)))
            continue
        if _check_unique(out, line, "code", parsed["code"], seen):
            out.rows.append(Row(line, parsed["code"], parsed))
    return out


# --- District GeoJSON --------------------------------------------------------------


def parse_districts_geojson(data: bytes) -> Parsed:
    """Parse a FeatureCollection of Polygon/MultiPolygon district features.

    Each feature's properties hold the CSV columns. Without ``ref_lat``/``ref_lon``
    the reference point is the centroid of the largest outer ring.
    """
    out = Parsed()
    text, problem = _decode(data)
    if problem:
        out.problems.append(problem)
        return out
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        out.problems.append(Problem(exc.lineno, f"invalid JSON: {exc.msg}"))
        return out
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        out.problems.append(Problem(1, "not a GeoJSON FeatureCollection"))
        return out
    seen: dict[str, int] = {}
    for line, feature in zip(feature_lines(text), doc["features"], strict=True):
        try:
            values = _feature_values(feature)
        except ValueError as exc:
            out.problems.append(Problem(line, str(exc)))
            continue
        if _check_unique(out, line, "code", values["code"], seen):
            out.rows.append(Row(line, values["code"], values))
    return out


def _feature_values(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("properties is not an object")
    strings = {}
    for column in DISTRICT_COLUMNS + DISTRICT_OPTIONAL:
        value = props.get(column)
        if isinstance(value, dict | list | bool):
            raise ValueError(f"{column}: expected text or a number")
        strings[column] = "" if value is None else str(value).strip()
    values = district_values(strings)
    rings = outer_rings(feature.get("geometry"))
    if strings["ref_lat"] or strings["ref_lon"]:
        values.update(_coordinates(strings, "ref_lat", "ref_lon"))
    else:
        lon, lat = outer_ring_centroid(rings)
        values.update(ref_lat=round(lat, 6), ref_lon=round(lon, 6))
    values["boundary_geojson"] = json.dumps(
        feature["geometry"], separators=(",", ":"), ensure_ascii=False
    )
    values["is_boundary_schematic"] = False
    return values


# --- Centres -------------------------------------------------------------------


def parse_centres(data: bytes, district_codes: Collection[str]) -> Parsed:
    """Parse a centre CSV; ``district_codes`` are the codes that exist."""
    out = Parsed()
    seen: dict[str, int] = {}
    for line, values in _read_csv(data, CENTRE_COLUMNS, (), out):
        try:
            parsed = _centre_values(values, district_codes)
        except ValueError as exc:
            out.problems.append(Problem(line, str(exc)))
            continue
        if _check_unique(out, line, "slug", parsed["slug"], seen):
            out.rows.append(Row(line, parsed.pop("slug"), parsed))
    return out


def _centre_values(values: dict[str, str], district_codes: Collection[str]) -> dict:
    slug = _text(values, "slug", 60)
    if not SLUG_RE.fullmatch(slug):
        raise ValueError(f"slug: {slug!r} may hold only a-z, 0-9 and single hyphens")
    district = _text(values, "district", 20)
    if district not in district_codes:
        raise ValueError(f"district: unknown district code {district!r}")
    address = _text(values, "address", 200, required=False)
    categories = parse_categories(values["categories"])
    low, high = parse_life_phases(values["life_phases"])
    return {
        "slug": slug,
        "name": _text(values, "name", 120),
        "district_code": district,
        "address": address,
        **_coordinates(values, "lat", "lon"),
        "is_cat1": 1 in categories,
        "is_cat2": 2 in categories,
        "is_cat3": 3 in categories,
        "life_phase_min": low,
        "life_phase_max": high,
        "operator_type": parse_operator(values["operator"]),
    }


# --- Writing (the caller commits) ------------------------------------------------


def upsert_districts(session, rows: list[Row]) -> tuple[int, int]:
    """Create or update districts by code; return ``(created, updated)``."""
    codes = [row.key for row in rows]
    existing = {
        d.code: d
        for d in session.scalars(select(District).where(District.code.in_(codes)))
    }
    created = 0
    for row in rows:
        district = existing.get(row.key)
        if district is None:
            district = District()
            session.add(district)
            created += 1
        for name, value in row.values.items():
            setattr(district, name, value)
        session.flush()
    return created, len(rows) - created


def upsert_centres(session, rows: list[Row]) -> tuple[int, int]:
    """Create or update centres by slug; return ``(created, updated)``."""
    slugs = [row.key for row in rows]
    existing = {
        c.slug: c for c in session.scalars(select(Centre).where(Centre.slug.in_(slugs)))
    }
    codes = {row.values["district_code"] for row in rows}
    districts = {
        d.code: d
        for d in session.scalars(select(District).where(District.code.in_(codes)))
    }
    created = moved = 0
    for row in rows:
        centre = existing.get(row.key)
        if centre is None:
            centre = Centre(slug=row.key)
            session.add(centre)
            created += 1
        values = dict(row.values)
        district = districts[values.pop("district_code")]
        moved += centre.district is not None and centre.district is not district
        centre.district = district
        for name, value in values.items():
            setattr(centre, name, value)
        session.flush()
    if moved:  # cached report figures count their visits in the old districts
        report_cache.invalidate(session)
    return created, len(rows) - created
