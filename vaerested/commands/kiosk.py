"""``flask kiosk …``: access tokens for check-in kiosks."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from vaerested.api.tokens import create_access_token, revoke_access_token
from vaerested.checkin.links import kiosk_link
from vaerested.extensions import db
from vaerested.models import AccessToken, Centre, TokenKind

cli = AppGroup("kiosk", help="Manage kiosk access tokens.")


@cli.command("create")
@click.option("--centre", "slug", required=True, help="Centre slug.")
@click.option(
    "--label", default="", help='Where it is used, e.g. "Tablet by the door".'
)
def create_kiosk(slug, label):
    """Create a kiosk token; print its kiosk link, then the token alone on the last line."""
    centre = db.session.scalar(select(Centre).where(Centre.slug == slug))
    if centre is None:
        raise click.BadParameter(f"no centre {slug!r}", param_hint="--centre")
    if not centre.is_active:
        raise click.BadParameter(f"centre {slug!r} is inactive", param_hint="--centre")
    token, plaintext = create_access_token(TokenKind.KIOSK, centre=centre, label=label)
    db.session.commit()
    base_url = current_app.config.get("BASE_URL") or ""
    click.echo(f"Kiosk token {token.id} for {centre.slug}. It is shown only now.")
    if not base_url:
        click.echo("BASE_URL is not set: put the app's address in front of this path.")
    click.echo("Open this link once on the kiosk device:")
    click.echo(kiosk_link(plaintext, centre.slug, base_url))
    click.echo("The token alone (for API clients):")
    click.echo(plaintext)


@cli.command("list")
def list_kiosks():
    """List kiosk tokens (never the tokens themselves)."""
    rows = db.session.execute(
        select(AccessToken, Centre.slug)
        .join(Centre, AccessToken.centre_id == Centre.id)
        .where(AccessToken.kind == TokenKind.KIOSK)
        .order_by(Centre.slug, AccessToken.id)
    )
    for token, slug in rows:
        state = "revoked" if token.revoked_dt else "active"
        used = token.last_used_dt.isoformat() if token.last_used_dt else "never"
        click.echo(f"{token.id}\t{slug}\t{state}\tlast used {used}\t{token.label}")


@cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_kiosk(token_id):
    """Revoke a kiosk token by its id."""
    token = db.session.get(AccessToken, token_id)
    if token is None or token.kind != TokenKind.KIOSK:
        raise click.BadParameter(f"no kiosk token {token_id}", param_hint="TOKEN_ID")
    revoke_access_token(token)
    db.session.commit()
    click.echo(f"Revoked kiosk token {token_id}.")
