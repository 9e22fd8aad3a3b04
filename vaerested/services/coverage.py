"""Geographic coverage: combine per-district aggregates into coverage rows.

Counts of visits and cards (``visits``, ``unique_cards``, ``resident_cards``
and the flows' ``cards`` and ``visits``) are about persons and get suppressed
later. ``centres``, ``cat*_centres``, ``target_population`` and the opening
hours describe the offer, not persons, and are not. Ratios of a person count
(``visits_per_1000_target``, ``resident_share``) are left empty when that
count is suppressed (:func:`shown_ratios`).

Evening hours are the opening hours from 18:00 to midnight Monday to Friday;
weekend hours those on Saturday and Sunday (midnight to midnight).
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from vaerested.services.opening_hours import (
    DAY_SECONDS,
    WEEK_SECONDS,
    hours_per_week,
    week_span,
)
from vaerested.services.suppression import EMPTY, is_suppressed, ratio, suppress

#: Decimals of ``target_population_per_centre``, the hours and the per-1,000 ratios.
RATIO_DIGITS = 2
#: Decimals of ``resident_share`` (a share of the target population).
SHARE_DIGITS = 4
#: Evening: 18:00 to midnight, Monday to Friday (seconds since Monday 00:00).
EVENINGS = [(d * DAY_SECONDS + 18 * 3600, (d + 1) * DAY_SECONDS) for d in range(5)]
#: Weekend: Saturday 00:00 to Monday 00:00.
WEEKEND = [(5 * DAY_SECONDS, WEEK_SECONDS)]
#: Label of a flow whose home district is not known.
UNKNOWN = "unknown"

COVERAGE_COLUMNS = [
    "district",
    "centres",
    "cat1_centres",
    "cat2_centres",
    "cat3_centres",
    "target_population",
    "target_population_per_centre",
    "opening_hours_per_week",
    "evening_hours_per_week",
    "weekend_hours_per_week",
    "opening_hours_per_1000_target",
    "visits",
    "unique_cards",
    "resident_cards",
    "visits_per_1000_target",
    "resident_share",
]
COVERAGE_COUNTS = ["visits", "unique_cards", "resident_cards"]
#: Ratio column -> the person count it is built from.
COVERAGE_RATIOS = {
    "visits_per_1000_target": "visits",
    "resident_share": "resident_cards",
}
CENTRE_COLUMNS = [
    "centre",
    "district",
    "latitude",
    "longitude",
    "active",
    "cat1",
    "cat2",
    "cat3",
    "opening_hours_per_week",
    "evening_hours_per_week",
    "weekend_hours_per_week",
    "typical_daily_users",
    "visits",
    "unique_cards",
]
CENTRE_COUNTS = ["visits", "unique_cards"]
FLOW_COLUMNS = ["home_district", "centre_district", "cards", "visits"]
FLOW_COUNTS = ["cards", "visits"]


class DistrictInfo(NamedTuple):
    """A district: its export code and estimated target population (or None)."""

    code: str
    target_population: int | None


class CentreInfo(NamedTuple):
    """A centre located in district ``district_code``, with its offer profile."""

    district_code: str
    is_active: bool
    is_cat1: bool
    is_cat2: bool
    is_cat3: bool
    #: Weekly opening intervals ``(weekday, opens, closes)``.
    intervals: Sequence[Sequence] = ()
    #: For the per-centre table: slug, location and typical daily users.
    slug: str = ""
    lat: float | None = None
    lon: float | None = None
    typical_daily_users: int | None = None


def coverage_rows(
    districts: Iterable[DistrictInfo],
    centres: Iterable[CentreInfo],
    visits: Mapping[str, tuple[int, int]],
    residents: Mapping[str, int],
) -> list[dict]:
    """Return one raw coverage row per district, in the order given.

    :param visits: district code -> ``(visits, unique_cards)`` at centres there.
    :param residents: district code -> distinct cards living there that visited.

    Only active centres count towards ``centres``, the categories and the
    opening hours (the sum of each active centre's weekly hours).
    """
    active: dict[str, list[CentreInfo]] = {}
    for centre in centres:
        if centre.is_active:
            active.setdefault(centre.district_code, []).append(centre)
    rows = []
    for district in districts:
        here = active.get(district.code, [])
        count = len(here)
        hours = sum(hours_per_week(c.intervals) for c in here)
        target = district.target_population
        n_visits, unique_cards = visits.get(district.code, (0, 0))
        n_residents = residents.get(district.code, 0)
        rows.append(
            {
                "district": district.code,
                "centres": count,
                "cat1_centres": sum(1 for c in here if c.is_cat1),
                "cat2_centres": sum(1 for c in here if c.is_cat2),
                "cat3_centres": sum(1 for c in here if c.is_cat3),
                "target_population": (
                    EMPTY
                    if district.target_population is None
                    else district.target_population
                ),
                "target_population_per_centre": ratio(
                    district.target_population, count, 1, RATIO_DIGITS
                ),
                "opening_hours_per_week": round(float(hours), RATIO_DIGITS),
                "evening_hours_per_week": _sum_hours(here, EVENINGS),
                "weekend_hours_per_week": _sum_hours(here, WEEKEND),
                "opening_hours_per_1000_target": per_1000(hours, target),
                "visits": n_visits,
                "unique_cards": unique_cards,
                "resident_cards": n_residents,
                "visits_per_1000_target": per_1000(n_visits, target),
                "resident_share": (
                    EMPTY if not target else round(n_residents / target, SHARE_DIGITS)
                ),
            }
        )
    return rows


def shown_ratios(row: Mapping, min_cell: int) -> dict:
    """Return a copy of coverage ``row`` with its ratios of person counts
    recomputed from the row's (perturbed) counts, and empty where a count is
    suppressed at ``min_cell`` (the counts themselves are left as they are)."""
    out = dict(row)
    target = row["target_population"]
    out["visits_per_1000_target"] = per_1000(row["visits"], target or None)
    out["resident_share"] = (
        EMPTY if not target else round(row["resident_cards"] / target, SHARE_DIGITS)
    )
    for column, count in COVERAGE_RATIOS.items():
        if is_suppressed(suppress(row[count], min_cell)):
            out[column] = EMPTY
    return out


def centre_rows(
    centres: Iterable[CentreInfo], visits: Mapping[str, tuple[int, int]]
) -> list[dict]:
    """Return one raw row per centre (ordered by slug) for the map's markers.

    :param visits: centre slug -> ``(visits, unique_cards)`` in the period.
    """
    rows = []
    for c in sorted(centres, key=lambda c: c.slug):
        n_visits, unique_cards = visits.get(c.slug, (0, 0))
        rows.append(
            {
                "centre": c.slug,
                "district": c.district_code,
                "latitude": EMPTY if c.lat is None else c.lat,
                "longitude": EMPTY if c.lon is None else c.lon,
                "active": int(c.is_active),
                "cat1": int(c.is_cat1),
                "cat2": int(c.is_cat2),
                "cat3": int(c.is_cat3),
                "opening_hours_per_week": round(
                    float(hours_per_week(c.intervals)), RATIO_DIGITS
                ),
                "evening_hours_per_week": _sum_hours([c], EVENINGS),
                "weekend_hours_per_week": _sum_hours([c], WEEKEND),
                "typical_daily_users": (
                    EMPTY if c.typical_daily_users is None else c.typical_daily_users
                ),
                "visits": n_visits,
                "unique_cards": unique_cards,
            }
        )
    return rows


def per_1000(value: float, target: int | None) -> float | str:
    """Return ``value`` per 1,000 of ``target``, or empty without a target."""
    if not target:
        return EMPTY
    return round(value * 1000 / target, RATIO_DIGITS)


def hours_within(
    intervals: Iterable[Sequence], windows: Iterable[tuple[int, int]]
) -> float:
    """Return the open hours a week inside ``windows`` (overlaps counted once).

    ``windows`` are ``[start, end)`` spans in seconds since Monday 00:00 within
    one week, e.g. :data:`EVENINGS`.
    """
    pieces = []
    for interval in intervals:
        start, end = week_span(interval)
        pieces.append((start, min(end, WEEK_SECONDS)))
        if end > WEEK_SECONDS:  # past Sunday midnight into Monday
            pieces.append((0, end - WEEK_SECONDS))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    seconds = sum(
        max(0, min(end, w_end) - max(start, w_start))
        for start, end in merged
        for w_start, w_end in windows
    )
    return seconds / 3600


def _sum_hours(centres: Iterable[CentreInfo], windows) -> float:
    total = sum(hours_within(c.intervals, windows) for c in centres)
    return round(float(total), RATIO_DIGITS)


def flow_rows(flows: Iterable[tuple[str | None, str, int, int]]) -> list[dict]:
    """Return raw flows rows from ``(home_code, centre_code, cards, visits)``.

    A missing home district becomes ``"unknown"``; rows are ordered by home
    district (``unknown`` last) and centre district.
    """
    ordered = sorted(
        (f for f in flows if f[3]),
        key=lambda f: (f[0] is None, natural_key(f[0] or ""), natural_key(f[1])),
    )
    return [
        {
            "home_district": home if home is not None else UNKNOWN,
            "centre_district": centre,
            "cards": cards,
            "visits": n_visits,
        }
        for home, centre, cards, n_visits in ordered
    ]


def natural_key(code: str) -> tuple:
    """Return a sort key that puts district codes "2" before "10" and after "1"."""
    return (0, int(code), code) if code.isdigit() else (1, 0, code)
