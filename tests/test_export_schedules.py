"""The export tick: due periods, the claim (two schedulers at once), retries."""

import csv
import io
import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, select

from tests.factories import create_card, create_centre, create_visit
from vaerested.exports import jobs
from vaerested.exports.jobs import claim_run, enqueue_run, run_export_tick, run_queued
from vaerested.models import ExportRun, ExportSchedule, RunOrigin, RunStatus
from vaerested.reports.pages.warm import run_warm_cache
from vaerested.scheduler import JOBS, configure_start_jobs
from vaerested.services.periods import Period

#: Thursday 5 March 2026, 10:00 UTC (11:00 in Copenhagen).
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Set the jobs' clock; return a setter."""

    def set_now(moment: datetime) -> None:
        monkeypatch.setattr(jobs, "utcnow", lambda: moment)

    set_now(NOW)
    return set_now


def make_schedule(db, **kwargs) -> ExportSchedule:
    values = {
        "name": "Monthly visits",
        "report": "visits",
        "format": "csv",
        "cadence": "monthly",
        "day_of_month": 3,
        "min_cell": 1,
        "created_dt": datetime(2026, 1, 10, tzinfo=UTC),
    }
    values.update(kwargs)
    schedule = ExportSchedule(**values)
    db.session.add(schedule)
    db.session.commit()
    return schedule


def all_runs(db) -> list[ExportRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(ExportRun).order_by(ExportRun.id)))


def run_dirs(app) -> list[str]:
    root = Path(app.instance_path) / "exports"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def add_february_visits(db):
    """Three visits on 10 Feb at alpha (two cards, one tally), one on 1 Mar."""
    alpha = create_centre(slug="alpha")
    cards = [create_card(alpha), create_card(alpha)]
    day = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
    create_visit(alpha, cards[0], day)
    create_visit(alpha, cards[1], day + timedelta(hours=1))
    create_visit(alpha, None, day + timedelta(hours=2), idempotency_key="k" * 36)
    create_visit(alpha, cards[0], datetime(2026, 3, 1, 12, tzinfo=UTC))
    db.session.commit()


def test_tick_runs_the_due_period_once_with_its_files(app, db, clock):
    add_february_visits(db)
    schedule = make_schedule(db)
    assert run_export_tick(app) == {"succeeded": 1, "failed": 0, "skipped": 0}

    [run] = all_runs(db)
    assert (run.schedule_id, run.period_start, run.period_end) == (
        schedule.id,
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert run.status is RunStatus.SUCCEEDED and run.started_by is RunOrigin.SCHEDULER
    assert (run.attempts, run.progress, run.error) == (1, 100, None)
    assert run.duration_ms is not None and run.duration_ms >= 0
    assert run.finished_dt == NOW
    name = "2026-02-01_2026-02-28_visits.csv"
    assert run.files == [f"{run.id}/{name}"]
    assert run.row_count_map == {"visits": 1}
    content = (Path(app.instance_path) / "exports" / run.files[0]).read_text()
    # The schedule says min-cell 1 (saved before the floor): it runs at the
    # floor, EXPORT_MIN_CELL_FLOOR 5, protected, with the note as last line.
    lines = list(csv.reader(io.StringIO(content)))
    assert lines[:2] == [
        ["date", "centre", "visits", "card_visits", "tally_visits"],
        ["2026-02-10", "alpha", "<5", "<5", "<5"],
    ]
    assert len(lines) == 3 and lines[2][0].startswith("# Tallene er beskyttede")
    assert run_dirs(app) == [str(run.id)]

    # The next tick (and the one after) finds nothing to do.
    assert run_export_tick(app) == {"succeeded": 0, "failed": 0, "skipped": 0}
    assert len(all_runs(db)) == 1


def test_missed_runs_run_once_with_the_latest_period(app, db, clock):
    # Weekly on Monday since January; the scheduler was down for weeks.
    make_schedule(db, cadence="weekly", weekday=0, day_of_month=None)
    run_export_tick(app)
    [run] = all_runs(db)
    # Thursday 5 March: the last Monday was 2 March, covering 23 Feb - 1 Mar.
    assert (run.period_start, run.period_end) == (date(2026, 2, 23), date(2026, 3, 1))
    # On Monday 9 March the next week is due.
    clock(datetime(2026, 3, 9, 0, 30, tzinfo=UTC))
    run_export_tick(app)
    assert [(r.period_start, r.period_end) for r in all_runs(db)] == [
        (date(2026, 2, 23), date(2026, 3, 1)),
        (date(2026, 3, 2), date(2026, 3, 8)),
    ]


def test_run_day_uses_the_local_date(app, db, clock):
    make_schedule(db, day_of_month=1)
    # 31 March 22:30 UTC is already 1 April in Copenhagen (summer time).
    clock(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    run_export_tick(app)
    [run] = all_runs(db)
    assert (run.period_start, run.period_end) == (date(2026, 3, 1), date(2026, 3, 31))


def test_schedule_made_after_the_run_day_waits_for_the_next(app, db, clock):
    make_schedule(db, created_dt=datetime(2026, 3, 4, tzinfo=UTC))
    run_export_tick(app)
    assert all_runs(db) == []
    clock(datetime(2026, 4, 3, 8, tzinfo=UTC))
    run_export_tick(app)
    [run] = all_runs(db)
    assert (run.period_start, run.period_end) == (date(2026, 3, 1), date(2026, 3, 31))


def test_inactive_schedule_does_not_run(app, db, clock):
    make_schedule(db, is_active=False)
    run_export_tick(app)
    assert all_runs(db) == []


def test_failed_run_shows_its_error_and_is_retried_next_tick(
    app, db, clock, monkeypatch
):
    make_schedule(db)
    real_build = jobs.build_report

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "build_report", broken)
    assert run_export_tick(app)["failed"] == 1
    [run] = all_runs(db)
    assert run.status is RunStatus.FAILED
    assert (run.error, run.attempts, run.progress) == (
        "RuntimeError: disk on fire",
        1,
        0,
    )
    assert run.files == [] and run_dirs(app) == []

    monkeypatch.setattr(jobs, "build_report", real_build)
    clock(NOW + timedelta(minutes=5))
    assert run_export_tick(app) == {"succeeded": 1, "failed": 0, "skipped": 0}
    [again] = all_runs(db)
    assert again.id == run.id
    assert (again.status, again.attempts, again.error) == (RunStatus.SUCCEEDED, 2, None)
    assert run_dirs(app) == [str(run.id)]


def test_retries_stop_after_max_attempts(app, db, clock, monkeypatch):
    app.config["EXPORT_MAX_ATTEMPTS"] = 2
    make_schedule(db)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jobs, "build_report", broken)
    for _ in range(4):
        run_export_tick(app)
    [run] = all_runs(db)
    assert (run.status, run.attempts) == (RunStatus.FAILED, 2)
    assert run.error == "OSError: No space left on device"


def test_crashed_running_run_is_redone_after_the_stale_time(app, db, clock):
    schedule = make_schedule(db)
    crashed = ExportRun(
        schedule_id=schedule.id,
        report="visits",
        format="csv",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        min_cell=1,
        status=RunStatus.RUNNING,
        started_by=RunOrigin.SCHEDULER,
        started_dt=NOW - timedelta(minutes=30),
        attempts=1,
    )
    db.session.add(crashed)
    db.session.commit()
    run_export_tick(app)
    assert all_runs(db)[0].status is RunStatus.RUNNING  # maybe still working
    clock(NOW + timedelta(minutes=61))
    run_export_tick(app)
    [run] = all_runs(db)
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 2)


def test_queued_run_is_taken_by_the_tick(app, db, clock):
    enqueue_run(
        "mobility", "json", Period(date(2026, 2, 1), date(2026, 2, 28)), 5, None
    )
    db.session.commit()
    assert run_export_tick(app)["succeeded"] == 1
    [done] = all_runs(db)
    assert done.status is RunStatus.SUCCEEDED and done.attempts == 1
    assert sorted(done.file_names) == [
        "2026-02-01_2026-02-28_NOTE.txt",  # the protection note of the JSON files
        "2026-02-01_2026-02-28_mobility_centres.json",
        "2026-02-01_2026-02-28_mobility_matrix.json",
        "2026-02-01_2026-02-28_mobility_months.json",
        "2026-02-01_2026-02-28_mobility_summary.json",
    ]
    # A claim of a run that is no longer queued fails.
    assert claim_run(done.id, RunStatus.QUEUED, NOW) is None


def _race(app, workers: int, target) -> list:
    """Run ``target(app)`` in ``workers`` threads at once; return their results."""
    results, errors = [None] * workers, []

    def work(i):
        try:
            results[i] = target(app)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_schedulers_ticking_at_once_make_one_run_and_one_file_set(
    app, db, clock, monkeypatch
):
    add_february_visits(db)
    make_schedule(db)
    make_schedule(db, name="Weekly", cadence="weekly", weekday=0, day_of_month=None)
    workers = 4
    # Every ticker has found both schedules due before any of them claims.
    barrier = threading.Barrier(workers, timeout=30)
    real_due = jobs.due_schedule_periods

    def due_then_wait(today):
        due = real_due(today)
        barrier.wait()
        return due

    builds = []
    real_build = jobs.build_report

    def counting_build(*args, **kwargs):
        builds.append(args)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(jobs, "due_schedule_periods", due_then_wait)
    monkeypatch.setattr(jobs, "build_report", counting_build)
    results = _race(app, workers, run_export_tick)

    assert sum(r["succeeded"] for r in results) == 2
    assert sum(r["skipped"] for r in results) == 2 * (workers - 1)
    assert sum(r["failed"] for r in results) == 0
    runs = all_runs(db)
    assert len(runs) == 2 and len(builds) == 2
    assert {r.status for r in runs} == {RunStatus.SUCCEEDED}
    assert {r.attempts for r in runs} == {1}
    assert run_dirs(app) == sorted(str(r.id) for r in runs)
    for run in runs:
        folder = Path(app.instance_path) / "exports" / str(run.id)
        assert sorted(p.name for p in folder.iterdir()) == run.file_names


def test_queued_run_started_by_several_workers_runs_once(app, db, clock, monkeypatch):
    run = enqueue_run(
        "visits", "xlsx", Period(date(2026, 2, 1), date(2026, 2, 28)), 5, None
    )
    db.session.commit()
    run_id = run.id
    workers = 4
    barrier = threading.Barrier(workers, timeout=30)
    real_claim = jobs.claim_run

    def wait_then_claim(*args, **kwargs):
        barrier.wait()
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(jobs, "claim_run", wait_then_claim)
    results = _race(app, workers, lambda a: run_queued(a, run_id))
    assert sorted(results, key=str) == [None] * (workers - 1) + [True]
    [done] = all_runs(db)
    assert (done.status, done.attempts) == (RunStatus.SUCCEEDED, 1)
    assert done.file_names == ["2026-02-01_2026-02-28_visits.xlsx"]


def test_the_export_tick_is_scheduled_and_runs_at_start(app):
    [job] = [j for j in JOBS if j.id == "export-tick"]
    assert job.cron_key == "EXPORT_TICK_CRON" and job.run_at_start
    scheduler = BackgroundScheduler(timezone=app.config["TIMEZONE"])
    scheduler.start(paused=True)
    try:
        configure_start_jobs(app, scheduler)
        jobs_at_start = scheduler.get_jobs()
    finally:
        scheduler.shutdown(wait=False)
    # The export tick catches up missed periods; the warm-up job fills the
    # report pages' cache (both once at start, then on their crontab).
    # Scheduled public releases catch up the same way.
    assert [j.id for j in jobs_at_start] == [
        "export-tick-at-start",
        "release-schedules-at-start",
        "warm-report-cache-at-start",
    ]
    assert all(isinstance(j.trigger, DateTrigger) for j in jobs_at_start)
    assert jobs_at_start[0].func is run_export_tick
    assert jobs_at_start[2].func is run_warm_cache


def test_run_job_cli_runs_an_export_tick(app, db, runner, clock):
    make_schedule(db)
    result = runner.invoke(args=["scheduler", "run-job", "export-tick"])
    assert result.exit_code == 0, result.output
    assert "export-tick: {'succeeded': 1, 'failed': 0, 'skipped': 0}" in result.output
    assert db.session.scalar(select(func.count()).select_from(ExportRun)) == 1


def test_two_scheduler_processes_at_once_make_one_run(app, db):
    """Two real `flask scheduler run-job export-tick` processes started together."""
    make_schedule(db, created_dt=datetime(2020, 1, 1, tzinfo=UTC))
    env = {
        **os.environ,
        "VAERESTED_INSTANCE_PATH": app.instance_path,
        "VAERESTED_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "VAERESTED_SECRET_KEY": "test",
        "VAERESTED_CARD_HASH_KEY": "test",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "--app", "wsgi", "scheduler", "run-job", "export-tick"]
    root = Path(__file__).resolve().parent.parent
    processes = [
        subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    runs = all_runs(db)
    assert len(runs) == 1 and runs[0].status is RunStatus.SUCCEEDED
    assert run_dirs(app) == [str(runs[0].id)]
    succeeded = sum("'succeeded': 1" in out for out in outputs)
    assert succeeded == 1, outputs
