"""``flask users …``: staff accounts.

A password comes from ``--password``, else the environment variable
``VAERESTED_NEW_USER_PASSWORD``, else a hidden, confirmed prompt. Prefer the
prompt or the variable: a ``--password`` value stays in the shell history.
"""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from vaerested.admin import operations
from vaerested.auth.passwords import MIN_PASSWORD_LENGTH
from vaerested.extensions import db
from vaerested.models import Centre, Role, StaffUser

cli = AppGroup("users", help="Manage staff accounts.")

PASSWORD_ENV = "VAERESTED_NEW_USER_PASSWORD"


class AccountError(ValueError):
    """Why an account cannot be created or changed; ``param`` names the option."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


def check_password(password: str) -> None:
    """Raise :class:`AccountError` when ``password`` is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "password", f"must be at least {MIN_PASSWORD_LENGTH} characters"
        )


def create_staff_user(
    *,
    email: str,
    role: str | Role,
    password: str,
    centre_slugs=(),
    display_name: str = "",
) -> StaffUser:
    """Validate and add a staff account, then flush (the caller commits).

    The checks a form would make are done here; the write is the admin
    operation the web form uses.

    :raises AccountError: on a bad e-mail, password, role or centre.
    """
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise AccountError("--email", "not an e-mail address")
    check_password(password)
    if db.session.scalar(select(StaffUser).where(StaffUser.email == email)):
        raise AccountError("--email", "an account with this e-mail exists")
    role = Role(role)
    if role != Role.ADMIN and not centre_slugs:
        raise AccountError("--centre", "leaders and staff need --centre")
    centres = []
    for slug in centre_slugs:
        centre = db.session.scalar(select(Centre).where(Centre.slug == slug))
        if centre is None:
            raise AccountError("--centre", f"no centre {slug!r}")
        centres.append(centre)
    return operations.create_user(email, display_name or local, role, centres, password)


password_option = click.option(
    "--password",
    envvar=PASSWORD_ENV,
    show_envvar=True,
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password (better: the environment variable, or the prompt).",
)


@cli.command("create")
@click.option("--email", required=True, help="Login e-mail.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="Role."
)
@click.option("--centre", "centres", multiple=True, help="Centre slug (repeatable).")
@password_option
def create_user(email, display_name, role, centres, password):
    """Create a staff account."""
    try:
        user = create_staff_user(
            email=email,
            role=role,
            password=password,
            centre_slugs=centres,
            display_name=display_name,
        )
    except AccountError as exc:
        db.session.rollback()
        raise click.BadParameter(str(exc), param_hint=exc.param) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@cli.command("list")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), help="Only this role."
)
def list_users(role):
    """List staff accounts with role, state and centres."""
    query = select(StaffUser).order_by(StaffUser.role, StaffUser.email)
    if role:
        query = query.where(StaffUser.role == Role(role))
    users = db.session.scalars(query).all()
    for user in users:
        centres = ",".join(c.slug for c in user.centres) or "-"
        state = "active" if user.is_active_account else "inactive"
        click.echo(f"{user.email}\t{user.role.value}\t{state}\t{centres}")
    if not users:
        click.echo("No accounts.")


@cli.command("set-password")
@click.option("--email", required=True, help="Login e-mail of the account.")
@password_option
def set_password(email, password):
    """Set a staff account's password and log it out everywhere."""
    email = email.strip().lower()
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        raise click.BadParameter("no account with this e-mail", param_hint="--email")
    try:
        check_password(password)
    except AccountError as exc:
        raise click.BadParameter(str(exc), param_hint=exc.param) from None
    operations.set_password(user, password)  # also ends its sessions
    db.session.commit()
    click.echo(f"Password set for {user.email}.")
