"""The job table, and the login-attempt pruning job."""

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from vaerested.models import LoginAttempt
from vaerested.models.base import utcnow
from vaerested.scheduler import JOBS, configure_jobs


def test_every_job_is_configured_once_with_grace(app):
    scheduler = BackgroundScheduler(timezone=app.config["TIMEZONE"])
    scheduler.start(paused=True)
    try:
        configure_jobs(app, scheduler)
        configure_jobs(app, scheduler)  # configuring again replaces, never duplicates
        jobs = scheduler.get_jobs()
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(j.id for j in jobs) == sorted(j.id for j in JOBS)
    for job in jobs:
        assert job.misfire_grace_time == app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"]
        assert job.coalesce is True and job.max_instances == 1


def test_scheduler_is_not_started_in_tests(app):
    assert app.config["SCHEDULER_ENABLED"] is False


def test_prune_login_attempts_job(app, db, runner):
    now = utcnow()
    db.session.add_all(
        [
            LoginAttempt(email_hash="a", attempted_dt=now - timedelta(days=31)),
            LoginAttempt(email_hash="b", attempted_dt=now - timedelta(days=29)),
        ]
    )
    db.session.commit()
    result = runner.invoke(args=["scheduler", "run-job", "prune-login-attempts"])
    assert result.exit_code == 0, result.output
    assert "prune-login-attempts: 1" in result.output
    remaining = db.session.scalars(select(LoginAttempt.email_hash)).all()
    assert remaining == ["b"]
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 1


def test_run_job_rejects_unknown_job(runner):
    result = runner.invoke(args=["scheduler", "run-job", "nope"])
    assert result.exit_code == 2
    assert "unknown job" in result.output
