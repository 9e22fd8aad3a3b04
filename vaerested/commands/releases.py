"""``flask release …``: public releases with differential privacy, and budgets."""

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from vaerested.extensions import db
from vaerested.models import PrivacyBudget
from vaerested.releases.files import SOURCES, render
from vaerested.releases.operations import ReleaseError, make_release, set_budget


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(2)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date as YYYY-MM-DD, not {text!r}")


@click.group("release")
def cli():
    """Public releases with a privacy guarantee (OpenDP) and the yearly budget."""


@cli.command("budget")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("epsilon", type=click.FloatRange(0, 100, min_open=True))
@with_appcontext
def budget(year: int, epsilon: float):
    """Set the privacy budget (ε) of one year's data."""
    try:
        set_budget(year, epsilon)
    except ReleaseError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Budget {year}: ε {epsilon}")


@cli.command("ledger")
@with_appcontext
def ledger():
    """Print each year's budget, spent and left."""
    for b in db.session.scalars(select(PrivacyBudget).order_by(PrivacyBudget.year)):
        click.echo(
            f"{b.year}: ε {b.epsilon:.3f}, spent {b.spent:.3f}, left {b.remaining:.3f}"
        )


@cli.command("make")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day (inclusive), YYYY-MM-DD.")
@click.option("--purpose", required=True, help="What the release is for.")
@click.option(
    "--epsilon", type=float, default=None, help="ε to spend (config RELEASE_EPSILON)."
)
@click.option(
    "--max-transitions", type=click.IntRange(1, 1000), default=None, help="k."
)
@click.option("--max-visits", type=click.IntRange(1, 1000), default=None, help="m.")
@click.option(
    "--format", "fmt", default="xlsx", show_default=True, help="csv, json or xlsx."
)
@click.option("--out", "out_dir", required=True, help="Directory to write into.")
@with_appcontext
def make(start, end, purpose, epsilon, max_transitions, max_visits, fmt, out_dir):
    """Make a public release (spends ε from its year's budget) and write its files."""
    if fmt not in ("csv", "json", "xlsx"):
        _fail("--format must be csv, json or xlsx")
    out = Path(out_dir)
    if not out.is_dir():
        _fail(f"--out {out_dir!r} is not a directory")
    try:
        release = make_release(
            _date(start, "--from"),
            _date(end, "--to"),
            purpose,
            epsilon=epsilon,
            max_transitions=max_transitions,
            max_visits=max_visits,
            actor_label="cli",
        )
    except ReleaseError as error:
        db.session.rollback()
        _fail(str(error))
    db.session.commit()
    tables = ["all"] if fmt == "xlsx" else list(SOURCES)
    for table in tables:
        content, _mimetype, filename = render(release, fmt, table)
        (out / filename).write_bytes(content)
        click.echo(out / filename)
    click.echo(f"Release {release.id}: ε {release.epsilon:.3f} spent")
