"""Centre pages (placeholder until the centres views land)."""

from flask import render_template

from vaerested.auth.decorators import centre_required, role_required
from vaerested.centres import bp


@bp.route("/")
@role_required("admin")
def index():
    """List every centre."""
    return render_template("main/index.html", centres=[])


@bp.route("/<slug>")
@centre_required("staff")
def detail(centre):
    """Show one centre."""
    return render_template("main/index.html", centres=[centre])
