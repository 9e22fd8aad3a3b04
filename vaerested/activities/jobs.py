"""Scheduled job bodies for activities (the scheduler itself lives elsewhere)."""

import logging
from zoneinfo import ZoneInfo

from flask import Flask

from vaerested.activities.operations import materialise_all
from vaerested.extensions import db
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)


def run_materialise_sessions(app: Flask) -> int:
    """Job body: create the sessions of the next ``SESSION_HORIZON_DAYS`` days.

    Idempotent: a session exists once per activity and rule occurrence.
    """
    with app.app_context():
        created = materialise_all(
            utcnow(),
            app.config["SESSION_HORIZON_DAYS"],
            ZoneInfo(app.config["TIMEZONE"]),
        )
        db.session.commit()
        logger.info("Materialised %d new session(s)", created)
        return created
