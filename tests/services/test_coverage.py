"""Coverage rows: active centres, categories, opening hours, ratios, flows."""

from datetime import time

import pytest

from vaerested.services.coverage import (
    EVENINGS,
    WEEKEND,
    CentreInfo,
    DistrictInfo,
    centre_rows,
    coverage_rows,
    flow_rows,
    hours_within,
    natural_key,
    shown_ratios,
)

T = time.fromisoformat


def test_coverage_rows_by_hand():
    centres = [
        # district 1: two active (10 h + 4 h past midnight), one inactive
        CentreInfo(
            "1",
            True,
            True,
            True,
            False,
            [(0, T("10:00"), T("16:00")), (2, T("10:00"), T("14:00"))],
        ),
        CentreInfo("1", True, True, False, False, [(1, T("22:00"), T("02:00"))]),
        CentreInfo("1", False, True, True, True, [(0, T("08:00"), T("20:00"))]),
        # district 2: one active centre open 24 h on Sunday, overlapping itself
        CentreInfo(
            "2",
            True,
            False,
            True,
            True,
            [(6, T("00:00"), T("00:00")), (6, T("10:00"), T("12:00"))],
        ),
    ]
    districts = [
        DistrictInfo("1", 1000),
        DistrictInfo("2", 301),
        DistrictInfo("3", None),
    ]
    rows = coverage_rows(
        districts, centres, {"1": (12, 5), "2": (8, 4)}, {"1": 2, "3": 1}
    )
    assert rows == [
        {
            "district": "1",
            "centres": 2,
            "cat1_centres": 2,
            "cat2_centres": 1,
            "cat3_centres": 0,
            "target_population": 1000,
            "target_population_per_centre": 500.0,
            "opening_hours_per_week": 14.0,
            "evening_hours_per_week": 2.0,
            "weekend_hours_per_week": 0.0,
            "opening_hours_per_1000_target": 14.0,
            "visits": 12,
            "unique_cards": 5,
            "resident_cards": 2,
            "visits_per_1000_target": 12.0,
            "resident_share": 0.002,
        },
        {
            "district": "2",
            "centres": 1,
            "cat1_centres": 0,
            "cat2_centres": 1,
            "cat3_centres": 1,
            "target_population": 301,
            "target_population_per_centre": 301.0,
            "opening_hours_per_week": 24.0,  # the overlap counts once
            "evening_hours_per_week": 0.0,
            "weekend_hours_per_week": 24.0,
            "opening_hours_per_1000_target": 79.73,
            "visits": 8,
            "unique_cards": 4,
            "resident_cards": 0,
            "visits_per_1000_target": 26.58,
            "resident_share": 0.0,
        },
        {
            "district": "3",
            "centres": 0,
            "cat1_centres": 0,
            "cat2_centres": 0,
            "cat3_centres": 0,
            "target_population": "",
            "target_population_per_centre": "",
            "opening_hours_per_week": 0.0,
            "evening_hours_per_week": 0.0,
            "weekend_hours_per_week": 0.0,
            "opening_hours_per_1000_target": "",
            "visits": 0,
            "unique_cards": 0,
            "resident_cards": 1,
            "visits_per_1000_target": "",
            "resident_share": "",
        },
    ]


def test_target_per_centre_rounds_to_two_decimals():
    centres = [CentreInfo("1", True, True, False, False)] * 3
    rows = coverage_rows([DistrictInfo("1", 1000)], centres, {}, {})
    assert rows[0]["target_population_per_centre"] == 333.33


def test_flow_rows_order_and_unknown():
    flows = [
        ("10", "2", 1, 1),
        (None, "1", 0, 3),
        ("2", "10", 2, 5),
        ("2", "1", 1, 2),
        ("FRB", "1", 0, 0),  # no visits: left out
    ]
    assert flow_rows(flows) == [
        {"home_district": "2", "centre_district": "1", "cards": 1, "visits": 2},
        {"home_district": "2", "centre_district": "10", "cards": 2, "visits": 5},
        {"home_district": "10", "centre_district": "2", "cards": 1, "visits": 1},
        {"home_district": "unknown", "centre_district": "1", "cards": 0, "visits": 3},
    ]


def test_natural_key():
    assert sorted(["10", "FRB", "2", "1"], key=natural_key) == ["1", "2", "10", "FRB"]


@pytest.mark.parametrize(
    ("interval", "evening", "weekend"),
    [
        ((0, "10:00", "16:00"), 0, 0),
        ((0, "17:00", "19:30"), 1.5, 0),
        ((4, "17:00", "02:00"), 6, 2),  # Friday night runs into Saturday
        ((5, "10:00", "22:00"), 0, 12),  # Saturday evening is weekend, not evening
        ((6, "22:00", "02:00"), 0, 2),  # Sunday night: Monday 00-02 is neither
        ((2, "00:00", "00:00"), 6, 0),  # 24 h on Wednesday
        ((6, "00:00", "00:00"), 0, 24),
    ],
)
def test_evening_and_weekend_hours(interval, evening, weekend):
    intervals = [(interval[0], T(interval[1]), T(interval[2]))]
    assert hours_within(intervals, EVENINGS) == evening
    assert hours_within(intervals, WEEKEND) == weekend


def test_evening_overlaps_count_once():
    intervals = [(0, T("17:00"), T("21:00")), (0, T("19:00"), T("23:00"))]
    assert hours_within(intervals, EVENINGS) == 5


def test_ratios_of_suppressed_counts_are_empty():
    row = coverage_rows(
        [DistrictInfo("1", 2000)],
        [CentreInfo("1", True, True, False, False)],
        {"1": (4, 3)},
        {"1": 7},
    )[0]
    assert (row["visits_per_1000_target"], row["resident_share"]) == (2.0, 0.0035)
    shown = shown_ratios(row, 5)
    assert shown["visits_per_1000_target"] == ""  # 4 visits: suppressed at 5
    assert shown["resident_share"] == 0.0035
    assert shown["visits"] == 4  # counts are suppressed later, not here
    assert shown_ratios(row, 1) == row
    zero = coverage_rows([DistrictInfo("1", 0)], [], {}, {})[0]
    assert zero["visits_per_1000_target"] == zero["resident_share"] == ""


def test_centre_rows():
    centres = [
        CentreInfo("2", False, False, True, True, [(5, T("10:00"), T("14:00"))], "zed"),
        CentreInfo(
            "1",
            True,
            True,
            False,
            False,
            [(0, T("16:00"), T("20:00"))],
            "alp",
            55.7,
            12.5,
            30,
        ),
    ]
    assert centre_rows(centres, {"alp": (9, 4)}) == [
        {
            "centre": "alp",
            "district": "1",
            "latitude": 55.7,
            "longitude": 12.5,
            "active": 1,
            "cat1": 1,
            "cat2": 0,
            "cat3": 0,
            "opening_hours_per_week": 4.0,
            "evening_hours_per_week": 2.0,
            "weekend_hours_per_week": 0.0,
            "typical_daily_users": 30,
            "visits": 9,
            "unique_cards": 4,
        },
        {
            "centre": "zed",
            "district": "2",
            "latitude": "",
            "longitude": "",
            "active": 0,
            "cat1": 0,
            "cat2": 1,
            "cat3": 1,
            "opening_hours_per_week": 4.0,
            "evening_hours_per_week": 0.0,
            "weekend_hours_per_week": 4.0,
            "typical_daily_users": "",
            "visits": 0,
            "unique_cards": 0,
        },
    ]
