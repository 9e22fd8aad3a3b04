"""Command groups for ``flask --app wsgi …``.

Each module in :mod:`vaerested.commands` defines one ``click`` group named
``cli``; they are all registered here, so adding a group is adding a module.
"""

import importlib
import pkgutil

from flask import Flask

import vaerested.commands


def init_cli(app: Flask) -> None:
    """Register every command group on ``app``."""
    for info in sorted(pkgutil.iter_modules(vaerested.commands.__path__)):
        module = importlib.import_module(f"vaerested.commands.{info.name}")
        app.cli.add_command(module.cli)
