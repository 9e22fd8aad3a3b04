"""Administration: districts, staff accounts and the list of target groups."""

from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from vaerested.admin import bp
from vaerested.admin.forms import (
    ROLE_LABELS,
    ConfirmForm,
    DistrictForm,
    PasswordResetForm,
    TargetGroupForm,
    UserCreateForm,
    UserEditForm,
)
from vaerested.admin.operations import (
    create_user,
    deactivate_user,
    delete_district,
    save_district,
    save_target_group,
    set_password,
    update_user,
)
from vaerested.auth.decorators import role_required
from vaerested.auth.sessions import log_in
from vaerested.centres.forms import choice_list
from vaerested.extensions import db
from vaerested.models import Centre, District, StaffUser, TargetGroup


@bp.before_request
@role_required("admin")
def require_admin():
    """Every page here is for administration only."""


@bp.context_processor
def admin_helpers() -> dict:
    tz = ZoneInfo(current_app.config["TIMEZONE"])

    def local_dt(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "–"

    return {"local_dt": local_dt, "role_names": ROLE_LABELS}


def _get_or_404(model, ident: int):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def _centre_choices(current: list[Centre] = ()) -> list:
    keep = {c.id for c in current}
    centres = db.session.scalars(select(Centre).order_by(Centre.name))
    return choice_list((c.id, c.name) for c in centres if c.is_active or c.id in keep)


def _centres_by_ids(ids: list[int] | None) -> list[Centre]:
    if not ids:
        return []
    return list(db.session.scalars(select(Centre).where(Centre.id.in_(ids))))


# Districts


@bp.route("/districts")
def districts():
    """List districts with their number of active centres."""
    counts = dict(
        db.session.execute(
            select(Centre.district_id, func.count())
            .where(Centre.is_active.is_(True))
            .group_by(Centre.district_id)
        ).all()
    )
    rows = db.session.scalars(
        select(District).order_by(District.municipality, District.code)
    ).all()
    areas = {
        d.id: format_decimal(d.area_km2, "#,##0.0#")
        for d in rows
        if d.area_km2 is not None
    }
    return render_template(
        "admin/districts.html", districts=rows, counts=counts, areas=areas
    )


@bp.route("/districts/new", methods=["GET", "POST"])
def district_create():
    """Create a district."""
    form = DistrictForm()
    if form.validate_on_submit():
        district = save_district(None, form.data)
        db.session.commit()
        flash(_("District %(name)s created.", name=district.name), "success")
        return redirect(url_for("admin.districts"))
    return render_template("admin/district_form.html", form=form, district=None)


@bp.route("/districts/<int:district_id>/edit", methods=["GET", "POST"])
def district_edit(district_id: int):
    """Edit a district."""
    district = _get_or_404(District, district_id)
    form = DistrictForm(district=district)
    if form.validate_on_submit():
        save_district(district, form.data)
        db.session.commit()
        flash(_("District %(name)s saved.", name=district.name), "success")
        return redirect(url_for("admin.districts"))
    return render_template("admin/district_form.html", form=form, district=district)


@bp.route("/districts/<int:district_id>/delete", methods=["GET", "POST"])
def district_delete(district_id: int):
    """Delete a district after confirmation, unless centres lie in it."""
    district = _get_or_404(District, district_id)
    form = ConfirmForm()
    if district.centres:
        if form.is_submitted():
            flash(_("The district still has centres; it was not deleted."), "error")
            return redirect(url_for("admin.district_delete", district_id=district.id))
    elif form.validate_on_submit():
        name = district.name
        delete_district(district)
        db.session.commit()
        flash(_("District %(name)s deleted.", name=name), "success")
        return redirect(url_for("admin.districts"))
    return render_template("admin/district_delete.html", form=form, district=district)


# Staff accounts


@bp.route("/users")
def users():
    """List staff accounts."""
    rows = db.session.scalars(
        select(StaffUser)
        .options(selectinload(StaffUser.centres))
        .order_by(StaffUser.is_active_account.desc(), StaffUser.email)
    ).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
def user_create():
    """Create a staff account with an initial password."""
    form = UserCreateForm(actor=current_user)
    form.centres.choices = _centre_choices()
    del form.is_active  # new accounts start active
    if form.validate_on_submit():
        user = create_user(
            form.email.data,
            form.display_name.data,
            form.role.data,
            _centres_by_ids(form.centres.data),
            form.password.data,
        )
        db.session.commit()
        flash(_("Account %(email)s created.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    """Edit an account's name, role, centres and active flag."""
    user = _get_or_404(StaffUser, user_id)
    form = UserEditForm(user=user, actor=current_user)
    form.centres.choices = _centre_choices(user.centres)
    if form.validate_on_submit():
        update_user(
            user,
            form.display_name.data,
            form.role.data,
            _centres_by_ids(form.centres.data),
            form.is_active.data,
        )
        db.session.commit()
        flash(_("Account %(email)s saved.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def user_password(user_id: int):
    """Set a new password for an account, ending all its sessions."""
    user = _get_or_404(StaffUser, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        set_password(user, form.password.data)
        db.session.commit()
        if user.id == current_user.id:
            log_in(user)  # keep this browser logged in; every other one has ended
            db.session.commit()
        flash(
            _(
                "New password set for %(email)s. They must log in again.",
                email=user.email,
            ),
            "success",
        )
        return redirect(url_for("admin.users"))
    return render_template("admin/user_password.html", form=form, user=user)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def user_deactivate(user_id: int):
    """Deactivate an account after confirmation (never one's own)."""
    user = _get_or_404(StaffUser, user_id)
    form = ConfirmForm()
    if user.id == current_user.id:
        if form.is_submitted():
            flash(_("You cannot deactivate your own account."), "error")
            return redirect(url_for("admin.users"))
    elif form.validate_on_submit():
        deactivate_user(user)
        db.session.commit()
        flash(_("Account %(email)s deactivated.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_deactivate.html", form=form, user=user)


# Target groups


def _group_data(group: TargetGroup) -> dict:
    return {"code": group.code, "name_da": group.name_da, "name_en": group.name_en}


@bp.route("/target-groups")
def target_groups():
    """List the managed target groups."""
    rows = db.session.scalars(
        select(TargetGroup).order_by(TargetGroup.is_active.desc(), TargetGroup.code)
    ).all()
    return render_template("admin/target_groups.html", groups=rows)


@bp.route("/target-groups/new", methods=["GET", "POST"])
def target_group_create():
    """Add a target group."""
    form = TargetGroupForm()
    if form.validate_on_submit():
        group = save_target_group(None, form.data)
        db.session.commit()
        flash(_("Target group %(code)s created.", code=group.code), "success")
        return redirect(url_for("admin.target_groups"))
    return render_template("admin/target_group_form.html", form=form, group=None)


@bp.route("/target-groups/<int:group_id>/edit", methods=["GET", "POST"])
def target_group_edit(group_id: int):
    """Edit a target group (also to reactivate it)."""
    group = _get_or_404(TargetGroup, group_id)
    form = TargetGroupForm(group=group)
    if form.validate_on_submit():
        save_target_group(group, form.data)
        db.session.commit()
        flash(_("Target group %(code)s saved.", code=group.code), "success")
        return redirect(url_for("admin.target_groups"))
    return render_template("admin/target_group_form.html", form=form, group=group)


@bp.route("/target-groups/<int:group_id>/deactivate", methods=["GET", "POST"])
def target_group_deactivate(group_id: int):
    """Retire a target group after confirmation; profiles keep it."""
    group = _get_or_404(TargetGroup, group_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        save_target_group(group, {**_group_data(group), "is_active": False})
        db.session.commit()
        flash(_("Target group %(code)s deactivated.", code=group.code), "success")
        return redirect(url_for("admin.target_groups"))
    return render_template("admin/target_group_deactivate.html", form=form, group=group)
