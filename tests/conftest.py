"""Shared fixtures.

Every test that uses ``app`` (and so the database) runs twice: on a SQLite file and
on PostgreSQL. The PostgreSQL case needs ``VAERESTED_TEST_POSTGRES_URL``; without
it that case is skipped with a reason. With it set, an unreachable server fails.
"""

import contextvars
import os

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.factories import DEFAULT_PASSWORD, create_user
from vaerested import create_app
from vaerested.database import normalise_database_url
from vaerested.extensions import db as _db
from vaerested.models import Base

POSTGRES_URL = os.environ.get("VAERESTED_TEST_POSTGRES_URL", "")
_pg_schema_ready = False


def _reset_postgres(url: str) -> None:
    """Create the schema once per run, then empty every table before each test."""
    global _pg_schema_ready
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.begin() as conn:
            if not _pg_schema_ready:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
                Base.metadata.create_all(conn)
                _pg_schema_ready = True
            else:
                names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Return the URL of an empty database with the schema, per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        return url
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL case skipped: VAERESTED_TEST_POSTGRES_URL is not set")
    _reset_postgres(POSTGRES_URL)
    return normalise_database_url(POSTGRES_URL)


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Return the configuration mapping for a test app (tests may extend it)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SCHEDULER_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "TIMEZONE": "Europe/Copenhagen",
    }


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    """Return an app bound to an empty test database, inside an app context."""
    monkeypatch.setenv("VAERESTED_INSTANCE_PATH", str(tmp_path / "instance"))
    for key in [k for k in os.environ if k.startswith("VAERESTED_")]:
        if key != "VAERESTED_INSTANCE_PATH" and not key.startswith("VAERESTED_TEST_"):
            monkeypatch.delenv(key)
    application = create_app(app_config)
    with application.app_context():
        yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """Return the Flask-SQLAlchemy object for the test database."""
    return _db


class IsolatedClient(FlaskClient):
    """A test client whose requests run as in production: each in its own app
    context, with its own ``g`` and database session.

    Flask reuses an app context that is already pushed (the fixture's), which
    would leak ``g`` (and Flask-Login's cached user) between requests. Running
    each request in an empty ``contextvars`` context avoids that. Pending test
    data is committed first, so the view sees it.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect followed inside the request's context
            return super().open(*args, **kwargs)
        _db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log in through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = DEFAULT_PASSWORD):
        return self._client.post(
            "/auth/login", data={"email": email, "password": password}
        )

    def login_as(self, role: str, centres=(), email: str | None = None):
        """Create a user with ``role`` bound to ``centres``, log in, return the user."""
        user = create_user(role=role, centres=list(centres), email=email)
        _db.session.commit()
        response = self.login(user.email)
        assert response.status_code == 302, response.data[:500]
        return user

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
