"""Database URL resolution and per-connection settings."""

import logging
import os
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)


def normalise_database_url(url: str) -> str:
    """Make a plain ``postgresql://`` (or ``postgres://``) URL use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configure_database(app: Flask) -> None:
    """Set ``SQLALCHEMY_DATABASE_URI`` from ``DATABASE_URL`` (or the SQLite default)."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        url = app.config.get("DATABASE_URL") or ""
        if not url:
            os.makedirs(app.instance_path, exist_ok=True)
            url = "sqlite:///" + str(Path(app.instance_path) / "vaerested.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # No pre-ping: a test query on every checkout cost 22 % of a check-in.
        # Connections are replaced after DATABASE_POOL_RECYCLE seconds instead
        # (before a server or firewall idle timeout drops them), and one that
        # is dropped anyway is invalidated on its first error, with the rest of
        # the pool: that request answers 503 (a check-in retries once, see
        # api/views.py) and the next one connects afresh.
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("pool_recycle", app.config["DATABASE_POOL_RECYCLE"])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys on every SQLite connection.

    WAL lets readers run beside one writer; ``busy_timeout`` makes a second writer
    wait instead of failing; SQLite ignores foreign keys unless told per connection.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
