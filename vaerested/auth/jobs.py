"""Scheduled job: forget old login attempts."""

import logging
from datetime import timedelta

from flask import Flask

from vaerested.auth.operations import prune_login_attempts
from vaerested.extensions import db

logger = logging.getLogger(__name__)


def run_prune_login_attempts(app: Flask) -> int:
    """Delete login attempts older than 30 days; return how many."""
    with app.app_context():
        removed = prune_login_attempts(timedelta(days=30))
        db.session.commit()
    logger.info("Pruned %d old login attempts", removed)
    return removed
