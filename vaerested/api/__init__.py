"""JSON API at /api/v1 (token or session auth; one response envelope)."""

from flask import Blueprint

bp = Blueprint("api", __name__)
