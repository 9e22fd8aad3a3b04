"""Flask-Login wiring: users come from live server-side sessions."""

import time
from datetime import timedelta

from flask import Flask, current_app, flash, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user, user_loaded_from_cookie
from flask_login.utils import decode_cookie

from vaerested.auth.sessions import end_session, idle_expired, load_session_user
from vaerested.extensions import db, login_manager
from vaerested.models import StaffUser
from vaerested.models.base import utcnow

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(token: str) -> StaffUser | None:
    """Return the active user whose live session token is ``token``."""
    return load_session_user(token, utcnow())


def end_browser_session() -> None:
    """Log out here: delete the session row, then clear both cookies."""
    end_session(session.get("_user_id"))
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if request.cookies.get(cookie_name):
        end_session(decode_cookie(request.cookies[cookie_name]))
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["_remember"] = "clear"  # Flask-Login then deletes the cookie


@user_loaded_from_cookie.connect
def _mark_restored_session(app, user) -> None:
    # Flask-Login's "strong" protection drops a session without an identifier on
    # the next request; a session restored from the remember-me cookie gets one.
    session["_id"] = login_manager._session_identifier_generator()
    session["_seen"] = int(time.time())


#: Lifetimes that may be given in seconds (an environment variable is a number).
_DURATIONS = (
    "SESSION_IDLE_TIMEOUT",
    "SESSION_ABSOLUTE_LIFETIME",
    "REMEMBER_COOKIE_DURATION",
)


def init_session_checks(app: Flask) -> None:
    """End idle sessions before any view runs."""
    for key in _DURATIONS:
        if isinstance(app.config[key], int | float):
            app.config[key] = timedelta(seconds=app.config[key])

    @app.before_request
    def check_idle_session():
        if "_user_id" not in session:  # no login (or a kiosk's Bearer token)
            return
        if not current_user.is_authenticated:
            return
        if getattr(current_user, "session_is_remembered", False):
            session.pop("_seen", None)
            return
        if idle_expired(time.time()):
            end_browser_session()
            flash(_("You were logged out after a period without activity."), "info")
