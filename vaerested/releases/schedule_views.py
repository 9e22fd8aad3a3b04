"""Scheduled public releases (administration only): list, create, enable or
disable, delete after confirmation. The runs are made by the scheduler
(:mod:`vaerested.releases.jobs`)."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from vaerested.audit import record_audit
from vaerested.auth.decorators import role_required
from vaerested.extensions import db
from vaerested.models import ReleaseSchedule, ReleaseScheduleRun, Role
from vaerested.releases import bp
from vaerested.releases.forms import CADENCE_LABELS, ConfirmForm, ScheduleForm
from vaerested.releases.jobs import DONE, FAILED, REFUSED, RUNNING, local_today
from vaerested.services.periods import next_run_date

#: Latest runs listed on the page.
RUNS_SHOWN = 50
STATUS_LABELS = {
    RUNNING: _l("Running"),
    DONE: _l("Released"),
    REFUSED: _l("Refused"),
    FAILED: _l("Failed"),
}


def _page(form: ScheduleForm, status: int = 200):
    schedules = db.session.scalars(
        select(ReleaseSchedule).order_by(
            ReleaseSchedule.is_active.desc(), ReleaseSchedule.name
        )
    ).all()
    runs = db.session.scalars(
        select(ReleaseScheduleRun)
        .order_by(ReleaseScheduleRun.id.desc())
        .limit(RUNS_SHOWN)
    ).all()
    today = local_today()
    next_runs = {
        s.id: next_run_date(s.cadence, today, **s.anchor)
        for s in schedules
        if s.is_active
    }
    page = render_template(
        "releases/schedules.html",
        form=form,
        schedules=schedules,
        runs=runs,
        next_runs=next_runs,
        cadence_labels={str(k): v for k, v in CADENCE_LABELS.items()},
        confirm=ConfirmForm(),
        status_labels=STATUS_LABELS,
    )
    return page, status


def _schedule_or_404(release_schedule_id: int) -> ReleaseSchedule:
    return db.get_or_404(ReleaseSchedule, release_schedule_id)


def _audit(schedule: ReleaseSchedule, what: str) -> None:
    record_audit(
        "release.schedule",
        report="public",
        detail=f"schedule={schedule.id} {what} cadence={schedule.cadence} "
        f"day={schedule.day_of_month} epsilon={schedule.epsilon} "
        f"k={schedule.max_transitions} m={schedule.max_visits}",
    )


@bp.route("/schedules")
@role_required(Role.ADMIN)
def schedules():
    """List the release schedules and their latest runs; offer a new one."""
    form = ScheduleForm()
    config = current_app.config
    form.day_of_month.data = 5
    form.epsilon.data = config["RELEASE_EPSILON"]
    form.max_transitions.data = config["RELEASE_MAX_TRANSITIONS"]
    form.max_visits.data = config["RELEASE_MAX_VISITS"]
    return _page(form)


@bp.route("/schedules", methods=["POST"])
@role_required(Role.ADMIN)
def schedule_create():
    """Create a release schedule (active at once)."""
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    schedule = ReleaseSchedule(
        name=form.name.data.strip(),
        cadence=form.cadence.data,
        day_of_month=form.day_of_month.data,
        epsilon=form.epsilon.data,
        max_transitions=form.max_transitions.data,
        max_visits=form.max_visits.data,
        is_active=True,
        created_by_id=current_user.id,
    )
    db.session.add(schedule)
    db.session.flush()
    _audit(schedule, "created")
    db.session.commit()
    flash(_("Release schedule %(name)s created.", name=schedule.name), "success")
    return redirect(url_for("releases.schedules"))


@bp.route("/schedules/<int:release_schedule_id>/toggle", methods=["POST"])
@role_required(Role.ADMIN)
def schedule_toggle(release_schedule_id: int):
    """Disable an active schedule, or enable a disabled one."""
    schedule = _schedule_or_404(release_schedule_id)
    if ConfirmForm().validate_on_submit():
        schedule.is_active = not schedule.is_active
        _audit(schedule, "enabled" if schedule.is_active else "disabled")
        db.session.commit()
        message = (
            _("Release schedule %(name)s enabled.", name=schedule.name)
            if schedule.is_active
            else _("Release schedule %(name)s disabled.", name=schedule.name)
        )
        flash(message, "success")
    return redirect(url_for("releases.schedules"))


@bp.route("/schedules/<int:release_schedule_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def schedule_delete(release_schedule_id: int):
    """Delete a schedule and its run list after confirmation; the releases it
    made stay in the ledger."""
    schedule = _schedule_or_404(release_schedule_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        name = schedule.name
        _audit(schedule, "deleted")
        db.session.delete(schedule)
        db.session.commit()
        flash(_("Release schedule %(name)s deleted.", name=name), "success")
        return redirect(url_for("releases.schedules"))
    return render_template(
        "releases/schedule_delete.html", schedule=schedule, form=form
    )
