"""Cross-cutting administration: staff accounts, districts, target groups, audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from vaerested.admin import audit_views, views  # noqa: E402,F401
