"""Read centre import files and write district and centre rows.

Parsing is pure: :func:`parse_centres` (and the district parsers in
:mod:`vaerested.centres.district_import`) take the file's bytes and return
validated rows plus every problem found, each tied to the physical line it
starts on (the header is line 1) or, in GeoJSON, to its feature. Nothing is
written unless there are no problems; then :mod:`vaerested.centres.upserts`
adds or updates the rows (flushing) and the caller commits once. Every CSV goes through the shared reader
(:mod:`vaerested.services.text_input`); the limits are in ``docs/imports.md``.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from vaerested.models import OperatorType
from vaerested.services.text_input import CsvRows, ReadError, bad_character

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
#: Largest district or centre file read (bytes).
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Most rows (or features) in one district or centre file.
MAX_ROWS = 10_000
#: Largest target population accepted (Denmark has about 6 million people).
MAX_POPULATION = 10_000_000
#: District values that an import without them leaves as they are.
KEPT_WHEN_MISSING = frozenset({"target_population", "area_km2", "ref_lat", "ref_lon"})


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported, at a line or a GeoJSON feature."""

    line: int
    reason: str
    #: "feature 3 (Vanløse)" in GeoJSON; empty means "line N".
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where or f'line {self.line}'}: {self.reason}"


@dataclass
class Row:
    """A validated row: its key (code or slug) and the attributes it sets."""

    line: int
    key: str
    values: dict[str, Any]
    #: Shown in the import's summary, e.g. the district's name.
    label: str = ""


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Things the import did that the user should know ("boundary repaired").
    notes: list[str] = field(default_factory=list)


@dataclass
class Written:
    """What an upsert did: the keys (with labels) created and matched."""

    created: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)


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
    if not (text.isascii() and text.isdecimal()):
        raise ValueError(f"{column}: {text[:40]!r} is not a whole number >= 0")
    if len(text) > 9 or int(text) > MAX_POPULATION:
        raise ValueError(f"{column}: {text[:40]} is above {MAX_POPULATION:,}")
    return int(text)


def _text(values: dict[str, str], column: str, max_length: int, required=True) -> str:
    value = values[column]
    if not value and required:
        raise ValueError(f"{column} is empty")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{column} contains a line break")
    char = bad_character(value)
    if char:
        raise ValueError(f"{column} contains a control character ({char})")
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


def too_big(data: bytes) -> Problem | None:
    """Return a problem if ``data`` is above :data:`MAX_FILE_BYTES`."""
    if len(data) > MAX_FILE_BYTES:
        size = f"{len(data) / 2**20:,.0f} MB"
        return Problem(1, f"the file is {size}; the limit is {MAX_FILE_BYTES >> 20} MB")
    return None


def read_csv(
    data: bytes, out: Parsed, check_header
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, {column: stripped value})``; record problems in ``out``.

    ``check_header(header)`` returns the header's problems (as reasons).
    """
    problem = too_big(data)
    if problem:
        out.problems.append(problem)
        return
    try:
        rows = CsvRows(io.BytesIO(data))
        reasons = check_header(rows.header)
        out.problems.extend(Problem(rows.header_line, r) for r in reasons)
        if out.problems:
            return
        width = len(rows.header)
        for count, (line, cells) in enumerate(rows, 1):
            if count > MAX_ROWS:
                out.problems.append(
                    Problem(line, f"more than {MAX_ROWS:,} rows: split the file")
                )
                return
            if len(cells) != width:
                reason = f"expected {width} fields, found {len(cells)}"
                out.problems.append(Problem(line, reason))
                continue
            yield line, {k: v.strip() for k, v in zip(rows.header, cells, strict=True)}
    except ReadError as error:
        out.problems.append(Problem(error.line, error.reason))


def header_problems(
    header: list[str], required: tuple[str, ...], optional: tuple[str, ...]
) -> list[str]:
    """Name missing, unknown and repeated columns."""
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    repeated = sorted({c for c in header if header.count(c) > 1})
    expected = ",".join(required)
    reasons = [
        f"{label} column(s) {', '.join(names)} (expected {expected})"
        for label, names in (("missing", missing), ("unknown", unknown))
        if names
    ]
    if repeated:
        reasons.append(f"repeated column(s) {', '.join(repeated)}")
    return reasons


def check_unique(
    out: Parsed, line: int, kind: str, key: str, seen: dict, where: str = ""
) -> bool:
    """Record a problem if ``key`` was seen before; return whether it is new.

    ``where`` names a GeoJSON feature ("feature 3 (Vanløse)"); without it the
    row is known by its line.
    """
    if key in seen:
        reason = f"duplicate {kind} {key!r} (first {seen[key]})"
        out.problems.append(Problem(line, reason, where))
        return False
    seen[key] = f"in feature {line}" if where else f"on line {line}"
    return True


# --- Centres -------------------------------------------------------------------


def parse_centres(data: bytes, district_codes: Collection[str]) -> Parsed:
    """Parse a centre CSV; ``district_codes`` are the codes that exist."""
    out = Parsed()
    seen: dict[str, int] = {}
    check = lambda header: header_problems(header, CENTRE_COLUMNS, ())  # noqa: E731
    for line, values in read_csv(data, out, check):
        try:
            parsed = _centre_values(values, district_codes)
        except ValueError as exc:
            out.problems.append(Problem(line, str(exc)))
            continue
        if check_unique(out, line, "slug", parsed["slug"], seen):
            out.rows.append(Row(line, parsed.pop("slug"), parsed, parsed["name"]))
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
