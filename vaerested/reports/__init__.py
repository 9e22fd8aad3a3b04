"""Reports and exports: visits, geographic coverage and mobility."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from vaerested.reports import schedules, views  # noqa: E402, F401
