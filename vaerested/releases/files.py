"""A public release as files: CSV, JSON or XLSX, each marked as a public release.

The same conventions as the ordinary exports (vaerested.exports.formats): CSV
in UTF-8 with a header row and the note as a last line ``# …``; JSON as an
object ``{"public_release": {...}, "rows": [...]}``; XLSX one sheet per table
and a ``notes`` sheet with the method, bounds, ε and accuracy per table. Text
cells never become formulas.
"""

import csv
import io
import json

from vaerested.models.releases import PublicRelease
from vaerested.services.spreadsheet import is_formula_like, neutralise

#: Output table -> the accounting entries behind its counts.
SOURCES = {
    "mobility_matrix": ["matrix_cards", "matrix_transitions"],
    "mobility_months": ["month_active", "month_multi"],
    "centre_month_visits": ["centre_month_visits"],
    "centre_visits": ["centre_month_visits"],
    "district_flows": ["district_flows"],
}
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def note_lines(release: PublicRelease) -> list[str]:
    """Return the release's note (English: a file has no reader's language)."""
    lines = [
        f"PUBLIC RELEASE {release.id} with differential privacy (OpenDP, discrete "
        f"Laplace noise), period {release.period_start} to {release.period_end}, "
        f"epsilon {release.epsilon:.3f} (pure epsilon-DP, no delta).",
        "Privacy unit: one card (one person). Each card counts with at most "
        f"{release.max_transitions} transitions and {release.max_visits} visits "
        "(its first ones in time order; the rest are left out). Each tally "
        "visit counts as its own person in the visit tables; tallies take no part "
        "in mobility.",
        "Every cell is released, zeros included; noisy counts are rounded and "
        "clamped at 0; totals and the mobility index are computed from released "
        "cells only. Docs: docs/public-releases.md.",
    ]
    accounting = release.accounting
    for name, sources in SOURCES.items():
        for source in sources:
            a = accounting[source]
            lines.append(
                f"{name} ({source}): each cell within ±{a['accuracy']} of the bounded "
                f"count with 95 % confidence (epsilon {a['epsilon']:.3f}, "
                f"sensitivity {a['sensitivity']}, scale {a['scale']:.2f})."
            )
    return lines


def _columns(rows: list[dict]) -> list[str]:
    return list(rows[0]) if rows else []


def csv_text(release: PublicRelease, table: str) -> str:
    """Return one table as CSV, ending with the note."""
    rows = release.tables[table]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = _columns(rows)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else neutralise(row[c]) for c in columns])
    writer.writerow(["# " + " ".join(note_lines(release))])
    return buffer.getvalue()


def json_text(release: PublicRelease, table: str) -> str:
    """Return one table as JSON, with the release's facts beside the rows."""
    meta = {
        "id": release.id,
        "period": [release.period_start.isoformat(), release.period_end.isoformat()],
        "epsilon": release.epsilon,
        "max_transitions": release.max_transitions,
        "max_visits": release.max_visits,
        "accuracy_95": {s: release.accounting[s]["accuracy"] for s in SOURCES[table]},
        "note": note_lines(release),
    }
    body = {"public_release": meta, "rows": release.tables[table]}
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def xlsx_bytes(release: PublicRelease) -> bytes:
    """Return every table as an XLSX workbook with a ``notes`` sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in release.tables.items():
        sheet = workbook.create_sheet(title=name[:31])
        columns = _columns(rows)
        sheet.append(columns)
        for row in rows:
            sheet.append([row[c] for c in columns])
            for cell in sheet[sheet.max_row]:
                if is_formula_like(cell.value):
                    cell.data_type = "s"
    notes = workbook.create_sheet(title="notes")
    for line in note_lines(release):
        notes.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(release: PublicRelease, fmt: str, table: str) -> tuple[bytes, str, str]:
    """Return ``(content, mimetype, filename)`` of one download."""
    stem = f"public_release_{release.id}_"
    if fmt == "xlsx":
        return xlsx_bytes(release), MIMETYPES[fmt], f"{stem}tables.xlsx"
    if table not in SOURCES:
        raise ValueError(f"unknown table {table!r}")
    text = csv_text(release, table) if fmt == "csv" else json_text(release, table)
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown format {fmt!r}")
    return text.encode("utf-8"), MIMETYPES[fmt], f"{stem}{table}.{fmt}"
