"""Scheduled exports: find due periods and queued runs, claim them, run them.

The claim is a database row, so two schedulers started by mistake (or the
scheduler and a web worker's "Run now" thread) never do the same run twice:

- a schedule's run for a period is claimed by INSERTing its row, which is
  UNIQUE per (schedule, period): the second INSERT fails and that worker skips;
- a queued, failed or crashed run is claimed by a conditional UPDATE
  (``… SET status='running', attempts=attempts+1 WHERE id=… AND status=…``): it
  takes the row lock on PostgreSQL and the database write lock on SQLite, and
  only the worker that changed the row (rowcount 1) goes on.

Every claim and status write begins a transaction of its own, since on SQLite
a transaction that read first and writes later fails at once with "database is
locked" when another connection wrote in between. The files of run N go to
``instance/exports/N/``, written into a hidden directory first and renamed when
complete, so a download never sees half a file set.

A scheduled run that succeeded, or failed for the last time, is then mailed to
its schedule's recipients (:mod:`vaerested.exports.delivery`), claimed per
(run, recipient) the same way.
"""

import json
import logging
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from vaerested.exports.delivery import deliver_run
from vaerested.exports.formats import write_report
from vaerested.exports.human import About
from vaerested.extensions import db
from vaerested.models import ExportRun, ExportSchedule, RunOrigin, RunStatus
from vaerested.models.base import utcnow
from vaerested.reports.tables.build import ReportError, build_report
from vaerested.services.periods import Period, due_period

logger = logging.getLogger(__name__)

#: "Run now" exports of a web worker run one at a time, off the request.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-run")


def exports_dir() -> Path:
    """Return ``instance/exports/``, where every run has a directory."""
    return Path(current_app.instance_path) / "exports"


def local_today() -> date:
    """Return today's local date (config ``TIMEZONE``)."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


@dataclass(frozen=True)
class DueRun:
    """A schedule's period that is due and has no run yet (plain values)."""

    schedule_id: int
    report: str
    format: str
    min_cell: int
    period: Period


def due_schedule_periods(today: date) -> list[DueRun]:
    """Return the due period of each active schedule that has no run yet."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    due = []
    for schedule in db.session.scalars(
        select(ExportSchedule)
        .where(ExportSchedule.is_active.is_(True))
        .order_by(ExportSchedule.id)
    ):
        period = due_period(
            schedule.cadence,
            today,
            **schedule.anchor,
            not_before=schedule.created_dt.astimezone(tz).date(),
        )
        if period is None:
            continue
        exists = db.session.scalar(
            select(ExportRun.id).where(
                ExportRun.schedule_id == schedule.id,
                ExportRun.period_start == period.start,
                ExportRun.period_end == period.end,
            )
        )
        if exists is None:
            due.append(
                DueRun(
                    schedule.id,
                    schedule.report,
                    schedule.format.value,
                    schedule.min_cell,
                    period,
                )
            )
    return due


def claim_schedule_period(due: DueRun, now: datetime) -> int | None:
    """Insert the running run of a schedule's due period; return its id.

    Return None when the row exists already: another worker claimed it.
    """
    values = {
        "schedule_id": due.schedule_id,
        "report": due.report,
        "format": due.format,
        "period_start": due.period.start,
        "period_end": due.period.end,
        "min_cell": due.min_cell,
        "status": RunStatus.RUNNING,
        "started_by": RunOrigin.SCHEDULER,
        "queued_dt": now,
        "started_dt": now,
        "attempts": 1,
        "progress": 5,
    }
    db.session.commit()  # the INSERT must open a transaction of its own
    try:
        run_id = db.session.execute(
            insert(ExportRun).values(**values).returning(ExportRun.id)
        ).scalar_one()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        logger.info(
            "Export schedule %s: %s claimed elsewhere", due.schedule_id, due.period
        )
        return None
    return run_id


def claim_run(
    run_id: int,
    status: RunStatus,
    now: datetime,
    *,
    max_attempts: int | None = None,
    started_before: datetime | None = None,
) -> int | None:
    """Move run ``run_id`` from ``status`` to running; return its attempt number.

    Return None if another worker changed the row first (or the limits exclude it).
    """
    conditions = [ExportRun.id == run_id, ExportRun.status == status]
    if max_attempts is not None:
        conditions.append(ExportRun.attempts < max_attempts)
    if started_before is not None:
        conditions.append(ExportRun.started_dt < started_before)
    db.session.commit()  # the UPDATE must open a transaction of its own
    result = db.session.execute(
        update(ExportRun)
        .where(*conditions)
        .values(
            status=RunStatus.RUNNING,
            attempts=ExportRun.attempts + 1,
            started_dt=now,
            finished_dt=None,
            error=None,
            progress=5,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    attempt = db.session.scalar(
        select(ExportRun.attempts).where(ExportRun.id == run_id)
    )
    db.session.commit()
    return attempt


def _update_own_run(run_id: int, attempt: int, **values) -> bool:
    """Update the run if this worker's attempt still owns it; commit."""
    db.session.commit()
    result = db.session.execute(
        update(ExportRun)
        .where(
            ExportRun.id == run_id,
            ExportRun.status == RunStatus.RUNNING,
            ExportRun.attempts == attempt,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def describe_error(error: Exception) -> str:
    """Return a short message about what went wrong (no data, no traceback)."""
    if isinstance(error, ReportError):
        text = str(error)
    elif isinstance(error, OSError):
        text = f"{type(error).__name__}: {error.strerror or error}"
    else:
        first_line = (str(error).splitlines() or [""])[0]
        text = f"{type(error).__name__}: {first_line}"
    return text[:500]


def execute_run(run_id: int, attempt: int) -> bool:
    """Build and write the export of a claimed run; record the outcome.

    :return: whether the run succeeded.
    """
    begun = time.monotonic()
    run = db.session.get(ExportRun, run_id)
    report, fmt, min_cell = run.report, run.format.value, run.min_cell
    # A run never writes below the floor (a schedule saved before it existed).
    min_cell = max(min_cell, max(2, int(current_app.config["EXPORT_MIN_CELL_FLOOR"])))
    start, end = run.period_start, run.period_end
    final = exports_dir() / str(run_id)
    partial = exports_dir() / f".{run_id}.partial"
    try:
        tables = build_report(report, start, end, min_cell=min_cell)
        _update_own_run(run_id, attempt, progress=60)
        shutil.rmtree(partial, ignore_errors=True)
        about = About(
            report=report,
            start=start,
            end=end,
            min_cell=min_cell,
            generated_dt=utcnow(),
            schedule=run.schedule.name if run.schedule is not None else None,
            user=(
                run.started_by_user.display_name
                if run.started_by_user is not None
                else None
            ),
        )
        paths = write_report(
            tables, fmt, partial, basename_prefix=f"{start}_{end}_", about=about
        )
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)
    except Exception as error:  # recorded on the run, retried next tick
        db.session.rollback()
        shutil.rmtree(partial, ignore_errors=True)
        logger.exception("Export run %s (attempt %s) failed", run_id, attempt)
        recorded = _update_own_run(
            run_id,
            attempt,
            status=RunStatus.FAILED,
            finished_dt=utcnow(),
            duration_ms=int((time.monotonic() - begun) * 1000),
            error=describe_error(error),
            progress=0,
        )
        # The recipients hear of a failure once no retry follows.
        if recorded and attempt >= current_app.config["EXPORT_MAX_ATTEMPTS"]:
            deliver_run(run_id)
        return False
    row_counts = {table.name: len(table.rows) for table in tables}
    done = _update_own_run(
        run_id,
        attempt,
        status=RunStatus.SUCCEEDED,
        finished_dt=utcnow(),
        duration_ms=int((time.monotonic() - begun) * 1000),
        row_counts=json.dumps(row_counts),
        file_paths=json.dumps([f"{run_id}/{path.name}" for path in paths]),
        progress=100,
    )
    logger.info("Export run %s done: %s", run_id, row_counts)
    if done:
        deliver_run(run_id)  # e-mail to the schedule's recipients; never raises
    return done


def _pending_runs(now: datetime) -> list[tuple[int, RunStatus]]:
    """Return queued runs, retryable failed runs and crashed running runs."""
    stale = now - timedelta(minutes=current_app.config["EXPORT_STALE_MINUTES"])
    rows = db.session.execute(
        select(ExportRun.id, ExportRun.status)
        .outerjoin(ExportSchedule, ExportRun.schedule_id == ExportSchedule.id)
        .where(
            (ExportRun.status == RunStatus.QUEUED)
            | (
                (ExportRun.status == RunStatus.FAILED)
                & (ExportRun.attempts < current_app.config["EXPORT_MAX_ATTEMPTS"])
                & (ExportSchedule.id.is_(None) | ExportSchedule.is_active.is_(True))
            )
            | ((ExportRun.status == RunStatus.RUNNING) & (ExportRun.started_dt < stale))
        )
        .order_by(ExportRun.id)
    ).all()
    return [(row.id, row.status) for row in rows]


def run_export_tick(app: Flask) -> dict[str, int]:
    """Job body: run due schedule periods, queued runs and retries.

    :return: how many runs succeeded, failed, and were left to another worker.
    """
    counts = {"succeeded": 0, "failed": 0, "skipped": 0}

    def record(done: bool) -> None:
        counts["succeeded" if done else "failed"] += 1

    with app.app_context():
        now = utcnow()
        tried = set()  # a run that fails now is retried on the next tick
        for due in due_schedule_periods(local_today()):
            run_id = claim_schedule_period(due, now)
            if run_id is None:
                counts["skipped"] += 1
                continue
            tried.add(run_id)
            record(execute_run(run_id, 1))
        max_attempts = app.config["EXPORT_MAX_ATTEMPTS"]
        stale = now - timedelta(minutes=app.config["EXPORT_STALE_MINUTES"])
        for run_id, status in _pending_runs(now):
            if run_id in tried:
                continue
            attempt = claim_run(
                run_id,
                status,
                utcnow(),
                max_attempts=None if status is RunStatus.QUEUED else max_attempts,
                started_before=stale if status is RunStatus.RUNNING else None,
            )
            if attempt is None:
                counts["skipped"] += 1
                continue
            record(execute_run(run_id, attempt))
        db.session.commit()
    logger.info("Export tick: %s", counts)
    return counts


def enqueue_run(
    report: str, fmt: str, period: Period, min_cell: int, user_id: int | None
) -> ExportRun:
    """Add an on-demand run, queued for a worker; flush only."""
    run = ExportRun(
        schedule_id=None,
        report=report,
        format=fmt,
        period_start=period.start,
        period_end=period.end,
        min_cell=min_cell,
        status=RunStatus.QUEUED,
        started_by=RunOrigin.USER,
        started_by_id=user_id,
        queued_dt=utcnow(),
        attempts=0,
        progress=0,
    )
    db.session.add(run)
    db.session.flush()
    return run


def run_queued(app: Flask, run_id: int) -> bool | None:
    """Claim and run one queued run; None if another worker has it."""
    with app.app_context():
        try:
            attempt = claim_run(run_id, RunStatus.QUEUED, utcnow())
            if attempt is None:
                return None
            return execute_run(run_id, attempt)
        except Exception:  # the run stays queued; the scheduler's tick takes it
            logger.exception("Could not start export run %s", run_id)
            db.session.rollback()
            return None


def start_run(app: Flask, run_id: int) -> None:
    """Run a committed queued run in the background (inline with EXPORT_RUN_INLINE)."""
    if app.config["EXPORT_RUN_INLINE"]:
        run_queued(app, run_id)
    else:
        _executor.submit(run_queued, app, run_id)
