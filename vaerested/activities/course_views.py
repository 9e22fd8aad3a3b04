"""Course pages: enrolments, per-session attendance and follow-ups.

Category-3 courses are the one registered mode: a card (never a person) linked
to the job centre's referral reference. A category-2 clarification course
(*afklaringsforløb*) follows a card by its pseudonym only: no reference, no
name, no free text. Everything else about activities stays anonymous.
"""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from vaerested.activities import bp
from vaerested.activities import operations as ops
from vaerested.activities import queries as q
from vaerested.activities.forms import EnrolForm, FollowCardForm, FollowUpForm
from vaerested.activities.views import STAFF, _today, tz_
from vaerested.auth.decorators import centre_required
from vaerested.extensions import db
from vaerested.models import Centre

ENROL_ERRORS = {
    "invalid": _l("Not a card code."),
    "unknown": _l("Unknown card."),
    "revoked": _l("This card is revoked."),
    "duplicate": _l("This card already starts this course on that day."),
    "referral": _l("Enter the job centre's referral reference."),
}


def _course(centre: Centre, activity_id: int):
    activity = q.get_activity(centre, activity_id)
    if activity.category not in ops.COURSE_CATEGORIES:
        abort(404)
    return activity


@bp.route("/<slug>/<int:activity_id>/course")
@centre_required(*STAFF)
def course(centre: Centre, activity_id: int):
    """List a course's enrolments with their attendance and follow-ups."""
    activity = _course(centre, activity_id)
    enrolments = q.enrolments(activity)
    tz = tz_()
    if enrolments:
        first = min(e.start_date for e in enrolments)
        last = max((e.end_date or _today()) for e in enrolments)
        start, end = q.day_bounds(first, max(last, first), tz)
        sessions = [
            s
            for s in q.sessions_between(start, end, activity_id=activity.id)
            if not s.is_cancelled
        ]
    else:
        sessions = []
    attended = q.course_attendance(activity, enrolments, sessions)
    rows = []
    for e in enrolments:
        own = [
            s
            for s in sessions
            if e.start_date
            <= s.start_dt.astimezone(tz).date()
            <= (e.end_date or _today())
        ]
        present = sum((e.id, s.id) in attended for s in own)
        rows.append((e, own, present))
    return render_template(
        "activities/course.html",
        centre=centre,
        activity=activity,
        rows=rows,
        attended=attended,
    )


@bp.route("/<slug>/<int:activity_id>/course/enrol", methods=["GET", "POST"])
@centre_required(*STAFF)
def enrol(centre: Centre, activity_id: int):
    """Enrol a card on the course (category 3: with the job centre's referral
    reference; category 2: by the card's pseudonym only)."""
    activity = _course(centre, activity_id)
    form = EnrolForm() if activity.category == 3 else FollowCardForm()
    if form.validate_on_submit():
        try:
            ops.enrol(activity, form.code.data, form.data, current_user.id)
        except ops.EnrolmentError as error:
            form.code.errors = [*form.code.errors, ENROL_ERRORS.get(error.code, "?")]
        else:
            db.session.commit()
            flash(_("Card enrolled on the course."), "success")
            return redirect(
                url_for("activities.course", slug=centre.slug, activity_id=activity.id)
            )
    elif not form.is_submitted():
        form.start_date.data = _today()
        form.end_date.data = _today() + timedelta(weeks=13)
    return render_template(
        "activities/enrol.html", form=form, centre=centre, activity=activity
    )


@bp.route(
    "/<slug>/<int:activity_id>/course/<int:enrolment_id>/follow-up",
    methods=["GET", "POST"],
)
@centre_required(*STAFF)
def follow_up(centre: Centre, activity_id: int, enrolment_id: int):
    """Add a follow-up (date and outcome) to an enrolment."""
    activity = _course(centre, activity_id)
    enrolment = q.get_enrolment(activity, enrolment_id)
    form = FollowUpForm()
    if not form.is_submitted():
        form.follow_up_date.data = _today()
    if form.validate_on_submit():
        ops.add_follow_up(
            enrolment, form.follow_up_date.data, form.outcome.data, current_user.id
        )
        db.session.commit()
        flash(_("Follow-up added."), "success")
        return redirect(
            url_for("activities.course", slug=centre.slug, activity_id=activity.id)
        )
    return render_template(
        "activities/follow_up.html",
        form=form,
        centre=centre,
        activity=activity,
        enrolment=enrolment,
    )
