"""``flask export REPORT``: write a report's files for a period."""

from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from vaerested.audit import record_audit
from vaerested.exports.formats import write_report
from vaerested.exports.human import About
from vaerested.extensions import db
from vaerested.models import Centre
from vaerested.reports.tables.build import FORMATS, REPORTS, ReportError, build_report


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(2)


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date as YYYY-MM-DD, not {text!r}")


@click.command("export")
@click.argument("report")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day (inclusive), YYYY-MM-DD.")
@click.option(
    "--format",
    "fmt",
    default="csv",
    show_default=True,
    help="csv, csv_da (Excel, Danish), xlsx or json (docs/exports.md).",
)
@click.option("--out", "out_dir", required=True, help="Directory to write into.")
@click.option(
    "--min-cell",
    type=int,
    default=None,
    help="Smallest count shown (default: config EXPORT_MIN_CELL).",
)
@click.option("--centre", "centres", multiple=True, help="Only this centre (slug).")
@click.option("--district", default=None, help="Only centres in this district (code).")
@with_appcontext
def cli(report, start, end, fmt, out_dir, min_cell, centres, district):
    """Write a report (visits, coverage, mobility) for a period into a directory."""
    if report not in REPORTS:
        _fail(f"unknown report {report!r}: choose one of {', '.join(REPORTS)}")
    if fmt not in FORMATS:
        _fail(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    start_date = _parse_date(start, "--from")
    end_date = _parse_date(end, "--to")
    if min_cell is None:
        min_cell = int(current_app.config["EXPORT_MIN_CELL"])
    centre_ids = None
    if centres:
        found = dict(
            db.session.execute(
                select(Centre.slug, Centre.id).where(Centre.slug.in_(centres))
            ).all()
        )
        unknown = sorted(set(centres) - found.keys())
        if unknown:
            _fail(f"unknown centre {', '.join(unknown)}")
        centre_ids = sorted(found.values())
    try:
        tables = build_report(
            report,
            start_date,
            end_date,
            min_cell=min_cell,
            centre_ids=centre_ids,
            district_code=district,
        )
        about = About(
            report=report,
            start=start_date,
            end=end_date,
            min_cell=min_cell,
            centres=tuple(sorted(centres)),
            district=district,
            generated_dt=datetime.now(UTC),
        )
        paths = write_report(tables, fmt, Path(out_dir), about=about)
    except ReportError as error:
        _fail(str(error))
    floor = int(current_app.config.get("EXPORT_MIN_CELL_FLOOR", 5))
    if min_cell < floor:  # raw figures leave the system: keep a record
        record_audit(
            "export.raw",
            actor_label="cli",
            report=report,
            period=(start_date, end_date),
            detail=f"min_cell={min_cell} format={fmt} "
            + " ".join(path.name for path in paths)
            + (f" centres={','.join(centres)}" if centres else "")
            + (f" district={district}" if district else ""),
        )
        db.session.commit()
    for path in paths:
        click.echo(str(path))
