"""Administration pages (placeholder until the admin views land)."""

from flask import render_template

from vaerested.admin import bp
from vaerested.auth.decorators import role_required


@bp.route("/districts")
@role_required("admin")
def districts():
    """List districts."""
    return render_template("main/index.html", centres=[])


@bp.route("/users")
@role_required("admin")
def users():
    """List staff accounts."""
    return render_template("main/index.html", centres=[])
