"""Scheduled job bodies for check-in data (the scheduler itself lives elsewhere)."""

import logging
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import delete, func, update

from vaerested.checkin.operations import local_date, local_tz
from vaerested.extensions import db
from vaerested.models import CourseEnrolment, HousingStatement, SessionScan, Visit
from vaerested.models.base import utcnow
from vaerested.reports.tables import cache as report_cache

logger = logging.getLogger(__name__)


def unlink_old_visits(cutoff_date: date) -> int:
    """Cut the card link of visits before ``cutoff_date``; return rows changed.

    The visits stay (every count is unchanged); only which card made them is
    forgotten, so no card's history reaches back further than the retention.
    """
    result = db.session.execute(
        update(Visit)
        .where(Visit.visit_date < cutoff_date, Visit.card_id.is_not(None))
        .values(card_id=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def unlink_old_activity_cards(cutoff_date: date) -> tuple[int, int]:
    """Cut the card link of session scans and course enrolments before
    ``cutoff_date``; return ``(scans, enrolments)`` changed.

    A scan is old when it was made before the cutoff day began (local time);
    an enrolment when it ended before the cutoff (or, with no end, started
    before it). The rows stay: attendance and course figures still count them.
    """
    from vaerested.reports.tables.dashboard_queries import local_start

    scans = db.session.execute(
        update(SessionScan)
        .where(
            SessionScan.scanned_dt < local_start(cutoff_date, local_tz()),
            SessionScan.card_id.is_not(None),
        )
        .values(card_id=None)
        .execution_options(synchronize_session=False)
    )
    ended = func.coalesce(CourseEnrolment.end_date, CourseEnrolment.start_date)
    enrolments = db.session.execute(
        update(CourseEnrolment)
        .where(ended < cutoff_date, CourseEnrolment.card_id.is_not(None))
        .values(card_id=None)
        .execution_options(synchronize_session=False)
    )
    return scans.rowcount or 0, enrolments.rowcount or 0


def delete_old_housing_statements(cutoff_date: date) -> int:
    """Delete housing statements dated before ``cutoff_date``; return rows deleted.

    A statement without its card means nothing, so it goes with the card link
    of the visits: no card's housing history reaches back further than the
    retention (a card's first kept statement then has no previous one).
    """
    result = db.session.execute(
        delete(HousingStatement)
        .where(HousingStatement.stated_on < cutoff_date)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def retention_cutoff(today: date, days: int) -> date:
    """Return the first local day whose card visits are kept."""
    return today - timedelta(days=days)


def run_retention(app: Flask) -> int:
    """Job body: unlink card visits, session scans and course enrolments, and
    delete housing statements, older than ``VISIT_CARD_RETENTION_DAYS``;
    return the visits unlinked."""
    with app.app_context():
        today = local_date(utcnow(), local_tz())
        cutoff = retention_cutoff(today, app.config["VISIT_CARD_RETENTION_DAYS"])
        count = unlink_old_visits(cutoff)
        scans, enrolments = unlink_old_activity_cards(cutoff)
        statements = delete_old_housing_statements(cutoff)
        if (
            count or scans or statements
        ):  # card counts of periods before the cutoff change
            report_cache.invalidate(db.session, before=cutoff)
        db.session.commit()
        logger.info(
            "Retention: unlinked %d visit(s), %d session scan(s) and %d course "
            "enrolment(s), deleted %d housing statement(s) before %s",
            count,
            scans,
            enrolments,
            statements,
            cutoff,
        )
        return count
