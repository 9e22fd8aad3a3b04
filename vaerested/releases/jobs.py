"""Scheduled public releases: find due periods, claim them, release or refuse.

A run is claimed by INSERTing its row, UNIQUE per (schedule, period), as the
first statement of its own transaction: a second scheduler started by mistake
fails to insert and skips, so a period is released at most once per schedule.
The ε is spent by :func:`vaerested.releases.operations.make_release` through the
ledger's conditional UPDATE, in the same transaction as the run's outcome; when
the budget is missing or spent, the run is recorded as refused, with the
ledger's message, on the page and in the audit log.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import Flask
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from vaerested.audit import record_audit
from vaerested.checkin.operations import local_tz
from vaerested.extensions import db
from vaerested.models import ReleaseSchedule, ReleaseScheduleRun
from vaerested.models.base import utcnow
from vaerested.releases.operations import ReleaseError, in_default_locale, make_release
from vaerested.services.periods import Period, due_period

logger = logging.getLogger(__name__)

#: Run states (``release_schedule_runs.status``).
RUNNING, DONE, REFUSED, FAILED = "running", "done", "refused", "failed"
#: Who the ledger and the audit log say made a scheduled release.
ACTOR = "scheduler"


def local_today() -> date:
    """Return today's local date (config ``TIMEZONE``)."""
    return utcnow().astimezone(local_tz()).date()


@dataclass(frozen=True)
class DueRelease:
    """A schedule's period that is due and has no run yet (plain values)."""

    schedule_id: int
    name: str
    epsilon: float
    max_transitions: int
    max_visits: int
    period: Period


def schedule_due_period(schedule: ReleaseSchedule, today: date) -> Period | None:
    """Return the period ``schedule`` should have released by ``today``, or
    None when its first run day is still to come (periods ended before it was
    made are not released)."""
    return due_period(
        schedule.cadence,
        today,
        **schedule.anchor,
        not_before=schedule.created_dt.astimezone(local_tz()).date(),
    )


def due_releases(today: date) -> list[DueRelease]:
    """Return the due period of each active schedule that has no run yet."""
    due = []
    for schedule in db.session.scalars(
        select(ReleaseSchedule)
        .where(ReleaseSchedule.is_active.is_(True))
        .order_by(ReleaseSchedule.id)
    ):
        period = schedule_due_period(schedule, today)
        if period is None:
            continue
        exists = db.session.scalar(
            select(ReleaseScheduleRun.id).where(
                ReleaseScheduleRun.schedule_id == schedule.id,
                ReleaseScheduleRun.period_start == period.start,
                ReleaseScheduleRun.period_end == period.end,
            )
        )
        if exists is None:
            due.append(
                DueRelease(
                    schedule.id,
                    schedule.name,
                    schedule.epsilon,
                    schedule.max_transitions,
                    schedule.max_visits,
                    period,
                )
            )
    return due


def claim(due: DueRelease, now: datetime) -> int | None:
    """Insert the running run of a due period; return its id, or None when
    another scheduler inserted it first."""
    db.session.commit()  # the INSERT must open a transaction of its own
    try:
        run_id = db.session.execute(
            insert(ReleaseScheduleRun)
            .values(
                schedule_id=due.schedule_id,
                period_start=due.period.start,
                period_end=due.period.end,
                status=RUNNING,
                message="",
                started_dt=now,
            )
            .returning(ReleaseScheduleRun.id)
        ).scalar_one()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        logger.info(
            "Release schedule %s: %s claimed elsewhere", due.schedule_id, due.period
        )
        return None
    return run_id


def _finish(run_id: int, status: str, message: str = "", release_id=None) -> None:
    """Record a run's outcome (flush; the caller commits)."""
    db.session.execute(
        update(ReleaseScheduleRun)
        .where(ReleaseScheduleRun.id == run_id)
        .values(
            status=status,
            message=message[:500],
            release_id=release_id,
            finished_dt=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def execute(run_id: int, due: DueRelease) -> str:
    """Make the release of a claimed run, or record why not; commit. Return
    the run's status."""
    period = due.period
    try:
        with in_default_locale():  # a refusal is read on the page later
            release = make_release(
                period.start,
                period.end,
                due.name,
                epsilon=due.epsilon,
                max_transitions=due.max_transitions,
                max_visits=due.max_visits,
                actor_label=ACTOR,
            )
        # The outcome is written in the transaction that spent the ε.
        _finish(run_id, DONE, release_id=release.id)
        db.session.commit()
        return DONE
    except ReleaseError as error:
        db.session.rollback()
        status, message = REFUSED, str(error)
    except Exception as error:  # recorded on the run; the period is not retried
        db.session.rollback()
        logger.exception("Release schedule %s run %s failed", due.schedule_id, run_id)
        first_line = (str(error).splitlines() or [""])[0]
        status, message = FAILED, f"{type(error).__name__}: {first_line}"
    _finish(run_id, status, message)
    record_audit(
        "release.refused" if status == REFUSED else "release.failed",
        actor_label=ACTOR,
        report="public",
        period=(period.start, period.end),
        detail=f"schedule={due.schedule_id} run={run_id} {message}"[:500],
    )
    db.session.commit()
    logger.warning(
        "Release schedule %s, %s: %s (%s)", due.schedule_id, period, status, message
    )
    return status


def run_release_schedules(app: Flask) -> dict[str, int]:
    """Job body: make (or refuse) the release of every due schedule period.

    :return: how many runs were done, refused, failed, and left to another
        scheduler.
    """
    counts = {DONE: 0, REFUSED: 0, FAILED: 0, "skipped": 0}
    with app.app_context():
        for due in due_releases(local_today()):
            run_id = claim(due, utcnow())
            if run_id is None:
                counts["skipped"] += 1
                continue
            counts[execute(run_id, due)] += 1
        db.session.commit()
    logger.info("Release schedules: %s", counts)
    return counts
