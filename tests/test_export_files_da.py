"""The files a person opens: the "Excel (dansk)" CSV, the Danish XLSX, GeoJSON names.

The data set is tests/test_reports.py's ``golden_world`` with Danish names
given to its centres and districts, so a name can be told from a slug or code:
alpha "Æblehaven", beta "Bøgen", gamma "Gåsetårnet", delta "Delta-huset";
districts 1 "Østerbro", 2 "Nørrebro", 3 "Vanløse" (municipality København,
district 1 in "Frederiksberg" to see the municipality is the district's own).
"""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.test_reports import END, GOLDEN, START, golden_world, read_csv
from vaerested.exports.formats import render, write_report
from vaerested.exports.human import ABOUT_SHEET, About
from vaerested.models import District
from vaerested.reports.tables.build import COLUMNS, REPORTS, build_report
from vaerested.reports.tables.present import is_snake_case

CENTRE_NAMES = {
    "alpha": "Æblehaven",
    "beta": "Bøgen",
    "gamma": "Gåsetårnet",
    "delta": "Delta-huset",
}
DISTRICT_NAMES = {"1": "Østerbro", "2": "Nørrebro", "3": "Vanløse"}
CENTRE_COLUMNS = {"centre", "from_centre", "to_centre"}
DISTRICT_COLUMNS = {"district", "home_district", "centre_district"}
#: The Danish headers of the visits table, written out by hand.
VISITS_HEADER_DA = ["Dato", "Værested", "Besøg", "Besøg med kort", "Besøg uden kort"]


def named_world(db):
    centres = golden_world()
    for slug, centre in centres.items():
        centre.name = CENTRE_NAMES[slug]
    for district in db.session.query(District):
        district.name = DISTRICT_NAMES[district.code]
        if district.code == "1":
            district.municipality = "Frederiksberg"
    db.session.commit()
    return centres


def read_da_csv(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    """Return (header, rows, note lines) of a csv_da file, checking its BOM."""
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    notes = [r for r in rows if r and r[0].startswith("# ")]
    data_rows = [r for r in rows[1:] if r not in notes]
    return rows[0], data_rows, [r[0] for r in notes]


def danish_number(text: str) -> Decimal:
    """Read a number as Danish Excel does: ``,`` decimal; no thousands sign here."""
    assert "." not in text, text
    return Decimal(text.replace(",", "."))


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


@pytest.mark.parametrize("report", list(REPORTS))
def test_csv_da_reads_in_danish_and_matches_the_machine_csv(
    app, db, runner, tmp_path, report
):
    named_world(db)
    for fmt in ("csv", "csv_da"):
        result = runner.invoke(
            args=[
                "export", report, "--from", "2024-01-08", "--to", "2024-01-10",
                "--format", fmt, "--out", str(tmp_path / fmt), "--min-cell", "3",
            ]
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    for name in REPORTS[report]:
        machine = read_csv(tmp_path / "csv" / f"{name}.csv")
        header, rows, notes = read_da_csv(
            (tmp_path / "csv_da" / f"{name}_da.csv").read_bytes()
        )
        # The same rows in the same order, one Danish header per column.
        assert len(header) == len(COLUMNS[name])
        assert not any(is_snake_case(h) for h in header), header
        assert len(rows) == len(machine), name
        # The protection note is the last line, as in the machine CSV.
        assert len(notes) == 1 and "Tallene er beskyttede" in notes[0]
        for da_row, row in zip(rows, machine, strict=True):
            for column, da in zip(COLUMNS[name], da_row, strict=True):
                value = row[column]
                if column in CENTRE_COLUMNS:
                    assert da == CENTRE_NAMES[value]
                elif column in DISTRICT_COLUMNS:
                    assert da == DISTRICT_NAMES.get(value, "Ukendt")
                elif value in ("", "<3"):
                    assert da == value
                elif not _is_number(value) or "_" in value:  # a date, month, label
                    assert da == value or not is_snake_case(da), (column, da)
                elif column in {"active", "cat1", "cat2", "cat3", "partial"}:
                    assert da == {"1": "Ja", "0": "Nej"}[value]
                elif column == "category":
                    assert da == f"Kategori {value}"
                else:
                    assert danish_number(da) == Decimal(value), (column, da, value)


def test_csv_da_headers_and_a_decimal_comma_by_hand(app, db, runner, tmp_path):
    named_world(db)
    tables = build_report("visits", START, END, min_cell=1)
    data, mimetype, filename = render(tables, "csv_da", "visits")
    assert filename == "visits_da.csv" and mimetype.startswith("text/csv")
    header, rows, notes = read_da_csv(data)
    assert header == VISITS_HEADER_DA
    assert notes == []  # min-cell 1: raw counts, no protection note
    # Jan 8 at alpha: c1, c2 and two tallies (test_reports' golden visits.csv).
    assert rows[0] == ["2024-01-08", "Æblehaven", "4", "2", "2"]
    # coverage: district 2 has 40 opening hours for a target of 300:
    # 40 / 300 * 1000 = 133.33 per 1,000, written 133,33.
    coverage = build_report("coverage", START, END, min_cell=1)
    _h, rows, _n = read_da_csv(render(coverage, "csv_da", "coverage")[0])
    district_2 = next(r for r in rows if r[0] == "Nørrebro")
    assert "133,33" in district_2
    golden = (GOLDEN / "min_cell_1" / "visits.csv").read_bytes()
    assert data.count(b"\r\n") == golden.count(b"\n")  # Excel's line ends


def test_csv_da_neutralises_formulas(app, db, tmp_path):
    centres = named_world(db)
    centres["alpha"].name = '=HYPERLINK("http://x")'
    centres["beta"].name = "+1+2"
    centres["gamma"].name = "@SUM(A1)"
    db.session.commit()
    tables = build_report("visits", START, END, min_cell=1)
    header, rows, _notes = read_da_csv(render(tables, "csv_da", "visits")[0])
    shown = {r[1] for r in rows}
    assert '\'=HYPERLINK("http://x")' in shown
    assert "'+1+2" in shown and "'@SUM(A1)" in shown
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row if cell)


def test_xlsx_about_sheet_names_period_and_protection(app, db, tmp_path):
    named_world(db)
    tables = build_report("mobility", START, END, min_cell=3)
    about = About(
        report="mobility",
        start=START,
        end=END,
        min_cell=3,
        centres=("alpha",),
        generated_dt=datetime(2024, 2, 1, 8, 0, tzinfo=UTC),
        schedule="Månedlig mobilitet",
    )
    paths = write_report(tables, "xlsx", tmp_path, about=about)
    workbook = load_workbook(paths[0])
    assert workbook.sheetnames == [ABOUT_SHEET, *REPORTS["mobility"]]
    first = workbook.worksheets[0]
    assert first.title == "Om udtrækket"
    pairs = {
        r[0]: r[1] for r in first.iter_rows(values_only=True) if r and r[0] and r[1]
    }
    assert pairs["Rapport"] == "Mobilitet mellem væresteder"
    assert (
        "8. januar 2024" in pairs["Periode"] and "10. januar 2024" in pairs["Periode"]
    )
    assert "2024-01-08" in pairs["Periode"]
    assert pairs["Mindste viste antal (mindste celle)"] == 3
    assert "Tallene er beskyttede" in pairs["Beskyttelse"]
    assert "<3" in pairs["Beskyttelse"]
    assert "Æblehaven" in pairs["Filtre"]
    assert "Månedlig mobilitet" in pairs["Dannet af"]
    assert "2024" in pairs["Dannet"]
    # Every column of every sheet is defined there, by its Danish header and code.
    rows = list(first.iter_rows(values_only=True))
    defined = {(r[0], r[2]) for r in rows if len(r) > 3 and r[2] and r[3]}
    for table in tables:
        for column in table.columns:
            assert (table.name, column) in defined, (table.name, column)


def test_xlsx_numbers_formats_and_names(app, db, tmp_path):
    named_world(db)
    tables = build_report("coverage", START, END, min_cell=1)
    paths = write_report(tables, "xlsx", tmp_path)
    workbook = load_workbook(paths[0])
    sheet = workbook["coverage"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Bydel" and not any(is_snake_case(h) for h in header)
    row = {h: c for h, c in zip(header, sheet[3], strict=True)}  # district 2
    assert row["Bydel"].value == "Nørrebro"
    visits = row["Besøg"]
    assert visits.value == 8 and visits.number_format == "#,##0"
    per_1000 = next(c for h, c in row.items() if "1.000" in h and "Åbningstimer" in h)
    assert per_1000.value == pytest.approx(133.33)
    assert per_1000.number_format == "#,##0.00"
    share = next(c for h, c in row.items() if "andel" in h.lower())
    assert share.number_format == "0.0%"
    visits_book = load_workbook(
        write_report(build_report("visits", START, END, min_cell=1), "xlsx", tmp_path)[
            0
        ]
    )
    day = visits_book["visits"]["A2"]
    assert isinstance(day.value, datetime) and day.value.date() == date(2024, 1, 8)
    assert visits_book["visits"]["B2"].value == "Æblehaven"


def test_geojson_features_carry_name_municipality_and_figures(app, db, tmp_path):
    import json

    named_world(db)
    tables = build_report("coverage", START, END, min_cell=1)
    paths = write_report(tables, "csv", tmp_path)
    geo = json.loads(next(p for p in paths if p.suffix == ".geojson").read_text())
    (feature,) = geo["features"]
    props = feature["properties"]
    assert feature["id"] == "1" and props["district"] == "1"
    assert props["name"] == "Østerbro"
    assert props["municipality"] == "Frederiksberg"
    expected = read_csv(GOLDEN / "min_cell_1" / "coverage.csv")[0]
    assert str(props["visits"]) == expected["visits"]
    assert str(props["unique_cards"]) == expected["unique_cards"]


def test_bad_format_is_refused(app, db, runner, tmp_path, client, auth):
    named_world(db)
    result = runner.invoke(
        args=[
            "export", "visits", "--from", "2024-01-08", "--to", "2024-01-10",
            "--format", "pdf", "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "unknown format 'pdf'" in result.output and "csv_da" in result.output
    auth.login_as("admin")
    response = client.get(
        "/reports/download?report=visits&format=pdf&start=2024-01-08&end=2024-01-10"
    )
    assert response.status_code == 400
    assert b"csv_da" in response.data


def test_page_download_csv_da_is_danish_in_an_english_interface(app, db, client, auth):
    named_world(db)
    auth.login_as("admin")
    url = "/reports/download?report=visits&format=csv_da&table=visits"
    url += "&start=2024-01-08&end=2024-01-10"
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert (
        "2024-01-08_2024-01-10_visits_da.csv" in response.headers["Content-Disposition"]
    )
    header, rows, notes = read_da_csv(response.data)
    assert header == VISITS_HEADER_DA
    assert notes and "Tallene er beskyttede" in notes[0]
    page = client.get(
        "/reports/visits?start=2024-01-08&end=2024-01-10",
        headers={"Accept-Language": "en"},
    )
    assert b"format=csv_da" in page.data


def test_scheduled_csv_da_and_xlsx_runs(app, db, monkeypatch):
    from pathlib import Path

    from tests.test_export_schedules import NOW, add_february_visits, make_schedule
    from vaerested.exports import jobs
    from vaerested.exports.jobs import run_export_tick
    from vaerested.models import ExportRun

    monkeypatch.setattr(jobs, "utcnow", lambda: NOW)
    add_february_visits(db)
    make_schedule(db, format="csv_da", name="Besøg til udvalget")
    make_schedule(db, format="xlsx", name="Besøg som regneark")
    assert run_export_tick(app)["succeeded"] == 2
    db.session.expire_all()
    runs = {r.format.value: r for r in db.session.query(ExportRun)}
    root = Path(app.instance_path) / "exports"
    assert runs["csv_da"].files == [
        f"{runs['csv_da'].id}/2026-02-01_2026-02-28_visits_da.csv"
    ]
    header, rows, notes = read_da_csv((root / runs["csv_da"].files[0]).read_bytes())
    assert header == VISITS_HEADER_DA
    # Run at the floor (min-cell 5): "<5", and the protection note last.
    assert rows == [["2026-02-10", rows[0][1], "<5", "<5", "<5"]]
    assert rows[0][1] != "alpha"  # the centre's name, not its slug
    assert notes and notes[0].startswith("# Tallene er beskyttede")
    workbook = load_workbook(root / runs["xlsx"].files[0])
    about = {
        r[0]: r[1]
        for r in workbook[ABOUT_SHEET].iter_rows(values_only=True)
        if r and r[0] and r[1]
    }
    assert about["Dannet af"] == "Planlagt eksport “Besøg som regneark”"
    assert "2026-02-01 – 2026-02-28" in about["Periode"]
    assert about["Mindste viste antal (mindste celle)"] == 5


def test_run_now_and_schedule_forms_offer_csv_da(app, db, client, auth):
    auth.login_as("admin")
    for url in ("/reports/runs/new", "/reports/schedules/new"):
        html = client.get(url, headers={"Accept-Language": "da"}).get_data(as_text=True)
        assert 'value="csv_da"' in html, url
