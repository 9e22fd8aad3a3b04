"""Landing page per role, language switch and health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from vaerested.main import views  # noqa: E402,F401
