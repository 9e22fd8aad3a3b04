"""File formats of the reports: CSV, Excel CSV, JSON, XLSX and the coverage GeoJSON.

- CSV: UTF-8 (no BOM), comma, a header row, ``\\n`` line ends; an empty value
  is an empty cell, a suppressed count is the text ``<5``. A text cell that a
  spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)
  gets a leading ``'``.
- JSON: one file per table holding a list of row objects; counts and ratios
  are numbers, a suppressed count the string ``"<5"``, an empty value ``null``.
- XLSX: one workbook per report (openpyxl): a first sheet "Om udtrækket",
  then one sheet per table; numbers are numeric cells, a suppressed count a
  text cell, an empty value no value; text is always a string cell, never a
  formula.
- GeoJSON: a FeatureCollection of the districts that have a boundary, each
  with its coverage row (JSON conventions) as properties plus the district's
  ``name`` and ``municipality``.
- ``csv_da`` (the "Excel (dansk)" CSV) and the XLSX are for people: Danish
  headers, names and labels (:mod:`vaerested.exports.human`).

``docs/exports.md`` is the contract of these files.

A protected table (min-cell 2 or more) carries the protection note
(:mod:`vaerested.reports.tables.notes`): the CSV and csv_da as a last line
``# …`` (the header is unchanged), the XLSX on its sheet "Om udtrækket", the
GeoJSON as a member ``note``; JSON files get it in ``NOTE.txt`` beside them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from vaerested.exports import human
from vaerested.exports.human import About
from vaerested.extensions import db
from vaerested.reports.tables import present
from vaerested.reports.tables.build import FORMATS, ReportError, report_of
from vaerested.reports.tables.notes import file_note
from vaerested.reports.tables.table import Table
from vaerested.services.spreadsheet import neutralise

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv_da": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


def _names(names):
    """Return ``names``, loaded from the database when not given."""
    return names if names is not None else present.load_names(db.session)


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


def geojson_text(table: Table, names=None) -> str | None:
    """Return the coverage map as GeoJSON text, or None when no district has one.

    Each feature's properties are the district's coverage row (the JSON
    conventions, codes as in the machine files) plus its ``name`` and
    ``municipality``.
    """
    names = _names(names)
    features = [
        {
            "type": "Feature",
            "id": row["district"],
            "geometry": table.geometries[row["district"]],
            "properties": {
                **{c: json_value(row[c]) for c in table.columns},
                "name": names.districts.get(row["district"]),
                "municipality": names.municipalities.get(row["district"]),
            },
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


def xlsx_bytes(tables: list[Table], names=None, about: About | None = None) -> bytes:
    """Return ``tables`` as the XLSX workbook ("Om udtrækket", then a sheet each)."""
    about = about or About(report=report_of(tables))
    return human.xlsx_bytes(tables, _names(names), about)


def csv_da_name(table: Table) -> str:
    """Return the file name of a table's csv_da file."""
    return f"{table.name}_da.csv"


def check_format(fmt: str, formats=FORMATS) -> None:
    """Raise :class:`ReportError` for a format code not in ``formats``."""
    if fmt not in formats:
        raise ReportError(f"unknown format {fmt!r}: choose one of {', '.join(formats)}")


def render(
    tables: list[Table],
    fmt: str,
    report: str,
    table_name: str | None = None,
    *,
    names=None,
    about: About | None = None,
) -> tuple[bytes, str, str]:
    """Return one downloadable file as ``(content, mimetype, filename)``.

    XLSX holds every table; CSV, csv_da and JSON hold ``table_name`` (default:
    the first table); ``geojson`` the coverage map (ValueError when there is
    none).

    :raises ReportError: on an unknown format (a ValueError too).
    """
    check_format(fmt, (*FORMATS, "geojson"))
    if fmt == "xlsx":
        about = about or About(report=report)
        return xlsx_bytes(tables, names, about), MIMETYPES[fmt], f"{report}.xlsx"
    by_name = {t.name: t for t in tables}
    table = by_name[table_name] if table_name else tables[0]
    if fmt == "csv":
        return csv_text(table).encode("utf-8"), MIMETYPES[fmt], f"{table.name}.csv"
    if fmt == "csv_da":
        data = human.csv_da_bytes(table, _names(names))
        return data, MIMETYPES[fmt], csv_da_name(table)
    if fmt == "json":
        return json_text(table).encode("utf-8"), MIMETYPES[fmt], f"{table.name}.json"
    text = geojson_text(by_name["coverage"], names) if "coverage" in by_name else None
    if text is None:
        raise ValueError("no district has a boundary")
    return text.encode("utf-8"), MIMETYPES[fmt], "coverage.geojson"


def write_files(
    tables: list[Table],
    fmt: str,
    out_dir: Path,
    prefix: str,
    report: str,
    *,
    names=None,
    about: About | None = None,
) -> list[Path]:
    """Write ``tables`` as ``fmt`` files into ``out_dir``; return their paths."""
    paths = []
    names = _names(names)

    def put(filename: str, data: bytes) -> None:
        path = out_dir / f"{prefix}{filename}"
        path.write_bytes(data)
        paths.append(path)

    if fmt == "xlsx":
        put(f"{report}.xlsx", xlsx_bytes(tables, names, about or About(report)))
    elif fmt == "csv_da":
        for table in tables:
            put(csv_da_name(table), human.csv_da_bytes(table, names))
    else:
        for table in tables:
            text = csv_text(table) if fmt == "csv" else json_text(table)
            put(f"{table.name}.{fmt}", text.encode("utf-8"))
        note = next((n for n in map(_note, tables) if n is not None), None)
        if fmt == "json" and note is not None:
            put("NOTE.txt", (note.replace(" / ", "\n") + "\n").encode("utf-8"))
    for table in tables:
        if table.name == "coverage" and table.geometries:
            text = geojson_text(table, names)
            if text is not None:
                put("coverage.geojson", text.encode("utf-8"))
    return paths


def write_report(
    tables: list[Table],
    fmt: str,
    out_dir: Path,
    *,
    basename_prefix: str = "",
    names=None,
    about: About | None = None,
) -> list[Path]:
    """Write ``tables`` into ``out_dir`` as ``fmt``; return the paths written.

    CSV and JSON give one file per table (``<prefix><table>.csv``), csv_da one
    per table (``<prefix><table>_da.csv``), XLSX one workbook per report
    (``<prefix><report>.xlsx``, "Om udtrækket" from ``about`` and a sheet per
    table). A coverage table whose districts have boundaries also gives
    ``<prefix>coverage.geojson``.

    :raises ReportError: on an unknown format or an unwritable directory.
    """
    check_format(fmt)
    out_dir = Path(out_dir)
    report = report_of(tables)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return write_files(
            tables, fmt, out_dir, basename_prefix, report, names=names, about=about
        )
    except OSError as error:
        raise ReportError(f"cannot write to {out_dir}: {error.strerror}") from error
