"""Scheduled housekeeping job: forget old login attempts, sessions and audit entries."""

import logging
from datetime import timedelta

from flask import Flask

from vaerested.audit import prune_audit_events
from vaerested.auth.operations import prune_login_attempts
from vaerested.auth.sessions import prune_sessions
from vaerested.extensions import db
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)


def run_prune_login_attempts(app: Flask) -> int:
    """Delete login attempts older than 30 days; return how many.

    The same run deletes sessions past their lifetime and audit entries older
    than ``AUDIT_RETENTION_DAYS``.
    """
    with app.app_context():
        removed = prune_login_attempts(timedelta(days=30))
        sessions = prune_sessions(utcnow())
        audited = prune_audit_events(int(app.config["AUDIT_RETENTION_DAYS"]))
        db.session.commit()
    logger.info(
        "Pruned %d old login attempts, %d sessions, %d audit entries",
        removed,
        sessions,
        audited,
    )
    return removed
