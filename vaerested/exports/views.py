"""Export schedules, their runs, "Run now" and audited downloads (admin only)."""

import io
import logging
import os
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.security import safe_join

from vaerested.audit import record_audit
from vaerested.auth.decorators import role_required
from vaerested.exports.delivery import (
    MAIL_OFF_REASONS,
    mail_off_reason,
    recipient_filter,
)
from vaerested.exports.formats import MIMETYPES
from vaerested.exports.forms import (
    ConfirmForm,
    RunNowForm,
    ScheduleForm,
)
from vaerested.exports.jobs import enqueue_run, exports_dir, local_today, start_run
from vaerested.extensions import db
from vaerested.i18n import WEEKDAYS
from vaerested.labels import CADENCE_LABELS, FORMAT_LABELS, REPORT_LABELS
from vaerested.models import (
    ExportDownload,
    ExportRun,
    ExportRunDelivery,
    ExportSchedule,
    RunOrigin,
    RunStatus,
    StaffUser,
)
from vaerested.parsing import arg_int, arg_page
from vaerested.reports.pages import bp
from vaerested.services.periods import Cadence, Period, next_run_date, previous_period

logger = logging.getLogger(__name__)

RUNS_PER_PAGE = 50
STATUS_LABELS = {
    RunStatus.QUEUED: _l("Queued"),
    RunStatus.RUNNING: _l("Running"),
    RunStatus.SUCCEEDED: _l("Done"),
    RunStatus.FAILED: _l("Failed"),
}


def _render(template: str, **context):
    """Render a template of this area with its display helpers."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])

    def local_dt(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "–"

    return render_template(
        f"reports/schedules/{template}",
        local_dt=local_dt,
        report_label=lambda name: REPORT_LABELS.get(name, name),
        format_label=lambda fmt: FORMAT_LABELS.get(str(fmt), str(fmt)),
        cadence_labels=CADENCE_LABELS,
        weekday_labels=WEEKDAYS,
        status_labels=STATUS_LABELS,
        max_attempts=current_app.config["EXPORT_MAX_ATTEMPTS"],
        **context,
    )


def _get_schedule(schedule_id: int) -> ExportSchedule | None:
    schedule = db.session.get(ExportSchedule, schedule_id)
    if schedule is None:
        flash(_("That export schedule does not exist."), "error")
    return schedule


def _get_run(run_id: int) -> ExportRun:
    run = db.session.get(ExportRun, run_id)
    if run is None:
        abort(404)
    return run


def _recipient_choices() -> list[tuple[int, str]]:
    """Return the accounts a schedule can mail: active administration."""
    users = db.session.scalars(
        select(StaffUser)
        .where(recipient_filter())
        .order_by(StaffUser.display_name, StaffUser.id)
    )
    return [(u.id, f"{u.display_name} ({u.email})") for u in users]


def _mail_off_text() -> str | None:
    reason = mail_off_reason(current_app.config)
    return str(MAIL_OFF_REASONS[reason]) if reason else None


def _save_schedule(schedule: ExportSchedule | None, form: ScheduleForm):
    """Create or update a schedule from ``form``; flush only."""
    if schedule is None:
        schedule = ExportSchedule(created_by_id=current_user.id)
        db.session.add(schedule)
    cadence = Cadence(form.cadence.data)
    schedule.name = form.name.data.strip()
    schedule.report = form.report.data
    schedule.format = form.format.data
    schedule.cadence = cadence
    schedule.weekday = int(form.weekday.data) if cadence is Cadence.WEEKLY else None
    schedule.day_of_month = (
        None if cadence is Cadence.WEEKLY else int(form.day_of_month.data)
    )
    schedule.min_cell = form.min_cell.data
    schedule.is_active = form.is_active.data
    chosen = set(form.recipients.data or [])  # validated against the choices
    schedule.recipients = (
        list(
            db.session.scalars(
                select(StaffUser).where(StaffUser.id.in_(chosen), recipient_filter())
            )
        )
        if chosen
        else []
    )
    db.session.flush()
    return schedule


# Schedules


@bp.route("/schedules")
@role_required("admin")
def schedules():
    """List export schedules with their next run day and latest run."""
    rows = db.session.scalars(
        select(ExportSchedule).order_by(
            ExportSchedule.is_active.desc(), ExportSchedule.name
        )
    ).all()
    latest_ids = select(func.max(ExportRun.id)).group_by(ExportRun.schedule_id)
    latest = {
        run.schedule_id: run
        for run in db.session.scalars(
            select(ExportRun).where(ExportRun.id.in_(latest_ids))
        )
    }
    today = local_today()
    next_runs = {
        s.id: next_run_date(s.cadence, today, **s.anchor) for s in rows if s.is_active
    }
    return _render(
        "schedules.html",
        schedules=rows,
        latest=latest,
        next_runs=next_runs,
        mail_off=_mail_off_text(),
    )


@bp.route("/schedules/new", methods=["GET", "POST"])
@role_required("admin")
def schedule_create():
    """Create an export schedule."""
    form = ScheduleForm(recipient_choices=_recipient_choices())
    if request.method == "GET":
        form.min_cell.data = current_app.config["EXPORT_MIN_CELL"]
    if form.validate_on_submit():
        schedule = _save_schedule(None, form)
        db.session.commit()
        flash(_("Export schedule %(name)s created.", name=schedule.name), "success")
        return redirect(url_for("reports.schedules"))
    return _render(
        "schedule_form.html", form=form, schedule=None, mail_off=_mail_off_text()
    )


@bp.route("/schedules/<int:schedule_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def schedule_edit(schedule_id: int):
    """Edit an export schedule (also reactivates it)."""
    schedule = _get_schedule(schedule_id)
    if schedule is None:
        return redirect(url_for("reports.schedules"))
    form = ScheduleForm(obj=schedule, recipient_choices=_recipient_choices())
    if request.method == "GET":
        form.cadence.data = schedule.cadence.value
        form.format.data = schedule.format.value
        form.weekday.data = str(schedule.weekday if schedule.weekday is not None else 0)
        form.recipients.data = [u.id for u in schedule.recipients]
    if form.validate_on_submit():
        _save_schedule(schedule, form)
        db.session.commit()
        flash(_("Export schedule %(name)s saved.", name=schedule.name), "success")
        return redirect(url_for("reports.schedules"))
    return _render(
        "schedule_form.html", form=form, schedule=schedule, mail_off=_mail_off_text()
    )


@bp.route("/schedules/<int:schedule_id>/deactivate", methods=["GET", "POST"])
@role_required("admin")
def schedule_deactivate(schedule_id: int):
    """Stop a schedule after confirmation; its runs and files stay."""
    schedule = _get_schedule(schedule_id)
    if schedule is None:
        return redirect(url_for("reports.schedules"))
    form = ConfirmForm()
    if form.validate_on_submit():
        schedule.is_active = False
        db.session.commit()
        flash(_("Export schedule %(name)s deactivated.", name=schedule.name), "success")
        return redirect(url_for("reports.schedules"))
    return _render("schedule_deactivate.html", form=form, schedule=schedule)


# Runs


@bp.route("/runs")
@role_required("admin")
def runs():
    """List export runs, newest first, with their files."""
    page = arg_page()
    query = select(ExportRun).options(
        selectinload(ExportRun.schedule), selectinload(ExportRun.started_by_user)
    )
    schedule_id = arg_int("schedule")
    if schedule_id is not None:
        query = query.where(ExportRun.schedule_id == schedule_id)
    rows = db.session.scalars(
        query.order_by(ExportRun.id.desc())
        .limit(RUNS_PER_PAGE + 1)
        .offset((page - 1) * RUNS_PER_PAGE)
    ).all()
    return _render(
        "runs.html",
        runs=rows[:RUNS_PER_PAGE],
        page=page,
        has_next=len(rows) > RUNS_PER_PAGE,
        schedule_id=schedule_id,
    )


@bp.route("/runs/new", methods=["GET", "POST"])
@role_required("admin")
def run_create():
    """Queue an on-demand export and start it in the background."""
    today = local_today()
    form = RunNowForm(today=today)
    if request.method == "GET":
        period = previous_period(Cadence.MONTHLY, today)
        form.period_start.data, form.period_end.data = period.start, period.end
        form.min_cell.data = current_app.config["EXPORT_MIN_CELL"]
        template = db.session.get(ExportSchedule, arg_int("schedule", 0) or 0)
        if template is not None:
            period = previous_period(template.cadence, today)
            form.report.data = template.report
            form.format.data = template.format.value
            form.min_cell.data = template.min_cell
            form.period_start.data, form.period_end.data = period.start, period.end
    if form.validate_on_submit():
        run = enqueue_run(
            form.report.data,
            form.format.data,
            Period(form.period_start.data, form.period_end.data),
            form.min_cell.data,
            current_user.id,
        )
        db.session.commit()
        logger.info("Export run %s queued by user %s", run.id, current_user.id)
        start_run(current_app._get_current_object(), run.id)
        flash(_("The export has started."), "success")
        return redirect(url_for("reports.run_detail", run_id=run.id))
    return _render("run_form.html", form=form)


@bp.route("/runs/<int:run_id>")
@role_required("admin")
def run_detail(run_id: int):
    """Show one run: its status and progress, error or files."""
    run = _get_run(run_id)
    deliveries = db.session.scalars(
        select(ExportRunDelivery)
        .options(selectinload(ExportRunDelivery.user))
        .where(ExportRunDelivery.run_id == run.id)
        .order_by(ExportRunDelivery.id)
    ).all()
    return _render(
        "run_detail.html", run=run, RunOrigin=RunOrigin, deliveries=deliveries
    )


@bp.route("/runs/<int:run_id>.json")
@role_required("admin")
def run_status(run_id: int):
    """Return a run's status and progress (polled by the run page)."""
    run = _get_run(run_id)
    return {
        "ok": True,
        "data": {
            "id": run.id,
            "status": run.status.value,
            "status_label": str(STATUS_LABELS[run.status]),
            "progress": run.progress,
            "is_finished": run.is_finished,
            "error": run.error,
            "files": [
                url_for("reports.run_file", run_id=run.id, name=name)
                for name in run.file_names
            ],
        },
    }


@bp.route("/runs/<int:run_id>/files/<name>")
@role_required("admin")
def run_file(run_id: int, name: str):
    """Send a file of a run (only a name the run recorded) and audit it."""
    run = _get_run(run_id)
    recorded = {path.rsplit("/", 1)[-1]: path for path in run.files}
    path = recorded.get(name)
    # safe_join refuses a path that leaves the folder, even a recorded one.
    full = safe_join(str(exports_dir()), path) if path else None
    if full is None or not os.path.isfile(full):
        abort(404)
    db.session.add(
        ExportDownload(
            run_id=run.id,
            user_id=current_user.id,
            file=name,
            remote_addr=(request.remote_addr or "")[:45],
        )
    )
    record_audit(
        "export_run.download",
        report=run.report,
        period=(run.period_start, run.period_end),
        detail=f"run {run.id} {name}",
    )
    db.session.commit()
    logger.info("User %s downloaded %s of export run %s", current_user.id, name, run_id)
    with open(full, "rb") as handle:  # small aggregate files; never left open
        data = io.BytesIO(handle.read())
    return send_file(
        data,
        as_attachment=True,
        download_name=name,
        mimetype=MIMETYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream"),
    )
