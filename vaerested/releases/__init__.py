"""Public releases with a privacy guarantee (differential privacy, OpenDP)."""

from flask import Blueprint

bp = Blueprint("releases", __name__)

from vaerested.releases import schedule_views, views  # noqa: E402, F401
