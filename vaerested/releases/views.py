"""Public release pages (administration only): the budget ledger, new
releases, one release with its accuracy, and its downloads."""

from datetime import date, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from vaerested.audit import record_audit
from vaerested.auth.decorators import role_required
from vaerested.checkin.operations import local_tz
from vaerested.extensions import db
from vaerested.models import PrivacyBudget, PublicRelease, Role
from vaerested.releases import bp
from vaerested.releases.files import SOURCES, render
from vaerested.releases.forms import BudgetForm, ReleaseForm
from vaerested.releases.operations import ReleaseError, make_release, set_budget

FORMATS = ("csv", "json", "xlsx")


def _forms() -> tuple[BudgetForm, ReleaseForm]:
    today = datetime.now(local_tz()).date()
    config = current_app.config
    budget_form = BudgetForm(prefix="budget")
    release_form = ReleaseForm(prefix="release")
    if request.method == "GET":
        budget_form.year.data = today.year
        release_form.start.data = date(today.year, 1, 1)
        release_form.end.data = today
        release_form.epsilon.data = config["RELEASE_EPSILON"]
        release_form.max_transitions.data = config["RELEASE_MAX_TRANSITIONS"]
        release_form.max_visits.data = config["RELEASE_MAX_VISITS"]
    return budget_form, release_form


def _ledger(budget_form: BudgetForm, release_form: ReleaseForm, status: int = 200):
    budgets = db.session.scalars(
        select(PrivacyBudget).order_by(PrivacyBudget.year.desc())
    ).all()
    releases = db.session.scalars(
        select(PublicRelease).order_by(PublicRelease.id.desc())
    ).all()
    page = render_template(
        "releases/index.html",
        budgets=budgets,
        releases=releases,
        budget_form=budget_form,
        release_form=release_form,
    )
    return page, status


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Show the privacy budget ledger: budgets, releases and what each spent."""
    return _ledger(*_forms())


@bp.route("/budget", methods=["POST"])
@role_required(Role.ADMIN)
def budget():
    """Set a year's ε."""
    budget_form, release_form = _forms()
    if not budget_form.validate_on_submit():
        return _ledger(budget_form, release_form, 400)
    try:
        set_budget(budget_form.year.data, budget_form.epsilon.data, current_user)
    except ReleaseError as error:
        db.session.rollback()
        budget_form.epsilon.errors.append(str(error))
        return _ledger(budget_form, release_form, 400)
    db.session.commit()
    flash(_("The privacy budget is set."), "success")
    return redirect(url_for("releases.index"))


@bp.route("/new", methods=["POST"])
@role_required(Role.ADMIN)
def create():
    """Make a release, spending ε from its year's budget (refused when out)."""
    budget_form, form = _forms()
    if not form.validate_on_submit():
        return _ledger(budget_form, form, 400)
    try:
        release = make_release(
            form.start.data,
            form.end.data,
            form.purpose.data,
            epsilon=form.epsilon.data,
            max_transitions=form.max_transitions.data,
            max_visits=form.max_visits.data,
            actor=current_user._get_current_object(),
        )
    except ReleaseError as error:
        db.session.rollback()
        form.epsilon.errors.append(str(error))
        return _ledger(budget_form, form, 409)
    db.session.commit()
    flash(_("The public release is made."), "success")
    return redirect(url_for("releases.detail", release_id=release.id))


@bp.route("/<int:release_id>")
@role_required(Role.ADMIN)
def detail(release_id: int):
    """Show one release: its tables, bounds, ε and accuracy."""
    release = db.get_or_404(PublicRelease, release_id)
    return render_template(
        "releases/detail.html", release=release, sources=SOURCES, formats=FORMATS
    )


@bp.route("/<int:release_id>/download")
@role_required(Role.ADMIN)
def download(release_id: int):
    """Send a release's file again (spends nothing: the noise is stored)."""
    release = db.get_or_404(PublicRelease, release_id)
    fmt = request.args.get("format", "xlsx")
    table = request.args.get("table", "mobility_matrix")
    if fmt not in FORMATS:
        abort(404)
    try:
        content, mimetype, filename = render(release, fmt, table)
    except ValueError:
        abort(404)
    record_audit(
        "release.download",
        report="public",
        period=(release.period_start, release.period_end),
        detail=filename,
    )
    db.session.commit()
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.context_processor
def release_helpers() -> dict:
    """Babel formatting of ε, counts and times on the release pages."""
    from zoneinfo import ZoneInfo

    from flask_babel import format_decimal

    tz = ZoneInfo(current_app.config["TIMEZONE"])

    def local_dt(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "–"

    def eps(value):
        return format_decimal(value, format="0.000")

    def num(value):
        return "–" if value is None else format_decimal(value)

    return {"local_dt": local_dt, "eps": eps, "num": num}
