"""``flask users …``: staff accounts."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from vaerested.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from vaerested.extensions import db
from vaerested.models import Centre, Role, StaffUser

cli = AppGroup("users", help="Manage staff accounts.")


@cli.command("create")
@click.option("--email", required=True, help="Login e-mail.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="Role."
)
@click.option("--centre", "centres", multiple=True, help="Centre slug (repeatable).")
@click.password_option(help="Password (prompted when omitted).")
def create_user(email, display_name, role, centres, password):
    """Create a staff account."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an e-mail address", param_hint="--email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"must be at least {MIN_PASSWORD_LENGTH} characters", param_hint="password"
        )
    if db.session.scalar(select(StaffUser).where(StaffUser.email == email)):
        raise click.BadParameter(
            "an account with this e-mail exists", param_hint="--email"
        )
    role = Role(role)
    if role != Role.ADMIN and not centres:
        raise click.BadParameter(
            "leaders and staff need --centre", param_hint="--centre"
        )
    linked = []
    for slug in centres:
        centre = db.session.scalar(select(Centre).where(Centre.slug == slug))
        if centre is None:
            raise click.BadParameter(f"no centre {slug!r}", param_hint="--centre")
        linked.append(centre)
    user = StaffUser(
        email=email,
        display_name=display_name or email.split("@")[0],
        password_hash=hash_password(password),
        role=role,
        centres=linked,
    )
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role.value} {email} (id {user.id}).")
