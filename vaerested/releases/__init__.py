"""Public releases with a privacy guarantee (differential privacy, OpenDP)."""

from flask import Blueprint

bp = Blueprint("releases", __name__)

from vaerested.releases import views  # noqa: E402, F401
