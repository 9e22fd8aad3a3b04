"""Værested: anonymous visits, activities and reports for §104 drop-in centres."""

import os
from pathlib import Path

from flask import Flask

from vaerested.config import DefaultConfig

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("VAERESTED_INSTANCE_PATH", str(ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("VAERESTED")
    if test_config:
        app.config.from_mapping(test_config)

    from vaerested.database import configure_database
    from vaerested.parsing import BoundedIntConverter, refuse_nul_bytes
    from vaerested.security import configure_security

    app.jinja_env.add_extension("jinja2.ext.do")
    app.url_map.converters["int"] = BoundedIntConverter  # before any route
    app.before_request(refuse_nul_bytes)
    configure_database(app)
    configure_security(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    init_scheduler(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to ``app``."""
    from vaerested.extensions import babel, csrf, db, login_manager, migrate
    from vaerested.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    login_manager.init_app(app)

    from vaerested.auth.loader import init_session_checks  # registers the loader

    init_session_checks(app)


def register_blueprints(app: Flask) -> None:
    """Register every domain blueprint."""
    from vaerested.activities import bp as activities_bp
    from vaerested.admin import bp as admin_bp
    from vaerested.api import bp as api_bp
    from vaerested.api.auth import BearerAwareSessionInterface
    from vaerested.auth import bp as auth_bp
    from vaerested.calendar import bp as calendar_bp
    from vaerested.centres import bp as centres_bp
    from vaerested.checkin import bp as checkin_bp
    from vaerested.exports import views as export_views  # noqa: F401 (its routes)
    from vaerested.extensions import csrf
    from vaerested.main import bp as main_bp
    from vaerested.releases import bp as releases_bp
    from vaerested.reports.pages import bp as reports_bp
    from vaerested.reports.pages import views as report_views  # noqa: F401

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(centres_bp, url_prefix="/centres")
    app.register_blueprint(checkin_bp, url_prefix="/checkin")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(releases_bp, url_prefix="/releases")
    app.register_blueprint(activities_bp, url_prefix="/activities")
    app.register_blueprint(calendar_bp, url_prefix="/calendar")
    # The API checks a Bearer token, or for session callers the CSRF header itself.
    csrf.exempt(api_bp)
    # ... and a Bearer-token request opens and saves no cookie session.
    app.session_interface = BearerAwareSessionInterface()
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_error_handlers(app: Flask) -> None:
    """Serve errors as HTML pages or JSON, whichever the client wants."""
    from vaerested.errors import init_error_handlers

    init_error_handlers(app)


def register_cli(app: Flask) -> None:
    """Add the ``flask`` command groups."""
    from vaerested.cli import init_cli

    init_cli(app)


def init_scheduler(app: Flask) -> None:
    """Start APScheduler only where asked to (never in web workers or tests)."""
    if app.config["SCHEDULER_ENABLED"] and not app.config.get("TESTING"):
        from vaerested.scheduler import start_scheduler

        start_scheduler(app)
