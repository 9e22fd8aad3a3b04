"""The presentation layer of the report tables (vaerested.reports.tables.present).

Every column of every registered table has a label that reads as words (not
``snake_case``) in Danish and English; every coded value of the golden data
(and every member of the enums behind them) has a label; slugs and district
codes become names; numbers and dates are written for the locale.
"""

from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale

from tests.test_reports import golden_world, read_csv
from vaerested.labels import (
    COLUMN_LABELS,
    TABLE_LABELS,
    TABLE_VALUE_LABELS,
    VALUE_LABELS,
)
from vaerested.models import FirstCame, Housing
from vaerested.reports.tables import dashboard
from vaerested.reports.tables import present as p
from vaerested.reports.tables.build import COLUMNS, REPORTS
from vaerested.services import coverage

GOLDEN = Path(__file__).parent / "data" / "golden"
LOCALES = ["da", "en"]
ALL_TABLES = [t for tables in REPORTS.values() for t in tables]


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def golden_rows(table: str) -> list[dict]:
    rows = []
    for folder in ("min_cell_1", "min_cell_3"):
        rows += read_csv(GOLDEN / folder / f"{table}.csv")
    return rows


def test_every_table_is_registered_in_columns():
    assert sorted(ALL_TABLES) == sorted(COLUMNS)
    assert set(TABLE_LABELS) == set(COLUMNS)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_column_has_a_label_in_words(ctx, locale):
    with force_locale(locale):
        for table, columns in COLUMNS.items():
            for column in columns:
                assert column in COLUMN_LABELS, (table, column)
                label = p.header(table, column)
                assert label and label != column, (table, column)
                assert not p.is_snake_case(label), (table, column, label)
                assert "_" not in label, (table, column, label)


def test_danish_labels_are_danish(ctx):
    with force_locale("da"):
        assert p.header("dashboard_centres", "visits_vs_typical") == (
            "I forhold til typisk antal brugere"
        )
        assert p.header("visits", "centre") == "Værested"
        assert p.header("new_cards", "cards") == "Nye kort"
        assert p.table_label("dashboard_weeks") == "Uger"
    with force_locale("en"):
        assert p.header("new_cards", "cards") == "New cards"
        assert p.table_label("dashboard_weeks") == "Weeks"
        assert p.header("visits", "tally_visits") == "Visits without a card"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_table_has_a_title_in_words(ctx, locale):
    with force_locale(locale):
        for table in COLUMNS:
            title = p.table_label(table)
            assert title != table and not p.is_snake_case(title), table
            assert ".csv" not in title


def test_every_coded_value_in_the_golden_data_has_a_label(ctx):
    seen = 0
    with force_locale("da"):
        for table, columns in COLUMNS.items():
            for row in golden_rows(table):
                for column in columns:
                    value = row[column]
                    if column not in VALUE_LABELS or value == "":
                        continue
                    shown = p.cell_value(table, column, value, p.Names())
                    assert shown != value, (table, column, value)
                    assert not p.is_snake_case(str(shown)), (table, column, shown)
                    seen += 1
    assert seen > 10  # the golden data has housing, categories, active, cat1..3


def test_every_code_the_builders_can_write_has_a_label(ctx):
    # new_cards has no rows in the golden data: its codes are the enum's and unknown.
    with force_locale("da"):
        for value in [*(m.value for m in FirstCame), dashboard.UNKNOWN]:
            assert p.cell_value("new_cards", "first_came", value, p.Names()) != value
        for value in [*(m.value for m in Housing), dashboard.UNKNOWN]:
            assert p.cell_value("housing", "housing", value, p.Names()) != value
        assert p.cell_value("housing", "housing", "unknown", p.Names()) == "Ukendt"
        assert p.cell_value("housing", "housing", "own_home", p.Names()) == "Egen bolig"
        for n in dashboard.CATEGORIES:
            assert p.cell_value("activity_categories", "category", n, p.Names()) == (
                f"Kategori {n}"
            )
        assert p.cell_value("flows", "home_district", coverage.UNKNOWN, p.Names()) == (
            "Ukendt"
        )
        assert p.cell_value("coverage_centres", "cat2", 1, p.Names()) == "Ja"
        assert p.cell_value("coverage_centres", "active", "0", p.Names()) == "Nej"
    with force_locale("en"):
        assert p.cell_value("new_cards", "first_came", "own_initiative", p.Names()) == (
            "On own initiative"
        )


def test_slugs_and_codes_become_names(db, ctx):
    golden_world()
    db.session.flush()
    names = p.load_names(db.session)
    for table, columns in COLUMNS.items():
        for row in golden_rows(table):
            for column in set(columns) & (p.CENTRE_COLUMNS | p.DISTRICT_COLUMNS):
                value = row[column]
                shown = p.cell_value(table, column, value, names)
                if column in p.CENTRE_COLUMNS:
                    assert shown == names.centres[value] != value
                elif value != "unknown":
                    assert shown == names.districts[value] != value
    assert set(names.municipalities.values()) == {"København"}


def test_numbers_dates_and_markers(ctx):
    names = p.Names({"alpha": "Æblehaven"}, {"1": "Indre By"})
    with force_locale("da"):
        assert p.display("coverage", "target_population", 29707, names) == "29.707"
        assert p.display("mobility_summary", "mobility_index", 0.1381, names) == "0,14"
        assert p.display("coverage", "visits_per_1000_target", 371.43, names) == (
            "371,4"
        )
        assert p.display("coverage", "resident_share", 0.1381, names) == "13,8 %"
        assert p.display("visits", "date", "2026-12-02", names) == "2. dec. 2026"
        assert p.display("mobility_months", "month", "2026-12", names) == "dec. 2026"
        assert p.display("visits", "centre", "alpha", names) == "Æblehaven"
        assert p.display("flows", "home_district", "1", names) == "Indre By"
        assert p.display("visits", "visits", "<5", names) == "<5"
        assert p.display("coverage", "resident_share", "", names) == ""
        assert p.format_value(date(2026, 11, 30), "day") == "30. nov."
    with force_locale("en"):
        assert p.display("coverage", "target_population", 29707, names) == "29,707"
        assert p.display("mobility_summary", "mobility_index", 0.1381, names) == "0.14"
        assert p.display("visits", "date", "2026-12-02", names) == "Dec 2, 2026"
        assert p.display("visits", "visits", "<5", names) == "<5"
        assert p.format_value(date(2026, 11, 30), "day") == "Nov 30"


def test_number_kinds_cover_every_number_column():
    text = p.CENTRE_COLUMNS | p.DISTRICT_COLUMNS | p.MONTH_COLUMNS | set(VALUE_LABELS)
    text |= p.TEXT_COLUMNS
    text |= {column for _table, column in TABLE_VALUE_LABELS}
    for table, columns in COLUMNS.items():
        for column in columns:
            kind = p.number_kind(column)
            assert kind in {"int", "decimal", "percent", "date"} or column in text, (
                table,
                column,
            )
            if kind == "decimal":
                assert p.decimals(column) is not None, column
    # Values unchanged: cell_value never formats.
    assert p.cell_value("coverage", "target_population", 29707, p.Names()) == 29707
