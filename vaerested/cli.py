"""Command groups for ``flask --app wsgi …``."""

from flask import Flask


def init_cli(app: Flask) -> None:
    """Register every command group on ``app``."""
    from vaerested.commands.users import users_cli

    app.cli.add_command(users_cli)
