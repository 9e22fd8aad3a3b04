"""The report pages and their pictures (charts, maps), on the ``reports`` blueprint.

The blueprint is defined here and nothing else is imported, so that the views of
this package and of :mod:`vaerested.exports` can add their routes to it without
an import cycle; ``create_app`` imports both views modules before registering it.
"""

from flask import Blueprint

bp = Blueprint("reports", __name__)
