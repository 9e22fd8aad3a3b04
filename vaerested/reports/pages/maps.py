"""The coverage page's map: districts shaded by a measure, centres as markers.

Everything drawn comes from the SUPPRESSED tables of the coverage report (the
numbers of the downloads): the districts' rows of ``coverage`` with their
boundaries, the centres' rows of ``coverage_centres``. The template embeds
:func:`coverage_context`'s ``map_data`` as JSON; ``static/js/coverage-map.js``
draws it with Leaflet. Class breaks, marker sizes and labels are worked out
here, so the script only draws and the legend is plain HTML.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vaerested.extensions import db
from vaerested.models import District
from vaerested.reports.tables.present import (
    Names,
    decimals,
    display,
    format_value,
    number_kind,
)
from vaerested.services.suppression import EMPTY, is_suppressed

#: Measure (a coverage column) -> its label; the first is the default.
MEASURES = {
    "target_population_per_centre": _l("Target population per centre"),
    "visits_per_1000_target": _l("Visits per 1,000 of the target population"),
    "opening_hours_per_1000_target": _l(
        "Opening hours per week per 1,000 of the target population"
    ),
    "resident_share": _l("Share of the target population who used a centre"),
    "centres": _l("Active centres"),
    "cat2_centres": _l("Centres with a category-2 offer"),
    "evening_hours_per_week": _l("Evening hours per week (Mon–Fri after 18:00)"),
    "weekend_hours_per_week": _l("Weekend opening hours per week"),
}
#: Number of shading classes.
CLASSES = 5
#: Marker radius (pixels) of a centre with 0 or suppressed visits, and the largest.
MIN_RADIUS, MAX_RADIUS = 5, 18
#: Offer profile (categories offered) -> its label.
PROFILES = {
    "1": _l("Category 1 only"),
    "12": _l("Categories 1 and 2"),
    "123": _l("Categories 1, 2 and 3"),
    "2": _l("Category 2 only"),
    "23": _l("Categories 2 and 3"),
    "13": _l("Categories 1 and 3"),
    "3": _l("Category 3 only"),
    "0": _l("No category"),
}


def coverage_context(raw, shown, page) -> dict:
    """Return the coverage page's map data (from the suppressed tables ``shown``)."""
    tables = {t.name: t for t in shown}
    coverage, centres = tables.get("coverage"), tables.get("coverage_centres")
    if coverage is None or centres is None:
        return {}
    measure = page.args.get("measure", "")
    if measure not in MEASURES:
        measure = next(iter(MEASURES))
    districts = _district_features(coverage, page.names)
    markers = _centre_markers(centres.rows, page.names)
    return {
        "map_measure": measure,
        "map_measures": _measure_legends(districts),
        "map_profiles": _profiles(markers),
        "map_sizes": _sizes(centres.rows),
        "map_schematic": any(f["properties"]["schematic"] for f in districts),
        "map_data": {
            "measure": measure,
            "districts": {"type": "FeatureCollection", "features": districts},
            "centres": markers,
            "labels": _labels(coverage.columns, centres.columns),
            "tiles": {
                "url": current_app.config.get("MAP_TILE_URL") or "",
                "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or "",
            },
        },
    }


def _text(table: str, row: dict, names: Names) -> dict[str, str]:
    """Return a row's cells as the page writes them (names, locale numbers)."""
    return {
        column: display(table, column, value, names) for column, value in row.items()
    }


def _district_features(coverage, names: Names) -> list[dict]:
    """Return a GeoJSON Feature per district with a boundary, with its shown row."""
    info = {
        code: (name, schematic)
        for code, name, schematic in db.session.execute(
            select(District.code, District.name, District.is_boundary_schematic)
        )
    }
    features = []
    for row in coverage.rows:
        code = row["district"]
        if code not in coverage.geometries:
            continue
        name, schematic = info.get(code, (code, False))
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": coverage.geometries[code],
                "properties": {
                    **row,
                    "code": code,
                    "name": name,
                    "text": _text("coverage", row, names),
                    "schematic": bool(schematic),
                    "classes": {},
                },
            }
        )
    for measure in MEASURES:
        classes = shade_classes([f["properties"][measure] for f in features])
        for feature, klass in zip(features, classes, strict=True):
            feature["properties"]["classes"][measure] = klass
    return features


def _number(value) -> float | None:
    """Return a numeric cell as a float; None when empty or suppressed."""
    if value is None or value == EMPTY or is_suppressed(value):
        return None
    return float(value)


def shade_classes(values: Iterable) -> list[int | None]:
    """Return each value's shading class 0..4 (None: no value).

    Classes split the distinct values into equal-count groups; with up to five
    distinct values each gets its own class, spread over 0..4 (so 0, 1, 2
    centres shade light, middle, dark).
    """
    numbers = [_number(v) for v in values]
    distinct = sorted({n for n in numbers if n is not None})
    rank = {v: i for i, v in enumerate(distinct)}
    k = len(distinct)

    def klass(n: float) -> int:
        if k == 1:
            return 0
        if k <= CLASSES:
            return round(rank[n] * (CLASSES - 1) / (k - 1))
        return rank[n] * CLASSES // k

    return [None if n is None else klass(n) for n in numbers]


def _fmt(value: float, measure: str) -> str:
    """Return a legend value of ``measure`` written for the locale."""
    kind = number_kind(measure)
    if kind == "int" or (kind == "decimal" and float(value).is_integer()):
        return format_value(int(value), "int")
    return format_value(value, kind, decimals(measure))


def _measure_legends(features: list[dict]) -> list[dict]:
    """Return per measure its label and its classes' value ranges (for the legend)."""
    out = []
    for measure, label in MEASURES.items():
        ranges: dict[int, list[float]] = {}
        for feature in features:
            klass = feature["properties"]["classes"][measure]
            if klass is not None:
                value = _number(feature["properties"][measure])
                ranges.setdefault(klass, []).append(value)
        classes = [
            {
                "class": klass,
                "label": _fmt(min(vs), measure)
                if min(vs) == max(vs)
                else f"{_fmt(min(vs), measure)}–{_fmt(max(vs), measure)}",
            }
            for klass, vs in sorted(ranges.items())
        ]
        out.append({"key": measure, "label": str(label), "classes": classes})
    return out


def _profile(row: dict) -> str:
    return "".join(str(n) for n in (1, 2, 3) if row[f"cat{n}"]) or "0"


def _radius(visits, largest: int) -> int:
    """Return a marker's radius: its area grows with the visits shown."""
    if not isinstance(visits, int) or visits <= 0 or largest <= 0:
        return MIN_RADIUS
    return round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(visits / largest))


def _largest(rows: list[dict]) -> int:
    return max((r["visits"] for r in rows if isinstance(r["visits"], int)), default=0)


def _centre_markers(rows: list[dict], names: Names) -> list[dict]:
    """Return a marker per centre row with coordinates (suppressed rows as shown)."""
    largest = _largest(rows)
    return [
        {
            **row,
            "name": names.centres.get(row["centre"], row["centre"]),
            "text": _text("coverage_centres", row, names),
            "profile": _profile(row),
            "radius": _radius(row["visits"], largest),
        }
        for row in rows
        if row["latitude"] != EMPTY and row["longitude"] != EMPTY
    ]


def _profiles(markers: list[dict]) -> list[dict]:
    present = {m["profile"] for m in markers}
    return [
        {"key": key, "label": str(label)}
        for key, label in PROFILES.items()
        if key in present
    ]


def _sizes(rows: list[dict]) -> list[dict]:
    """Return example marker sizes for the legend: smallest, middle, largest."""
    largest = _largest(rows)
    sizes = [{"radius": MIN_RADIUS, "label": _("0 or too few to show")}]
    if largest > 0:
        middle = max(1, largest // 4)
        for value in sorted({middle, largest}):
            sizes.append(
                {"radius": _radius(value, largest), "label": format_value(value, "int")}
            )
    return sizes


def _labels(coverage_columns: list[str], centre_columns: list[str]) -> dict:
    """Return the popups' labels (translated) for every column shown."""
    names = {
        "centres": _("Active centres"),
        "cat1_centres": _("Category 1 centres"),
        "cat2_centres": _("Category 2 centres"),
        "cat3_centres": _("Category 3 centres"),
        "target_population": _("Estimated target population"),
        "opening_hours_per_week": _("Opening hours per week"),
        "visits": _("Visits"),
        "unique_cards": _("Cards"),
        "resident_cards": _("Residents who used a centre (cards)"),
        "district": _("District"),
        "active": _("Active"),
        "typical_daily_users": _("Typical daily users"),
        "cat1": _("Category 1"),
        "cat2": _("Category 2"),
        "cat3": _("Category 3"),
        **{key: str(label) for key, label in MEASURES.items()},
        "yes": _("yes"),
        "no": _("no"),
        "no_value": _("no value"),
        "schematic": _("Schematic boundary"),
        "profile": _("Offer"),
        **{f"profile_{key}": str(label) for key, label in PROFILES.items()},
    }
    return {
        "columns": {
            "district": [c for c in coverage_columns if c != "district"],
            "centre": [
                c
                for c in centre_columns
                if c not in ("centre", "latitude", "longitude")
            ],
        },
        "names": names,
    }
