"""Cross-cutting administration: staff accounts, districts, target groups."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from vaerested.admin import views  # noqa: E402,F401
