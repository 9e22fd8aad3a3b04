"""Report rows as the pages show them, for tests comparing pages with files.

A page shows a file's rows through :mod:`vaerested.reports.tables.present`:
labels, centre and district names, numbers and dates in the page's locale
(Danish unless the user chose English). These helpers turn a file's rows
(strings, as read from the CSV) into those cells, so a test can still check
that every page cell is its file's cell.
"""

import csv
import io

from flask import current_app
from flask_babel import force_locale

from vaerested.extensions import db
from vaerested.reports.tables import present
from vaerested.reports.tables.build import COLUMNS


def shown_rows(
    table: str, rows: list, locale: str = "da", columns: list[str] | None = None
) -> list[list[str]]:
    """Return ``rows`` (lists in column order, or dicts) as table ``table``'s
    page cells in ``locale``."""
    columns = columns or COLUMNS[table]
    names = present.load_names(db.session)
    with current_app.test_request_context("/"), force_locale(locale):
        return [
            [
                present.display(table, column, value, names)
                for column, value in zip(
                    columns,
                    row.values() if isinstance(row, dict) else row,
                    strict=True,
                )
            ]
            for row in rows
        ]


def shown(table: str, column: str, value, locale: str = "da") -> str:
    """Return one cell of ``table`` as its page shows it in ``locale``."""
    return shown_rows(table, [[value]], locale, [column])[0][0]


def download_rows(client, report: str, table: str, args: str) -> list[list[str]]:
    """Return the data rows of ``table``'s protected CSV download of ``report``
    (``args``: the period and filters as a query string), without its header
    and its closing protection note."""
    url = f"/reports/download?report={report}&format=csv&table={table}&{args}"
    response = client.get(url)
    assert response.status_code == 200, url
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[-1][0].startswith("# ")  # a protected file ends with its note
    return rows[1:-1]
