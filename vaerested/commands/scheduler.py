"""``flask scheduler …``: the one scheduler process."""

import click
from flask import current_app
from flask.cli import AppGroup

from vaerested.scheduler import JOBS, _import, run_scheduler

cli = AppGroup("scheduler", help="Run scheduled jobs (in exactly one process).")


@cli.command("run")
def run():
    """Run the scheduler in the foreground (one process per installation)."""
    app = current_app._get_current_object()
    click.echo(f"Scheduler running {len(JOBS)} jobs; stop with Ctrl+C.")
    run_scheduler(app)


@cli.command("list")
def list_jobs():
    """List the scheduled jobs and when they run."""
    for job in JOBS:
        click.echo(f"{job.id}\t{current_app.config[job.cron_key]}\t{job.func}")


@cli.command("run-job")
@click.argument("job_id")
def run_job(job_id):
    """Run one job now, in this process."""
    by_id = {job.id: job for job in JOBS}
    if job_id not in by_id:
        raise click.BadParameter(
            f"unknown job; one of: {', '.join(sorted(by_id))}", param_hint="JOB_ID"
        )
    result = _import(by_id[job_id].func)(current_app._get_current_object())
    click.echo(f"{job_id}: {result}")
