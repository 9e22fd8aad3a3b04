"""Landing page per role, language switch and health check."""

from flask import (
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import text

from vaerested.auth.views import _safe_next
from vaerested.extensions import db
from vaerested.main import bp
from vaerested.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administration"),
    Role.LEADER: _l("Centre leader"),
    Role.STAFF: _l("Staff member"),
}


@bp.app_context_processor
def inject_helpers() -> dict:
    return {
        "current_locale": lambda: str(get_locale() or "da"),
        "role_label": lambda role: ROLE_LABELS.get(role, role),
    }


@bp.route("/")
@login_required
def index():
    """Send each role to its starting page.

    Staff and leaders of one centre start at its scanner: the front desk is
    where they need the page first (the centre page is one tap away in the menu).
    """
    if current_user.is_admin:
        return redirect(url_for("centres.index"))
    active = [c for c in current_user.centres if c.is_active]
    if len(active) == 1:
        return redirect(url_for("checkin.scanner", slug=active[0].slug))
    return render_template("main/index.html", centres=active)


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the chosen UI language in the session and go back."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")) or url_for("main.index"))


@bp.route("/healthz")
def healthz():
    """Answer 200 when the app and its database respond, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return jsonify({"ok": False, "database": "down"}), 503
    return jsonify({"ok": True, "database": "up"})
