"""Locale selection: Danish first, English on request (kept in the session)."""

from flask import current_app, session


def select_locale() -> str:
    """Return the user's chosen UI language, or the default (Danish)."""
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]
