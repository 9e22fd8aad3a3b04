"""Formula neutralisation in every CSV and XLSX the app writes (issue #11)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from vaerested.exports.formats import csv_text, render, write_files
from vaerested.reports.tables.build import Table
from vaerested.services.spreadsheet import neutralise

HOSTILE = ["=1+2", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -0.25, 0, 17, "<5", "Nørrebro", "", None, "a=b"])
def test_other_values_are_unchanged(value):
    assert neutralise(value) == value


def _table() -> Table:
    rows = [
        {"district": code, "name": f"Bydel {i}", "visits": 10 + i, "change": -3}
        for i, code in enumerate(HOSTILE)
    ]
    rows.append({"district": "7", "name": "Plain", "visits": "<5", "change": None})
    return Table("coverage", ["district", "name", "visits", "change"], rows)


def test_csv_cells_are_neutralised_and_numbers_stay_numbers():
    parsed = list(csv.reader(io.StringIO(csv_text(_table()), newline="")))
    assert parsed[0] == ["district", "name", "visits", "change"]
    # A CR inside a cell is written as a line feed, so it stays in its row.
    expected = ["'" + t.replace("\r", "\n") for t in HOSTILE]
    assert [r[0] for r in parsed[1:-1]] == expected
    assert [r[3] for r in parsed[1:-1]] == ["-3"] * len(HOSTILE)
    assert parsed[-1] == ["7", "Plain", "<5", ""]


def test_xlsx_cells_are_strings_never_formulas(app):
    # The XLSX is written for people: its labels need the app's translations.
    content, _mimetype, _name = render([_table()], "xlsx", "coverage")
    sheet = load_workbook(io.BytesIO(content))["coverage"]
    cells = [sheet.cell(row=n, column=1) for n in range(2, 2 + len(HOSTILE))]
    # XML turns a CR into a line feed; the text stays text.
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in HOSTILE]
    assert {c.data_type for c in cells} == {"s"}
    numbers = [sheet.cell(row=n, column=4) for n in range(2, 2 + len(HOSTILE))]
    assert [c.value for c in numbers] == [-3] * len(HOSTILE)
    assert {c.data_type for c in numbers} == {"n"}


def test_scheduled_files_are_neutralised_too(app, tmp_path):
    (path,) = write_files([_table()], "csv", tmp_path, "p_", "coverage")
    assert path.read_text(encoding="utf-8").splitlines()[1].startswith("'=1+2,")
    (xlsx,) = write_files([_table()], "xlsx", tmp_path, "p_", "coverage")
    sheet = load_workbook(xlsx)["coverage"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=1+2"
