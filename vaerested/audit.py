"""The audit log: one operation that records an action, and its retention.

Recorded: report downloads (on demand and of scheduled runs), raw CLI exports
(``flask export`` below ``EXPORT_MIN_CELL_FLOOR``), card revocations, account
and role changes, and kiosk token creation and revocation. Each entry says who
(the logged-in user, the API caller, or ``cli``/``scheduler``), what, which
centre or report and period, when and from which address. Never a card code.
"""

import logging
from datetime import date, timedelta

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, select

from vaerested.extensions import db
from vaerested.models import AuditEvent, StaffUser
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)

#: Action -> its label on the audit page.
ACTIONS = {
    "report.download": _l("Report downloaded"),
    "export_run.download": _l("Scheduled export downloaded"),
    "export.raw": _l("Raw export from the command line"),
    "card.revoke": _l("Card revoked"),
    "user.create": _l("Account created"),
    "user.update": _l("Account or role changed"),
    "user.password": _l("Password set"),
    "user.deactivate": _l("Account deactivated"),
    "kiosk_token.create": _l("Kiosk token created"),
    "kiosk_token.revoke": _l("Kiosk token revoked"),
    "staff_token.create": _l("Staff token created"),
    "staff_token.revoke": _l("Staff token revoked"),
    "release.create": _l("Public release made (privacy budget spent)"),
    "release.budget": _l("Privacy budget set"),
    "release.download": _l("Public release downloaded"),
    "release.schedule": _l("Public release schedule changed"),
    "release.refused": _l("Scheduled public release refused"),
    "release.failed": _l("Scheduled public release failed"),
}


def _actor(actor: StaffUser | None, label: str | None) -> tuple[int | None, str]:
    """Return ``(actor_id, actor_label)``: the given user, else the request's."""
    if actor is not None:
        return actor.id, actor.email
    if label is not None:
        return None, label
    if not has_request_context():
        return None, "cli"
    if current_user and current_user.is_authenticated:
        return current_user.id, current_user.email
    caller = g.get("api_caller")
    if caller is not None:
        if caller.user_id is not None:
            user = db.session.get(StaffUser, caller.user_id)
            return caller.user_id, user.email if user else ""
        return None, f"{caller.kind}:{caller.token_id}"
    return None, "anonymous"


def record_audit(
    action: str,
    *,
    actor: StaffUser | None = None,
    actor_label: str | None = None,
    centre_id: int | None = None,
    report: str | None = None,
    period: tuple[date, date] | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add an audit entry (flushes; the caller commits).

    Without ``actor`` or ``actor_label`` the actor is the logged-in user or the
    API caller of the request, or ``cli`` outside a request.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    actor_id, label = _actor(actor, actor_label)
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        actor_label=(label or "")[:254],
        centre_id=centre_id,
        report=report,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        detail=(detail or "")[:500],
        remote_addr=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(event)
    db.session.flush()
    logger.info("Audit %s by %s (%s)", action, actor_id or label, event.id)
    return event


def prune_audit_events(keep_days: int) -> int:
    """Delete audit entries older than ``keep_days`` days; return how many."""
    cutoff = utcnow() - timedelta(days=keep_days)
    result = db.session.execute(
        delete(AuditEvent).where(AuditEvent.occurred_dt < cutoff)
    )
    return result.rowcount or 0


def audit_query(action: str | None = None, actor: str | None = None):
    """Return the select of audit entries, newest first, optionally filtered."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor_label == actor)
    return query
