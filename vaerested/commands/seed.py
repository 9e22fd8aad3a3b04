"""``flask seed …``: load demo data for local use."""

from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from vaerested import demo_volunteers
from vaerested.demo import DEMO_PASSWORD, DemoDataError, load_demo
from vaerested.demo_activities import load_demo_activities
from vaerested.demo_courses import load_demo_courses
from vaerested.extensions import db
from vaerested.models import Centre
from vaerested.models.base import utcnow

cli = AppGroup("seed", help="Load demo data.")

#: The generated visits span the last year: monthly and quarterly pages fill.
DEMO_DAYS = 365


@cli.command("demo")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (successfully) when centres exist."
)
@click.option(
    "--visits",
    "n_visits",
    type=click.IntRange(0),
    default=0,
    help="Also generate N synthetic visits over the last 365 days.",
)
@click.pass_context
def seed_demo(ctx: click.Context, if_empty: bool, n_visits: int) -> None:
    """Load demo districts, fictional centres, activities, courses and logins."""
    centres = db.session.scalar(select(func.count(Centre.id)))
    if centres and if_empty:
        click.echo(f"{centres} centre(s) exist already: demo data not loaded.")
        return
    try:
        logins = load_demo(db.session)
    except DemoDataError as exc:
        db.session.rollback()
        click.echo(f"Error: {exc}.", err=True)
        raise click.exceptions.Exit(2) from None
    config = current_app.config
    now, tz = utcnow(), ZoneInfo(config["TIMEZONE"])
    load_demo_activities(now, tz, config["SESSION_HORIZON_DAYS"])
    db.session.commit()
    if n_visits:
        from vaerested.commands.demo import generate

        ctx.invoke(generate, n_visits=n_visits, days=DEMO_DAYS, seed=1)
    # Courses enrol cards that visit (so after the visits), with follow-ups.
    load_demo_courses(now, tz, config["SESSION_HORIZON_DAYS"])
    db.session.commit()
    click.echo("Demo data loaded. Demo logins (local use only):")
    for email, role, slug in logins:
        click.echo(f"  {email}\t{role}\t{slug or 'all centres'}")
    click.echo(f"Password for every demo login: {DEMO_PASSWORD}")
    click.echo("Never load demo data on a real server: this password is public.")
    # Volunteers among the session scans, once visits and sessions are there.
    demo_volunteers.mark_volunteers(db.session, 1, ZoneInfo(config["TIMEZONE"]))
    db.session.commit()
