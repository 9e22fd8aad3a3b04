"""JSON API at /api/v1 (token or session auth; one response envelope)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from vaerested.api import errors, housing, views  # noqa: E402,F401
