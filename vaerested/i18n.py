"""Locale selection: Danish first, English on request (kept in the session)."""

from flask import current_app, session
from flask_babel import lazy_gettext as _l

#: Weekday names, Monday first (Python's ``date.weekday()`` order).
WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def select_locale() -> str:
    """Return the user's chosen UI language, or the default (Danish)."""
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]
