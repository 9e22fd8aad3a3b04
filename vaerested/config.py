"""Default configuration.

Every key the application reads is defined here with a safe default. The factory
overlays, in order: ``instance/config.py`` (optional), environment variables
prefixed ``VAERESTED_`` (``VAERESTED_DATABASE_URL`` sets ``DATABASE_URL``), then
the mapping a test passes to :func:`vaerested.create_app`.
"""

from datetime import timedelta


class DefaultConfig:
    """Safe defaults for a local, single-machine installation."""

    #: SQLAlchemy URL. Empty means the SQLite file ``instance/vaerested.sqlite3``.
    #: A plain ``postgresql://user:pass@host/db`` URL is rewritten to use psycopg 3.
    DATABASE_URL = ""
    #: Flask's session signing key. Empty means: read ``instance/secret_key``,
    #: generating it on first start. Set it explicitly in production.
    SECRET_KEY = ""
    #: Local time zone: it decides what a "day" is for visits and reports.
    TIMEZONE = "Europe/Copenhagen"
    #: Smallest count shown in exports; 1..MIN_CELL-1 is written as "<MIN_CELL".
    EXPORT_MIN_CELL = 5

    #: UI languages, the first is the default.
    LANGUAGES = ("da", "en")
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_TRANSLATION_DIRECTORIES = "translations"

    #: Failed logins allowed per account (and, times five, per address) in the window.
    LOGIN_MAX_FAILURES = 10
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

    #: Run APScheduler in this process (only ``flask scheduler run`` sets this).
    SCHEDULER_ENABLED = False

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Set to true behind HTTPS (production), so cookies never travel in clear.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
