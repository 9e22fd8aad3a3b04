"""Centre pages: the list, a centre's page, its profile and opening hours."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vaerested.auth.decorators import centre_required, role_required
from vaerested.centres import bp
from vaerested.centres.forms import (
    OPERATOR_LABELS,
    VISITATION_LABELS,
    WEEKDAYS,
    CentreCreateForm,
    CentreEditForm,
    CentreProfileForm,
    ConfirmForm,
    HoursForm,
)
from vaerested.centres.operations import (
    create_centre,
    replace_opening_hours,
    set_active,
    update_centre,
    update_profile,
)
from vaerested.centres.queries import (
    centre_open_state,
    district_choices,
    interval_rows,
    list_centres,
    target_group_choices,
    target_groups_by_ids,
    user_run_labels,
)
from vaerested.extensions import db
from vaerested.models import Centre, Role
from vaerested.services.opening_hours import group_by_weekday

#: Blank rows offered below the existing opening intervals.
BLANK_HOUR_ROWS = 3
STATUSES = ("active", "inactive", "all")


@bp.context_processor
def centre_helpers() -> dict:
    return {
        "weekday_names": WEEKDAYS,
        "operator_label": lambda v: OPERATOR_LABELS.get(v, v),
        "visitation_label": lambda v: VISITATION_LABELS.get(v, v),
    }


def _tz() -> str:
    return current_app.config["TIMEZONE"]


@bp.route("/")
@role_required("admin")
def index():
    """List every centre, filtered by active status."""
    status = request.args.get("status", "active")
    if status not in STATUSES:
        status = "active"
    centres = list_centres(status)
    open_now = {c.id: centre_open_state(c, _tz()) for c in centres}
    return render_template(
        "centres/index.html",
        centres=centres,
        open_now=open_now,
        status=status,
        statuses=STATUSES,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def create():
    """Create a centre."""
    form = CentreCreateForm()
    form.district.choices = district_choices()
    form.target_groups.choices = target_group_choices()
    if form.validate_on_submit():
        centre = create_centre(
            form.slug.data, form.data, target_groups_by_ids(form.target_groups.data)
        )
        db.session.commit()
        flash(_("Centre %(name)s created.", name=centre.name), "success")
        return redirect(url_for("centres.detail", slug=centre.slug))
    return render_template("centres/form.html", form=form, centre=None)


@bp.route("/<slug>")
@centre_required("staff")
def detail(centre: Centre):
    """Show a centre's profile, opening hours and whether it is open now."""
    return render_template(
        "centres/detail.html",
        centre=centre,
        is_open=centre_open_state(centre, _tz()),
        week=group_by_weekday(interval_rows(centre)),
        user_run=user_run_labels(centre),
        can_lead=current_user.role in (Role.ADMIN, Role.LEADER),
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@centre_required("admin")
def edit(centre: Centre):
    """Edit every field of a centre except its slug."""
    form = CentreEditForm(obj=centre)
    if request.method == "GET":
        form.district.data = centre.district_id
        form.target_groups.data = [g.id for g in centre.target_groups]
    form.district.choices = district_choices()
    form.target_groups.choices = target_group_choices(centre.target_groups)
    if form.validate_on_submit():
        update_centre(centre, form.data, target_groups_by_ids(form.target_groups.data))
        db.session.commit()
        flash(_("Centre %(name)s saved.", name=centre.name), "success")
        return redirect(url_for("centres.detail", slug=centre.slug))
    return render_template("centres/form.html", form=form, centre=centre)


@bp.route("/<slug>/profile", methods=["GET", "POST"])
@centre_required("leader")
def profile(centre: Centre):
    """Let a centre's leader edit its offer profile."""
    form = CentreProfileForm(obj=centre)
    if request.method == "GET":
        form.target_groups.data = [g.id for g in centre.target_groups]
    form.target_groups.choices = target_group_choices(centre.target_groups)
    if form.validate_on_submit():
        update_profile(centre, form.data, target_groups_by_ids(form.target_groups.data))
        db.session.commit()
        flash(_("Offer profile saved."), "success")
        return redirect(url_for("centres.detail", slug=centre.slug))
    return render_template("centres/profile.html", form=form, centre=centre)


@bp.route("/<slug>/hours", methods=["GET", "POST"])
@centre_required("leader")
def hours(centre: Centre):
    """Edit the weekly opening intervals of a centre."""
    if request.method == "POST":
        form = HoursForm()
    else:
        rows = [
            {
                "weekday": str(i.weekday),
                "opens": f"{i.opens_at:%H:%M}",
                "closes": f"{i.closes_at:%H:%M}",
                "is_user_run": i.is_user_run,
            }
            for i in centre.opening_intervals
        ]
        form = HoursForm(data={"intervals": rows + [{}] * BLANK_HOUR_ROWS})
    if form.validate_on_submit():
        replace_opening_hours(centre, form.cleaned)
        db.session.commit()
        flash(_("Opening hours saved."), "success")
        return redirect(url_for("centres.detail", slug=centre.slug))
    return render_template("centres/hours.html", form=form, centre=centre)


def _confirm_active(centre: Centre, make_active: bool):
    form = ConfirmForm()
    if form.validate_on_submit():
        set_active(centre, make_active)
        db.session.commit()
        if make_active:
            flash(_("Centre %(name)s is active again.", name=centre.name), "success")
        else:
            flash(_("Centre %(name)s deactivated.", name=centre.name), "success")
        return redirect(url_for("centres.detail", slug=centre.slug))
    return render_template(
        "centres/confirm_active.html",
        form=form,
        centre=centre,
        make_active=make_active,
    )


@bp.route("/<slug>/deactivate", methods=["GET", "POST"])
@centre_required("admin")
def deactivate(centre: Centre):
    """Deactivate a centre after confirmation; its data stays."""
    return _confirm_active(centre, False)


@bp.route("/<slug>/reactivate", methods=["GET", "POST"])
@centre_required("admin")
def reactivate(centre: Centre):
    """Reactivate a deactivated centre after confirmation."""
    return _confirm_active(centre, True)
