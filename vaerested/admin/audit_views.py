"""The audit log page: every download, export, revocation and account change."""

from flask import render_template, request
from sqlalchemy import select

from vaerested.admin import bp
from vaerested.audit import ACTIONS, audit_query
from vaerested.extensions import db
from vaerested.models import AuditEvent, Centre
from vaerested.parsing import arg_date, arg_page

#: Entries per page.
PER_PAGE = 50


@bp.route("/audit")
def audit():
    """List audit entries, newest first, filtered by action, person and period."""
    page = arg_page()
    action = request.args.get("action", "")
    action = action if action in ACTIONS else ""
    actor = request.args.get("actor", "").strip()[:254]
    since = arg_date("from")
    until = arg_date("to")
    query = audit_query(action or None, actor or None)
    if since is not None:
        query = query.where(AuditEvent.period_end >= since)
    if until is not None:
        query = query.where(AuditEvent.period_start <= until)
    rows = db.session.scalars(
        query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    ).all()
    centre_ids = {r.centre_id for r in rows if r.centre_id}
    centres = (
        dict(
            db.session.execute(
                select(Centre.id, Centre.name).where(Centre.id.in_(centre_ids))
            ).all()
        )
        if centre_ids
        else {}
    )
    actors = db.session.scalars(
        select(AuditEvent.actor_label).distinct().order_by(AuditEvent.actor_label)
    ).all()
    filters = {
        k: v
        for k, v in {
            "action": action,
            "actor": actor,
            "from": request.args.get("from", ""),
            "to": request.args.get("to", ""),
        }.items()
        if v
    }
    return render_template(
        "admin/audit.html",
        events=rows[:PER_PAGE],
        page=page,
        has_next=len(rows) > PER_PAGE,
        actions=ACTIONS,
        actors=actors,
        centres=centres,
        filters=filters,
    )
