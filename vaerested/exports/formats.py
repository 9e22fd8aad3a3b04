"""File formats of the reports: CSV, JSON, XLSX and the coverage GeoJSON.

- CSV: UTF-8 (no BOM), comma, a header row, ``\\n`` line ends; an empty value
  is an empty cell, a suppressed count is the text ``<5``. A text cell that a
  spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)
  gets a leading ``'``.
- JSON: one file per table holding a list of row objects; counts and ratios
  are numbers, a suppressed count the string ``"<5"``, an empty value ``null``.
- XLSX: one workbook per report with one sheet per table (openpyxl); numbers
  are numeric cells, a suppressed count a text cell, an empty value no value;
  text is always a string cell, never a formula.
- GeoJSON: a FeatureCollection of the districts that have a boundary, each
  with its coverage row (JSON conventions) as properties.

A protected table (min-cell 2 or more) carries the protection note
(:mod:`vaerested.reports.tables.notes`): the CSV as a last line ``# …`` (the header
is unchanged), the XLSX as a last sheet ``notes``, the GeoJSON as a member
``note``; JSON files get it in ``NOTE.txt`` beside them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from vaerested.reports.tables.build import FORMATS, ReportError, report_of
from vaerested.reports.tables.notes import file_note
from vaerested.reports.tables.table import Table
from vaerested.services.spreadsheet import is_formula_like, neutralise

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


def json_value(value):
    """Return a cell as a JSON value: ``""`` and None become null."""
    return None if value is None or value == "" else value


def _note(table: Table) -> str | None:
    """Return the protection note of a protected table, else None."""
    protected = table.min_cell is not None and table.min_cell >= 2
    return file_note(table.min_cell) if protected else None


def _csv_cell(value):
    """Return a CSV cell: no formula, and a CR as a line feed (the writer only
    quotes a cell with the ``\\n`` line end, so a bare CR would split the row)."""
    if value is None:
        return ""
    value = neutralise(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def csv_text(table: Table) -> str:
    """Return ``table`` as CSV text (a protected table ends with its note)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(row[c]) for c in table.columns])
    note = _note(table)
    if note is not None:
        writer.writerow([f"# {note}"])
    return buffer.getvalue()


def json_text(table: Table) -> str:
    """Return ``table`` as a JSON list of row objects."""
    rows = [{c: json_value(row[c]) for c in table.columns} for row in table.rows]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def geojson_text(table: Table) -> str | None:
    """Return the coverage map as GeoJSON text, or None when no district has one."""
    features = [
        {
            "type": "Feature",
            "id": row["district"],
            "geometry": table.geometries[row["district"]],
            "properties": {c: json_value(row[c]) for c in table.columns},
        }
        for row in table.rows
        if row.get("district") in table.geometries
    ]
    if not features:
        return None
    collection = {"type": "FeatureCollection", "features": features}
    note = _note(table)
    if note is not None:
        collection["note"] = note
    return json.dumps(collection) + "\n"


def xlsx_bytes(tables: list[Table]) -> bytes:
    """Return ``tables`` as an XLSX workbook, one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([json_value(row[c]) for c in table.columns])
            for cell in sheet[sheet.max_row]:
                if is_formula_like(cell.value):
                    cell.data_type = "s"  # openpyxl took "=…" for a formula
        sheet.freeze_panes = "A2"
    note = next((n for n in map(_note, tables) if n is not None), None)
    if note is not None:
        sheet = workbook.create_sheet(title="notes")
        for line in note.split(" / "):
            sheet.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(
    tables: list[Table], fmt: str, report: str, table_name: str | None = None
) -> tuple[bytes, str, str]:
    """Return one downloadable file as ``(content, mimetype, filename)``.

    XLSX holds every table; CSV and JSON hold ``table_name`` (default: the
    first table); ``geojson`` the coverage map (ValueError when there is none).
    """
    if fmt == "xlsx":
        return xlsx_bytes(tables), MIMETYPES[fmt], f"{report}.xlsx"
    by_name = {t.name: t for t in tables}
    table = by_name[table_name] if table_name else tables[0]
    if fmt == "csv":
        return csv_text(table).encode("utf-8"), MIMETYPES[fmt], f"{table.name}.csv"
    if fmt == "json":
        return json_text(table).encode("utf-8"), MIMETYPES[fmt], f"{table.name}.json"
    if fmt == "geojson":
        text = geojson_text(by_name["coverage"]) if "coverage" in by_name else None
        if text is None:
            raise ValueError("no district has a boundary")
        return text.encode("utf-8"), MIMETYPES[fmt], "coverage.geojson"
    raise ValueError(f"unknown format {fmt!r}")


def write_files(
    tables: list[Table], fmt: str, out_dir: Path, prefix: str, report: str
) -> list[Path]:
    """Write ``tables`` as ``fmt`` files into ``out_dir``; return their paths."""
    paths = []

    def put(filename: str, data: bytes) -> None:
        path = out_dir / f"{prefix}{filename}"
        path.write_bytes(data)
        paths.append(path)

    if fmt == "xlsx":
        put(f"{report}.xlsx", xlsx_bytes(tables))
    else:
        for table in tables:
            text = csv_text(table) if fmt == "csv" else json_text(table)
            put(f"{table.name}.{fmt}", text.encode("utf-8"))
        note = next((n for n in map(_note, tables) if n is not None), None)
        if fmt == "json" and note is not None:
            put("NOTE.txt", (note.replace(" / ", "\n") + "\n").encode("utf-8"))
    for table in tables:
        if table.name == "coverage" and table.geometries:
            text = geojson_text(table)
            if text is not None:
                put("coverage.geojson", text.encode("utf-8"))
    return paths


def write_report(
    tables: list[Table], fmt: str, out_dir: Path, *, basename_prefix: str = ""
) -> list[Path]:
    """Write ``tables`` into ``out_dir`` as ``fmt``; return the paths written.

    CSV and JSON give one file per table (``<prefix><table>.csv``), XLSX one
    workbook per report (``<prefix><report>.xlsx``, a sheet per table). A
    coverage table whose districts have boundaries also gives
    ``<prefix>coverage.geojson``.

    :raises ReportError: on an unknown format or an unwritable directory.
    """
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return write_files(tables, fmt, out_dir, basename_prefix, report_of(tables))
    except OSError as error:
        raise ReportError(f"cannot write to {out_dir}: {error.strerror}") from error
