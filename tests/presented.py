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


def run_schedule(app, monkeypatch, report: str, cadence: str, now):
    """Create a CSV schedule of ``report`` (min-cell 5, due on day 2), run the
    export tick at ``now`` and return its one succeeded run."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from vaerested.exports import jobs
    from vaerested.models import ExportRun, ExportSchedule, RunStatus

    monkeypatch.setattr(jobs, "utcnow", lambda: now)
    db.session.add(
        ExportSchedule(
            name=f"{report} {cadence}",
            report=report,
            format="csv",
            cadence=cadence,
            day_of_month=2,
            min_cell=5,
            created_dt=datetime(2024, 3, 1, tzinfo=UTC),
        )
    )
    db.session.commit()
    assert jobs.run_export_tick(app)["succeeded"] == 1
    [run] = db.session.scalars(select(ExportRun)).all()
    assert run.status is RunStatus.SUCCEEDED
    return run
