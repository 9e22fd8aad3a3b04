"""Session pages: one session, its attendance, card scans, cancel and move."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from vaerested.activities import bp
from vaerested.activities import operations as ops
from vaerested.activities import queries as q
from vaerested.activities.forms import AttendanceForm, ScanForm, SessionChangeForm
from vaerested.activities.views import STAFF, _flash_warnings, tz_
from vaerested.auth.decorators import centre_required
from vaerested.extensions import db
from vaerested.models import Centre
from vaerested.models.base import utcnow

SCAN_MESSAGES = {
    "new": ("success", _l("Card registered at the session.")),
    "volunteer": ("success", _l("Card registered as a volunteer at the session.")),
    "already": ("info", _l("This card is already registered at the session.")),
    "invalid": ("error", _l("Not a card code.")),
    "unknown": ("error", _l("Unknown card.")),
    "revoked": ("error", _l("This card is revoked.")),
    "not_yet": ("error", _l("The session's day has not come yet.")),
    "cancelled": ("error", _l("The session is cancelled.")),
}


def _session_page(centre, session, attendance_form=None, scan_form=None):
    counts = q.attendance_counts([session.id]).get(session.id)
    if attendance_form is None:
        attendance_form = AttendanceForm(
            data={
                "headcount": counts.headcount if counts and counts.recorded else None,
                "volunteers": counts.volunteers if counts else 0,
            }
        )
    return render_template(
        "activities/session.html",
        centre=centre,
        session=session,
        activity=session.activity,
        counts=counts,
        volunteer_cards=q.volunteer_scans(session.id),
        attendance_form=attendance_form,
        scan_form=scan_form or ScanForm(formdata=None),
        warnings=q.session_warnings([session], tz_()).get(session.id, []),
        can_record=ops.scan_time(session, utcnow(), tz_()) is not None
        and not session.is_cancelled,
    )


@bp.route("/<slug>/sessions/<int:session_id>")
@centre_required(*STAFF)
def session(centre: Centre, session_id: int):
    """Show one session with its attendance forms."""
    return _session_page(centre, q.get_session(centre, session_id))


@bp.route("/<slug>/sessions/<int:session_id>/attendance", methods=["POST"])
@centre_required(*STAFF)
def attendance(centre: Centre, session_id: int):
    """Save the anonymous headcount and the volunteers of a session."""
    sess = q.get_session(centre, session_id)
    form = AttendanceForm()
    if ops.scan_time(sess, utcnow(), tz_()) is None or sess.is_cancelled:
        flash(_("Attendance can be recorded from the session's day on."), "error")
    elif form.validate_on_submit():
        ops.record_attendance(
            sess, form.headcount.data, form.volunteers.data, current_user.id
        )
        db.session.commit()
        flash(_("Attendance saved."), "success")
        return redirect(
            url_for("activities.session", slug=centre.slug, session_id=sess.id)
        )
    return _session_page(centre, sess, attendance_form=form), 400


@bp.route("/<slug>/sessions/<int:session_id>/scan", methods=["POST"])
@centre_required(*STAFF)
def scan(centre: Centre, session_id: int):
    """Register a card at a session (it also counts as the day's visit)."""
    sess = q.get_session(centre, session_id)
    form = ScanForm()
    if not form.validate_on_submit():
        return _session_page(centre, sess, scan_form=form), 400
    result = ops.record_session_scan(
        sess, centre, form.code.data, utcnow(), tz_(), volunteer=form.is_volunteer.data
    )
    db.session.commit()
    outcome = result.outcome
    if form.is_volunteer.data and outcome in ("new", "already"):
        outcome = "volunteer"
    category, message = SCAN_MESSAGES[outcome]
    flash(str(message), category)
    return redirect(url_for("activities.session", slug=centre.slug, session_id=sess.id))


@bp.route("/<slug>/sessions/<int:session_id>/change", methods=["GET", "POST"])
@centre_required("leader")
def session_change(centre: Centre, session_id: int):
    """Cancel, move or reinstate one session, with a reason about the session."""
    sess = q.get_session(centre, session_id)
    form = SessionChangeForm()
    if request.method == "GET":
        local = sess.start_dt.astimezone(tz_())
        form.day.data = local.date()
        form.start_time.data = local.time()
        form.end_time.data = sess.end_dt.astimezone(tz_()).time()
    if form.validate_on_submit():
        action = form.action.data
        if action == "cancel":
            ops.cancel_session(sess, form.reason.data)
            flash(_("Session cancelled."), "success")
        elif action == "move":
            ops.move_session(
                sess,
                form.day.data,
                form.start_time.data,
                form.end_time.data,
                form.reason.data,
                tz_(),
            )
            _flash_warnings([sess])
            flash(_("Session moved."), "success")
        else:
            ops.reinstate_session(sess)
            flash(_("Session reinstated."), "success")
        db.session.commit()
        return redirect(
            url_for("activities.session", slug=centre.slug, session_id=sess.id)
        )
    return render_template(
        "activities/session_change.html", form=form, centre=centre, session=sess
    )
