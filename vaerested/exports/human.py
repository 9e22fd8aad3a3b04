"""The files a person opens: the "Excel (dansk)" CSV and the XLSX workbook.

Both are in Danish whatever the reader's interface language (a file goes on to
a committee or a colleague): Danish headers (:func:`present.header`), centre
and district names and Danish labels of codes (:func:`present.cell_value`).

- ``csv_da``: UTF-8 with a BOM, ``;`` between cells, ``\\r\\n`` line ends, a
  decimal comma (``0,1381``), whole numbers without a thousands separator
  (``29707``), dates as ``YYYY-MM-DD``; a suppressed count stays the text
  ``<5``, an empty value an empty cell; a protected table ends with the note
  line ``# …`` as the machine CSV does. Text that a spreadsheet would run as a
  formula gets a leading ``'``.
- XLSX: a first sheet "Om udtrækket" (report, period, filters, min-cell and
  protection, when and by whom it was made, every sheet's columns and their
  meaning), then one sheet per table named as the table (``visits``…) with
  real number cells formatted by kind (``#,##0``, ``#,##0.00`` with the
  column's decimals, ``0.0%``) and date cells (``dd-mm-yyyy``); text is always a string cell, never a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from vaerested.exports.definitions import definition
from vaerested.labels import REPORT_LABELS
from vaerested.reports.tables import present
from vaerested.reports.tables.notes import file_note, note_text
from vaerested.reports.tables.table import Table
from vaerested.services.spreadsheet import is_formula_like, neutralise

#: The language of the files a person opens.
FILE_LOCALE = "da"
#: Title of the XLSX's first sheet.
ABOUT_SHEET = "Om udtrækket"
#: Excel number formats by :func:`present.number_kind`.
NUMBER_FORMATS = {
    "int": "#,##0",
    "decimal": "#,##0.00",
    "percent": "0.0%",
    "date": "dd-mm-yyyy",
}


@dataclass(frozen=True)
class About:
    """What an export holds and where it came from (the XLSX's first sheet)."""

    report: str
    start: date | None = None
    end: date | None = None
    min_cell: int | None = None
    #: Slugs of the centres chosen (empty: all centres in reach).
    centres: tuple[str, ...] = ()
    district: str | None = None
    #: When the files were made (aware; shown in config ``TIMEZONE``).
    generated_dt: datetime | None = None
    #: The schedule whose run made them (its name), if any.
    schedule: str | None = None
    #: The staff user who asked for them (display name), if any; neither a
    #: schedule nor a user: the command line.
    user: str | None = None


def _protected(table: Table) -> bool:
    return table.min_cell is not None and table.min_cell >= 2


def _number_text(value) -> str:
    """Return a number as Danish Excel reads it: decimal comma, no grouping."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:.10f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return value


def _da_cell(table: Table, column: str, value, names) -> object:
    """Return one csv_da cell: presented, neutralised, numbers with a comma."""
    shown = present.cell_value(table.name, column, value, names)
    if shown is None:
        return ""
    if isinstance(shown, str):
        shown = neutralise(shown)
        if "\r" in shown:
            shown = shown.replace("\r\n", "\n").replace("\r", "\n")
        return shown
    if isinstance(shown, (int, float)):
        return _number_text(shown)
    return str(shown)


def csv_da_text(table: Table, names) -> str:
    """Return ``table`` as the "Excel (dansk)" CSV text (without the BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    with force_locale(FILE_LOCALE):
        writer.writerow(
            [neutralise(str(present.header(table.name, c))) for c in table.columns]
        )
        for row in table.rows:
            writer.writerow([_da_cell(table, c, row[c], names) for c in table.columns])
    if _protected(table):
        writer.writerow([f"# {file_note(table.min_cell)}"])
    return buffer.getvalue()


def csv_da_bytes(table: Table, names) -> bytes:
    """Return the csv_da file's bytes: UTF-8 with a BOM (Excel's cue for UTF-8)."""
    return csv_da_text(table, names).encode("utf-8-sig")


def _number_format(column: str, kind: str | None) -> str | None:
    """Return the Excel number format of a numeric cell of ``column``."""
    if kind == "decimal":
        # At least 2 decimals: the cell holds the file's value (2 or 4
        # decimals), which a page may round further.
        places = max(2, present.decimals(column) or 2)
        return "#,##0" + ("." + "0" * places if places else "")
    return NUMBER_FORMATS.get(kind or "")


def _xlsx_value(table: Table, column: str, value, names):
    """Return ``(value, number_format)`` of one XLSX cell."""
    if value is None or value == "":
        return None, None
    shown = present.cell_value(table.name, column, value, names)
    kind = present.number_kind(column)
    if kind == "date" and isinstance(shown, str) and len(shown) == 10:
        try:
            return date.fromisoformat(shown), NUMBER_FORMATS["date"]
        except ValueError:
            return shown, None
    if isinstance(shown, (int, float)) and not isinstance(shown, bool):
        return shown, _number_format(column, kind)
    return (None if shown is None else str(shown)), None


def _local_time(moment: datetime) -> str:
    """Return an aware moment in the app's time zone (config ``TIMEZONE``)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    text = format_datetime(moment, "medium", tzinfo=zone, locale=str(get_locale()))
    return f"{text} ({zone.key})"


def _period_text(about: About) -> str:
    from flask_babel import format_date

    if about.start is None or about.end is None:
        return _("not given")
    start, end = about.start, about.end
    return (
        f"{format_date(start, 'long')} – {format_date(end, 'long')} "
        f"({start.isoformat()} – {end.isoformat()})"
    )


def _filters_text(about: About, names) -> str:
    parts = []
    if about.centres:
        shown = [
            str(present.cell_value("visits", "centre", slug, names))
            for slug in about.centres
        ]
        parts.append(_("Centres: %(names)s", names=", ".join(shown)))
    if about.district:
        name = present.cell_value("coverage", "district", about.district, names)
        parts.append(_("District: %(name)s", name=name))
    return "; ".join(parts) if parts else _("None: all centres and districts")


def _protection_text(min_cell: int | None) -> str:
    if min_cell is None:
        return _("Raw cells (not protected)")
    if min_cell < 2:
        return _("None: raw counts (min-cell 1), for administration only")
    return note_text(min_cell, FILE_LOCALE)


def _generated_by(about: About) -> str:
    if about.schedule is not None and about.user is not None:
        return _(
            "Schedule “%(schedule)s”, run by %(user)s",
            schedule=about.schedule,
            user=about.user,
        )
    if about.schedule is not None:
        return _("Schedule “%(schedule)s”", schedule=about.schedule)
    if about.user is not None:
        return _("User %(user)s", user=about.user)
    return _("The command line (flask export)")


def about_rows(about: About, tables: list[Table], names) -> list[list]:
    """Return the rows of the "Om udtrækket" sheet (in the current locale)."""
    min_cell = about.min_cell
    if min_cell is None:
        min_cell = next((t.min_cell for t in tables if t.min_cell is not None), None)
    generated = _local_time(about.generated_dt) if about.generated_dt else ""
    rows = [
        [_("About this export")],
        [],
        [_("Report"), str(REPORT_LABELS.get(about.report, about.report))],
        [_("Period"), _period_text(about)],
        [_("Filters chosen"), _filters_text(about, names)],
        [_("Smallest count shown (min-cell)"), min_cell],
        [_("Protection method"), _protection_text(min_cell)],
        [_("Made on"), generated],
        [_("Made by"), _generated_by(about)],
        [],
        [_("Sheet (table)"), _("Column heading"), _("Code"), _("What it means")],
    ]
    for table in tables:
        label = str(present.table_label(table.name))
        rows.append([table.name, label])
        for column in table.columns:
            rows.append(
                [
                    table.name,
                    str(present.header(table.name, column)),
                    column,
                    definition(column),
                ]
            )
    return rows


def _text_cells(cells) -> None:
    """Keep text cells text: openpyxl takes a string starting "=" for a formula."""
    for cell in cells:
        if is_formula_like(cell.value):
            cell.data_type = "s"


def _about_sheet(workbook, about: About, tables: list[Table], names) -> None:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title=ABOUT_SHEET)
    for row in about_rows(about, tables, names):
        sheet.append(row)
        _text_cells(sheet[sheet.max_row])
    sheet["A1"].font = Font(bold=True, size=14)
    for letter, width in (("A", 28), ("B", 40), ("C", 28), ("D", 60)):
        sheet.column_dimensions[letter].width = width


def _table_sheet(workbook, table: Table, names) -> None:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title=table.name[:31])
    headers = [str(present.header(table.name, c)) for c in table.columns]
    sheet.append(headers)
    _text_cells(sheet[1])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        values = [_xlsx_value(table, c, row[c], names) for c in table.columns]
        sheet.append([value for value, _format in values])
        for cell, (_value, number_format) in zip(
            sheet[sheet.max_row], values, strict=True
        ):
            if number_format:
                cell.number_format = number_format
            else:
                _text_cells([cell])
    for index, text in enumerate(headers, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, min(40, len(text))) + 2
    sheet.freeze_panes = "A2"


def xlsx_bytes(tables: list[Table], names, about: About) -> bytes:
    """Return ``tables`` as the Danish XLSX: "Om udtrækket", then a sheet each."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    with force_locale(FILE_LOCALE):
        _about_sheet(workbook, about, tables, names)
        for table in tables:
            _table_sheet(workbook, table, names)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
