"""Coverage rows: active centres, categories, opening hours, ratios, flows."""

from datetime import time

from vaerested.services.coverage import (
    CentreInfo,
    DistrictInfo,
    coverage_rows,
    flow_rows,
    natural_key,
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
            "visits": 12,
            "unique_cards": 5,
            "resident_cards": 2,
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
            "visits": 8,
            "unique_cards": 4,
            "resident_cards": 0,
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
            "visits": 0,
            "unique_cards": 0,
            "resident_cards": 1,
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
