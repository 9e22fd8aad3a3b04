"""Activity pages: the centre calendar, planning, sessions and attendance."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from vaerested.activities import bp
from vaerested.activities import operations as ops
from vaerested.activities import queries as q
from vaerested.activities.forms import (
    KIND_LABELS,
    LED_BY_LABELS,
    NTH_LABELS,
    OUTCOME_LABELS,
    REASON_LABELS,
    WEEKDAYS,
    ActivityCreateForm,
    ActivityEditForm,
    RuleForm,
)
from vaerested.auth.decorators import centre_required
from vaerested.centres.queries import target_group_choices
from vaerested.extensions import db
from vaerested.labels import CATEGORY_LABELS
from vaerested.models import ActivityRule, Centre, Role
from vaerested.models.base import utcnow
from vaerested.parsing import MIN_DATE, arg_date
from vaerested.print_header import print_header
from vaerested.services import landscape as geometry

STAFF = ("staff",)  # leaders and admins rank above staff


@bp.context_processor
def activity_helpers() -> dict:
    tz = tz_()
    return {
        "weekday_names": WEEKDAYS,
        "category_label": lambda n: CATEGORY_LABELS.get(n, n),
        "led_by_label": lambda v: LED_BY_LABELS.get(v, v),
        "kind_label": lambda v: KIND_LABELS.get(v, v),
        "nth_label": lambda v: NTH_LABELS.get(v, v),
        "reason_label": lambda v: REASON_LABELS.get(v, v),
        "outcome_label": lambda v: OUTCOME_LABELS.get(v, v),
        "local": lambda dt: dt.astimezone(tz),
        "can_lead": current_user.is_authenticated
        and current_user.role in (Role.ADMIN, Role.LEADER),
    }


def tz_() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _horizon():
    return ops.horizon(utcnow(), current_app.config["SESSION_HORIZON_DAYS"], tz_())


def _today() -> date:
    return utcnow().astimezone(tz_()).date()


def _parse_day(name: str, default: date) -> date:
    return arg_date(name, default)


def _flash_warnings(sessions) -> None:
    warnings = q.session_warnings(sessions, tz_())
    hours = sum(any(w.kind == "hours" for w in ws) for ws in warnings.values())
    clashes = sum(any(w.kind == "collision" for w in ws) for ws in warnings.values())
    if hours:
        flash(
            ngettext(
                "%(num)d session falls outside the opening hours.",
                "%(num)d sessions fall outside the opening hours.",
                hours,
            ),
            "warning",
        )
    if clashes:
        flash(
            ngettext(
                "%(num)d session overlaps an activity of the same category "
                "at another centre in the district.",
                "%(num)d sessions overlap an activity of the same category "
                "at another centre in the district.",
                clashes,
            ),
            "warning",
        )
    audience = sum(any(w.kind == "audience" for w in ws) for ws in warnings.values())
    if audience:
        flash(
            ngettext(
                "%(num)d session overlaps an activity elsewhere in the city for "
                "the same target group or life phases.",
                "%(num)d sessions overlap an activity elsewhere in the city for "
                "the same target group or life phases.",
                audience,
            ),
            "warning",
        )


def _materialise(activity) -> None:
    since, until = _horizon()
    ops.materialise_activity(activity, since, until, tz_())
    db.session.flush()
    upcoming = q.sessions_between(since, until, activity_id=activity.id)
    _flash_warnings(upcoming)


@bp.route("/<slug>/")
@centre_required(*STAFF)
def index(centre: Centre):
    """Show the centre's activity calendar: a week, or a list of activities."""
    view = request.args.get("view", "week")
    tz = tz_()
    today = _today()
    if view == "list":
        since, until = _horizon()
        sessions = q.sessions_between(since, until, centre_ids=[centre.id])
        return render_template(
            "activities/list.html",
            centre=centre,
            activities=q.list_activities(centre),
            sessions=sessions[:60],
            counts=q.attendance_counts(s.id for s in sessions[:60]),
            view=view,
        )
    day = _parse_day("week", today)
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    start, end = q.day_bounds(days[0], days[-1], tz)
    sessions = q.sessions_between(start, end, centre_ids=[centre.id])
    by_day = {d: [] for d in days}
    for s in sessions:
        by_day[s.start_dt.astimezone(tz).date()].append(s)
    return render_template(
        "activities/week.html",
        centre=centre,
        days=days,
        by_day=by_day,
        today=today,
        counts=q.attendance_counts(s.id for s in sessions),
        warnings=q.session_warnings(sessions, tz),
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        view=view,
    )


@bp.route("/<slug>/new", methods=["GET", "POST"])
@centre_required("leader")
def create(centre: Centre):
    """Plan a new activity with its first rule."""
    form = ActivityCreateForm()
    form.target_group_id.choices = [("", _("Everyone")), *target_group_choices()]
    if request.method == "GET":
        form.start_date.data = _today()
    if form.validate_on_submit():
        activity = ops.create_activity(centre, form.data)
        ops.add_rule(activity, form.data, utcnow(), tz_())
        _materialise(activity)
        db.session.commit()
        flash(_("Activity %(title)s created.", title=activity.title), "success")
        return redirect(
            url_for("activities.detail", slug=centre.slug, activity_id=activity.id)
        )
    return render_template("activities/form.html", form=form, centre=centre)


@bp.route("/<slug>/<int:activity_id>")
@centre_required(*STAFF)
def detail(centre: Centre, activity_id: int):
    """Show an activity, its rules and its coming sessions with warnings."""
    activity = q.get_activity(centre, activity_id)
    since, until = _horizon()
    recent = since - timedelta(days=28)
    sessions = q.sessions_between(recent, until, activity_id=activity.id)
    return render_template(
        "activities/detail.html",
        centre=centre,
        activity=activity,
        sessions=sessions,
        counts=q.attendance_counts(s.id for s in sessions),
        warnings=q.session_warnings(sessions, tz_()),
        now=utcnow(),
    )


@bp.route("/<slug>/<int:activity_id>/edit", methods=["GET", "POST"])
@centre_required("leader")
def edit(centre: Centre, activity_id: int):
    """Edit an activity, or archive it."""
    activity = q.get_activity(centre, activity_id)
    form = ActivityEditForm(obj=activity)
    form.target_group_id.choices = [
        ("", _("Everyone")),
        *target_group_choices([activity.target_group] if activity.target_group else []),
    ]
    if form.validate_on_submit():
        ops.update_activity(activity, form.data, utcnow())
        if activity.is_active:
            _materialise(activity)
        db.session.commit()
        flash(_("Activity %(title)s saved.", title=activity.title), "success")
        return redirect(
            url_for("activities.detail", slug=centre.slug, activity_id=activity.id)
        )
    return render_template(
        "activities/form.html", form=form, centre=centre, activity=activity
    )


def _rule_page(centre, activity, rule: ActivityRule | None):
    form = RuleForm(obj=rule)
    if request.method == "GET" and rule is None:
        form.start_date.data = _today()
    if form.validate_on_submit():
        if rule is None:
            ops.add_rule(activity, form.data, utcnow(), tz_())
        else:
            dropped = ops.update_rule(rule, form.data, utcnow())
            if dropped:
                flash(
                    ngettext(
                        "%(num)d coming session was replaced.",
                        "%(num)d coming sessions were replaced.",
                        dropped,
                    ),
                    "info",
                )
        db.session.refresh(activity, ["rules"])
        _materialise(activity)
        db.session.commit()
        flash(_("Rule saved."), "success")
        return redirect(
            url_for("activities.detail", slug=centre.slug, activity_id=activity.id)
        )
    return render_template(
        "activities/rule_form.html",
        form=form,
        centre=centre,
        activity=activity,
        rule=rule,
    )


@bp.route("/<slug>/<int:activity_id>/rules/new", methods=["GET", "POST"])
@centre_required("leader")
def rule_create(centre: Centre, activity_id: int):
    """Add a rule (e.g. a second weekday, or a one-off session)."""
    return _rule_page(centre, q.get_activity(centre, activity_id), None)


@bp.route("/<slug>/<int:activity_id>/rules/<int:rule_id>", methods=["GET", "POST"])
@centre_required("leader")
def rule_edit(centre: Centre, activity_id: int, rule_id: int):
    """Change a rule from now on (past sessions stay); an end date stops it."""
    activity = q.get_activity(centre, activity_id)
    rule = db.session.get(ActivityRule, rule_id)
    if rule is None or rule.activity_id != activity.id:
        abort(404)
    return _rule_page(centre, activity, rule)


@bp.route("/landscape")
@login_required
def landscape():
    """Draw the offer landscape and the delivered profile of a period."""
    today = _today()
    last = _parse_day("to", today)
    first = _parse_day("from", max(last - timedelta(days=27), MIN_DATE))
    if first > last:
        first, last = last, first
    if (last - first).days > 366:
        first = last - timedelta(days=366)
    centres = q.active_centres()
    # Attendance is a count of persons shown to every staff login: protected
    # as the reports are (perturbed, then suppressed below the pages' min-cell).
    min_cell = max(
        int(current_app.config["EXPORT_MIN_CELL"]),
        max(2, int(current_app.config["EXPORT_MIN_CELL_FLOOR"])),
    )
    rows = q.protected_rows(q.delivered_rows(centres, first, last, tz_()), min_cell)
    return render_template(
        "activities/landscape.html",
        figure=geometry.landscape(q.landscape_profiles(centres)),
        centres=centres,
        delivered=geometry.delivered(rows),
        rows=rows,
        table=list(zip(centres, rows, strict=True)),
        shares=geometry.shares,
        first=first,
        last=last,
        min_cell=min_cell,
        print_header=print_header(
            _("Offer landscape"),
            first,
            last,
            centres=_("All centres"),
            district=_("All districts"),
            min_cell=min_cell,
        ),
    )
