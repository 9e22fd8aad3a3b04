"""The job table and the one scheduler process.

APScheduler 3 must run in exactly one process (`flask --app wsgi scheduler
run`), never inside web workers or tests: one scheduler per gunicorn worker runs
every job once per worker. Each job body lives next to its domain (``<domain>/
jobs.py``), pushes an app context and commits once. Jobs here are idempotent, so
a run repeated by mistake changes nothing.
"""

import logging
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    #: Stable id: the job is replaced, not duplicated, on restart.
    id: str
    #: Dotted path of a function taking the app.
    func: str
    #: Config key holding a crontab expression (local time).
    cron_key: str
    #: Also run once when ``flask scheduler run`` starts (catches up missed runs).
    run_at_start: bool = False


JOBS = (
    Job(
        "visit-card-retention", "vaerested.checkin.jobs:run_retention", "RETENTION_CRON"
    ),
    Job(
        "prune-login-attempts",
        "vaerested.auth.jobs:run_prune_login_attempts",
        "PRUNE_LOGINS_CRON",
    ),
    Job(
        "materialise-sessions",
        "vaerested.activities.jobs:run_materialise_sessions",
        "MATERIALISE_SESSIONS_CRON",
    ),
    Job(
        "export-tick",
        "vaerested.exports.jobs:run_export_tick",
        "EXPORT_TICK_CRON",
        run_at_start=True,
    ),
    Job(
        "release-schedules",
        "vaerested.releases.jobs:run_release_schedules",
        "RELEASE_SCHEDULE_CRON",
        run_at_start=True,
    ),
    Job(
        "warm-report-cache",
        "vaerested.reports.pages.warm:run_warm_cache",
        "REPORT_WARM_CRON",
        run_at_start=True,
    ),
)


def _import(path: str):
    module_name, _, attr = path.partition(":")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


def configure_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """Add every job of the table to ``scheduler``."""
    for job in JOBS:
        trigger = CronTrigger.from_crontab(
            app.config[job.cron_key], timezone=app.config["TIMEZONE"]
        )
        scheduler.add_job(
            _import(job.func),
            trigger,
            args=[app],
            id=job.id,
            name=job.id,
            replace_existing=True,
            # Daily jobs may run hours late (e.g. after a restart) rather than never.
            misfire_grace_time=app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"],
            coalesce=True,
            max_instances=1,
        )


def configure_start_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """Add a one-off run, as soon as the scheduler starts, of the jobs marked so."""
    for job in JOBS:
        if job.run_at_start:
            scheduler.add_job(
                _import(job.func),
                args=[app],
                id=f"{job.id}-at-start",
                name=f"{job.id}-at-start",
                replace_existing=True,
                misfire_grace_time=None,
            )


def run_scheduler(app: Flask) -> None:
    """Run the scheduler in the foreground until interrupted."""
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    configure_jobs(app, scheduler)
    configure_start_jobs(app, scheduler)
    for job in scheduler.get_jobs():
        logger.info("Scheduled %s: %s", job.id, job.trigger)
    scheduler.start()


def start_scheduler(app: Flask) -> BackgroundScheduler:
    """Start a background scheduler (only when SCHEDULER_ENABLED is set)."""
    scheduler = BackgroundScheduler(timezone=app.config["TIMEZONE"])
    configure_jobs(app, scheduler)
    scheduler.start()
    return scheduler
