"""How a report table reads for a person: labels, names and number formats.

The tables keep their machine form (column names, codes, slugs, ISO dates and
plain numbers: the contract of the plain CSV and JSON files). Pages and the
files meant for people go through this module instead:

- :func:`header` and :func:`table_label` give a column's and a table's
  translated label (:mod:`vaerested.labels`);
- :func:`cell_value` turns a centre slug into the centre's name, a district
  code into the district's name and a coded value into its label; numbers,
  dates, protected markers (``"<5"``) and empty cells stay as they are;
- :func:`number_kind` and :func:`decimals` say how a column's numbers are
  written, and :func:`format_value` writes them for the current locale with
  Babel ("0,14", "29.707", "2. dec. 2026" in Danish).

No request objects here: the locale is Flask-Babel's (the request's, or the
one a job sets with ``force_locale``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import format_percent as babel_format_percent
from babel.numbers import get_group_symbol, get_minus_sign_symbol
from flask_babel import format_decimal, get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from vaerested.labels import (
    COLUMN_LABELS,
    TABLE_COLUMN_LABELS,
    TABLE_LABELS,
    TABLE_VALUE_LABELS,
    UNKNOWN,
    UNKNOWN_LABEL,
    VALUE_LABELS,
)
from vaerested.models import Centre, District
from vaerested.services.suppression import is_suppressed


@dataclass(frozen=True)
class Names:
    """The names behind the codes of the report tables."""

    #: Centre slug -> its name.
    centres: dict[str, str] = field(default_factory=dict)
    #: District code -> its name.
    districts: dict[str, str] = field(default_factory=dict)
    #: District code -> its municipality's name.
    municipalities: dict[str, str] = field(default_factory=dict)


def load_names(session: Session) -> Names:
    """Return the names of every centre and district."""
    centres = {
        slug: name for slug, name in session.execute(select(Centre.slug, Centre.name))
    }
    districts, municipalities = {}, {}
    for code, name, municipality in session.execute(
        select(District.code, District.name, District.municipality)
    ):
        districts[code] = name
        municipalities[code] = municipality
    return Names(centres, districts, municipalities)


#: Columns holding a centre slug, and a district code.
CENTRE_COLUMNS = frozenset({"centre", "from_centre", "to_centre", "other_centre"})
DISTRICT_COLUMNS = frozenset({"district", "home_district", "centre_district"})

#: Column -> how its values are written: "int" (a count, with thousands
#: separators), "decimal" (see :data:`DECIMALS`), "percent" (a share 0..1,
#: written as a percentage with one decimal) or "date" (an ISO date).
#: Columns not listed are text (names, labels) or months (:data:`MONTH_COLUMNS`).
NUMBER_KINDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "visits",
            "card_visits",
            "tally_visits",
            "centres",
            "cat1_centres",
            "cat2_centres",
            "cat3_centres",
            "target_population",
            "unique_cards",
            "resident_cards",
            "typical_daily_users",
            "cards",
            "transitions",
            "active_cards",
            "multi_centre_cards",
            "open_days",
            "days_in_period",
            "centre_count",
            "known_visits",
            "group_visits",
            "sessions_held",
            "attendance",
            "activities",
            "cards_to",
            "transitions_to",
            "cards_from",
            "transitions_from",
            "enrolled",
            "on_course",
            "continuing",
            "completed",
            "employment",
            "education",
            "stopped",
            "other_outcome",
            "moved_to_own_home",
            "moved_out_of_residential_centre",
            "flow_visits",
            "volunteer_cards",
            "volunteer_sessions",
            "away_volunteers",
        ],
        "int",
    ),
    **dict.fromkeys(
        [
            "target_population_per_centre",
            "opening_hours_per_week",
            "evening_hours_per_week",
            "weekend_hours_per_week",
            "opening_hours_per_1000_target",
            "visits_per_1000_target",
            "latitude",
            "longitude",
            "visits_per_open_day",
            "visits_vs_typical",
            "mobility_index",
        ],
        "decimal",
    ),
    "resident_share": "percent",
    "share_multi_centre": "percent",
    "group_share": "percent",
    **dict.fromkeys(["date", "week", "start", "end"], "date"),
}
#: Decimal column -> the decimals it is shown with (files may keep more).
DECIMALS: dict[str, int] = {
    "target_population_per_centre": 1,
    "opening_hours_per_week": 1,
    "evening_hours_per_week": 1,
    "weekend_hours_per_week": 1,
    "opening_hours_per_1000_target": 2,
    "visits_per_1000_target": 1,
    "latitude": 5,
    "longitude": 5,
    "visits_per_open_day": 1,
    "visits_vs_typical": 2,
    "mobility_index": 2,
}
#: Decimals of a "percent" column's percentage.
PERCENT_DECIMALS = 1
#: Columns holding a month as ``YYYY-MM``.
MONTH_COLUMNS = frozenset({"month"})
#: Columns shown as they are: a quarter ("2026-Q1"), a course's number and
#: title (about the course, never a person).
TEXT_COLUMNS = frozenset({"quarter", "course_id", "course"})

_SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def number_kind(column: str) -> str | None:
    """Return how ``column``'s values are written: "int", "decimal", "percent",
    "date", or None for text (and months)."""
    return NUMBER_KINDS.get(column)


def decimals(column: str) -> int | None:
    """Return the decimals ``column`` is shown with (decimal and percent columns)."""
    if NUMBER_KINDS.get(column) == "percent":
        return PERCENT_DECIMALS
    return DECIMALS.get(column)


def header(table_name: str, column: str) -> str:
    """Return ``column``'s label in ``table_name``, in the current locale."""
    label = TABLE_COLUMN_LABELS.get((table_name, column)) or COLUMN_LABELS.get(column)
    return str(label) if label is not None else column


def table_label(table_name: str) -> str:
    """Return the title of table ``table_name``, in the current locale."""
    label = TABLE_LABELS.get(table_name)
    return str(label) if label is not None else table_name


def is_snake_case(text: str) -> bool:
    """Return whether ``text`` looks like a machine name (``a_b``)."""
    return bool(_SNAKE.match(text))


def _coded(value: object) -> object:
    """Return ``value`` as the key of the label dicts (``"1"`` read from a file -> 1)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool):
        return int(value)
    return value


def cell_value(table_name: str, column: str, value: object, names: Names) -> object:
    """Return ``value`` of ``column`` as a person reads it.

    A centre slug becomes the centre's name, a district code the district's
    name (``"unknown"``: "Unknown"), a coded value its label. Numbers, dates,
    protected markers (``"<5"``) and empty cells come back unchanged; so does a
    code with no name or label.
    """
    if value is None or value == "" or is_suppressed(value):
        return value
    if column in CENTRE_COLUMNS:
        return names.centres.get(value, value)
    if column in DISTRICT_COLUMNS:
        if value == UNKNOWN:
            return str(UNKNOWN_LABEL)
        return names.districts.get(str(value), value)
    labels = TABLE_VALUE_LABELS.get((table_name, column), VALUE_LABELS.get(column))
    if labels is not None:
        label = labels.get(_coded(value))
        return str(label) if label is not None else value
    return value


def _number(value: object) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


#: Whole numbers :func:`_int_writer` checks its fast path against, per locale.
_INT_PROBES = (0, 7, -7, 999, 1000, -1234, 12345, 999999, 1234567, -98765432)


@cache
def _int_writer(locale: Locale):
    """Return a function writing a whole number as Babel's ``#,##0`` does in
    ``locale``, a few times faster (a page of a national matrix writes tens
    of thousands): Python's grouping with the locale's symbols, used only when it
    writes the probes exactly as Babel does; else Babel itself."""
    group, minus = get_group_symbol(locale), get_minus_sign_symbol(locale)

    def fast(number: int) -> str:
        written = f"{abs(number):,}".replace(",", group)
        return minus + written if number < 0 else written

    def slow(number: int) -> str:
        return babel_format_decimal(number, "#,##0", locale=locale)

    same = all(fast(n) == slow(n) for n in _INT_PROBES)
    return fast if same else slow


def format_value(value: object, kind: str | None, digits: int | None = None) -> str:
    """Return ``value`` written for the current locale as a ``kind``.

    Kinds: those of :func:`number_kind`, plus "month" (``YYYY-MM`` as "dec.
    2026") and "day" (a date without its year, "2. dec."). Empty cells,
    protected markers and values that are not of the kind come back as text.
    """
    if value is None:
        return ""
    if value == "" or is_suppressed(value) or kind is None:
        return str(value)
    locale = get_locale()
    if kind == "int":
        number = _number(value)
        if number is None:
            return str(value)
        if float(number).is_integer():
            if locale is None:  # no app context: Babel's default locale
                return format_decimal(int(number), "#,##0")
            return _int_writer(locale)(int(number))
    if locale is None:
        return _written(value, kind, digits, None)
    # Dates and ratios repeat down a table (a year has 53 weeks; a national
    # page writes thousands of cells): each is written by Babel once.
    return _written_in(value, kind, digits, locale)


@lru_cache(maxsize=1 << 15)
def _written_in(value, kind: str, digits: int | None, locale: Locale) -> str:
    return _written(value, kind, digits, locale)


def _written(value, kind: str, digits: int | None, locale: Locale | None) -> str:
    """Write ``value`` as a ``kind`` other than a whole "int" in ``locale``
    (None: Babel's default)."""
    options = {} if locale is None else {"locale": locale}
    if kind in ("int", "decimal", "percent"):
        number = _number(value)
        if number is None:
            return str(value)
        places = (
            (PERCENT_DECIMALS if kind == "percent" else 2) if digits is None else digits
        )
        pattern = "#,##0" + ("." + "0" * places if places else "")
        if kind == "percent":
            return babel_format_percent(number, pattern + " %", **options)
        return babel_format_decimal(number, pattern, **options)
    if kind == "month":
        day = _date(f"{value}-01") if isinstance(value, str) else _date(value)
        return babel_format_date(day, "MMM y", **options) if day else str(value)
    day = _date(value)
    if day is None:
        return str(value)
    if kind == "day":
        return format_skeleton("MMMd", day, **options)
    return babel_format_date(day, "medium", **options)


def column_kind(column: str) -> str | None:
    """Return the kind :func:`format_value` writes ``column`` as on a page."""
    return "month" if column in MONTH_COLUMNS else number_kind(column)


def display(table_name: str, column: str, value: object, names: Names) -> str:
    """Return a table cell as a page shows it: named, labelled, then formatted."""
    shown = cell_value(table_name, column, value, names)
    if shown is not value:
        return str(shown)
    return format_value(value, column_kind(column), decimals(column))
