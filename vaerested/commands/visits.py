"""``flask visits …``: import visits and apply the retention rule."""

import click
from flask import current_app
from flask.cli import AppGroup

from vaerested.checkin.imports import ImportFailed, import_visits_file
from vaerested.checkin.jobs import run_retention
from vaerested.checkin.operations import local_tz
from vaerested.extensions import db
from vaerested.models.base import utcnow

cli = AppGroup("visits", help="Import visits and apply retention.")


@cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.pass_context
def import_command(ctx, file):
    """Import visits from CSV (centre,visited_at,card,home_district); all or nothing."""
    now = utcnow()
    try:
        summary = import_visits_file(file, local_tz(), now)
    except ImportFailed as failure:
        db.session.rollback()
        for message in failure.errors:
            click.echo(message, err=True)
        click.echo("Nothing was imported.", err=True)
        ctx.exit(2)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(
        f"Imported {summary.rows} row(s): {summary.new_visits} new visit(s), "
        f"{summary.new_cards} new card(s)."
    )


@cli.command("retention")
def retention_command():
    """Unlink cards from visits older than VISIT_CARD_RETENTION_DAYS."""
    count = run_retention(current_app._get_current_object())
    click.echo(f"Unlinked {count} visit(s) from their cards.")
