"""Reports and exports: visits, geographic coverage and mobility."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from vaerested.reports import schedules, views  # noqa: E402, F401
from vaerested.reports.pictures import flows_matrix  # noqa: E402

# The coverage page's flows matrix (reports/_flows.html) is laid out here.
bp.add_app_template_global(flows_matrix, "flows_matrix")
