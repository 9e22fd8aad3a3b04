"""``flask cards …``: visitor cards."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from vaerested.checkin.codes import format_code
from vaerested.checkin.operations import issue_cards
from vaerested.extensions import db
from vaerested.models import Centre

cli = AppGroup("cards", help="Issue visitor cards.")


@cli.command("issue")
@click.option("--centre", "slug", required=True, help="Issuing centre slug.")
@click.option("-n", "count", type=click.IntRange(1, 1000), default=1, help="How many.")
def issue(slug, count):
    """Issue N cards and print their codes once (one per line, nothing else)."""
    centre = db.session.scalar(select(Centre).where(Centre.slug == slug))
    if centre is None:
        raise click.BadParameter(f"no centre {slug!r}", param_hint="--centre")
    issued = issue_cards(centre, count)
    db.session.commit()
    for _card, code in issued:
        click.echo(format_code(code))
