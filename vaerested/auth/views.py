"""Login and logout."""

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from vaerested.auth import bp
from vaerested.auth.forms import LoginForm
from vaerested.auth.loader import end_browser_session
from vaerested.auth.operations import authenticate, reserve_attempt
from vaerested.auth.sessions import log_in
from vaerested.extensions import db


def _safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a local path, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log a staff user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        addr = request.remote_addr or ""
        cfg = current_app.config
        if not reserve_attempt(
            email, addr, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_FAILURE_WINDOW"]
        ):
            flash(
                _("Too many failed attempts. Please wait a while and try again."),
                "error",
            )
            status = 429
        else:
            user = authenticate(email, form.password.data, addr)
            if user is not None:
                lang = session.get("lang")
                session.clear()  # a fresh session on login (no fixation)
                if lang:
                    session["lang"] = lang
                log_in(user, remember=form.remember.data)
            db.session.commit()
            if user is not None:
                return redirect(
                    _safe_next(request.args.get("next")) or url_for("main.index")
                )
            # One message whatever was wrong: do not reveal which accounts exist.
            flash(_("Wrong e-mail or password."), "error")
            status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, so a link or image cannot log anyone out).

    The server-side session ends, so a copy of either cookie opens nothing.
    """
    end_browser_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
