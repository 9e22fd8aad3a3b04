"""Reports and exports: visits, geographic coverage and mobility."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
