"""Geographic coverage: combine per-district aggregates into coverage rows.

Counts of visits and cards (``visits``, ``unique_cards``, ``resident_cards``
and the flows' ``cards`` and ``visits``) are about persons and get suppressed
later. ``centres``, ``cat*_centres``, ``target_population`` and
``opening_hours_per_week`` describe the offer, not persons, and are not.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from vaerested.services.opening_hours import hours_per_week
from vaerested.services.suppression import EMPTY, ratio

#: Decimals of ``target_population_per_centre`` and ``opening_hours_per_week``.
RATIO_DIGITS = 2
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
    "visits",
    "unique_cards",
    "resident_cards",
]
COVERAGE_COUNTS = ["visits", "unique_cards", "resident_cards"]
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
        n_visits, unique_cards = visits.get(district.code, (0, 0))
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
                "visits": n_visits,
                "unique_cards": unique_cards,
                "resident_cards": residents.get(district.code, 0),
            }
        )
    return rows


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
