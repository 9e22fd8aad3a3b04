"""Export schedule and run pages: forms, run now, progress, audited downloads."""

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from tests.factories import create_centre, create_visit
from vaerested.exports.jobs import local_today
from vaerested.extensions import db as _db
from vaerested.models import (
    AuditEvent,
    ExportDownload,
    ExportRun,
    ExportSchedule,
    RunOrigin,
    RunStatus,
)
from vaerested.services.periods import Cadence, previous_period

ENDPOINT_URLS = [
    ("GET", "/reports/schedules"),
    ("GET", "/reports/schedules/new"),
    ("POST", "/reports/schedules/new"),
    ("GET", "/reports/schedules/{schedule}/edit"),
    ("POST", "/reports/schedules/{schedule}/deactivate"),
    ("GET", "/reports/runs"),
    ("GET", "/reports/runs/new"),
    ("POST", "/reports/runs/new"),
    ("GET", "/reports/runs/{run}"),
    ("GET", "/reports/runs/{run}.json"),
    ("GET", "/reports/runs/{run}/files/{name}"),
]


@pytest.fixture
def app_config(app_config):
    """Run "Run now" exports inside the request, so tests see the outcome."""
    return {**app_config, "EXPORT_RUN_INLINE": True}


def export_world(world=None):
    """Create (once per ``world``) a schedule and a finished run with one file.

    Used by the role matrix in test_permissions.py as well.
    """
    if world is not None and hasattr(world, "export_run"):
        return world
    schedule = ExportSchedule(
        name="Monthly visits",
        report="visits",
        format="csv",
        cadence="monthly",
        day_of_month=1,
        min_cell=5,
    )
    _db.session.add(schedule)
    _db.session.flush()
    run = ExportRun(
        schedule_id=schedule.id,
        report="visits",
        format="csv",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        min_cell=5,
        status=RunStatus.SUCCEEDED,
        started_by=RunOrigin.SCHEDULER,
        attempts=1,
        progress=100,
    )
    _db.session.add(run)
    _db.session.flush()
    name = "2026-01-01_2026-01-31_visits.csv"
    run.file_paths = json.dumps([f"{run.id}/{name}"])
    run.row_counts = json.dumps({"visits": 0})
    folder = Path(current_app.instance_path) / "exports" / str(run.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("date,centre,visits,card_visits,tally_visits\n")
    _db.session.flush()
    holder = world if world is not None else type("World", (), {})()
    holder.export_schedule, holder.export_run, holder.export_file = schedule, run, name
    return holder


def _url(template: str, world) -> str:
    return template.format(
        schedule=world.export_schedule.id,
        run=world.export_run.id,
        name=world.export_file,
    )


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_only_administration_may_use_exports(client, auth, db, role):
    world = export_world()
    auth.login_as(role, centres=[create_centre()])
    for method, template in ENDPOINT_URLS:
        response = client.open(_url(template, world), method=method, data={})
        assert response.status_code == 403, (method, template)
    assert db.session.scalars(select(ExportDownload)).all() == []


def test_anonymous_is_sent_to_login(client, db):
    world = export_world()
    for method, template in ENDPOINT_URLS:
        response = client.open(_url(template, world), method=method, data={})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


def test_create_edit_and_deactivate_a_schedule(client, auth, db):
    admin = auth.login_as("admin")
    page = client.get("/reports/schedules")
    assert page.status_code == 200 and b"empty-state" in page.data
    form = client.get("/reports/schedules/new")
    assert b'value="5"' in form.data  # min-cell defaults to EXPORT_MIN_CELL
    data = {
        "name": "Weekly mobility",
        "report": "mobility",
        "format": "xlsx",
        "cadence": "weekly",
        "weekday": "2",
        "day_of_month": "",
        "min_cell": "5",
        "is_active": "y",
    }
    response = client.post("/reports/schedules/new", data=data)
    assert response.status_code == 302
    schedule = db.session.scalars(select(ExportSchedule)).one()
    assert (schedule.cadence, schedule.weekday, schedule.day_of_month) == (
        Cadence.WEEKLY,
        2,
        None,
    )
    assert (schedule.report, schedule.format.value, schedule.min_cell) == (
        "mobility",
        "xlsx",
        5,
    )
    assert schedule.created_by_id == admin.id and schedule.is_active
    listing = client.get("/reports/schedules").get_data(as_text=True)
    assert "Weekly mobility" in listing

    edit = client.get(f"/reports/schedules/{schedule.id}/edit")
    assert edit.status_code == 200 and b"Weekly mobility" in edit.data
    data.update(cadence="quarterly", day_of_month="2", name="Quarterly mobility")
    assert (
        client.post(f"/reports/schedules/{schedule.id}/edit", data=data).status_code
        == 302
    )
    db.session.expire_all()
    assert (schedule.cadence, schedule.weekday, schedule.day_of_month) == (
        Cadence.QUARTERLY,
        None,
        2,
    )

    confirm = client.get(f"/reports/schedules/{schedule.id}/deactivate")
    assert confirm.status_code == 200 and b'data-testid="confirm"' in confirm.data
    db.session.expire_all()
    assert schedule.is_active  # GET changes nothing
    response = client.post(f"/reports/schedules/{schedule.id}/deactivate", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert schedule.is_active is False


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"cadence": "monthly", "day_of_month": ""}, b"day_of_month-error"),
        ({"cadence": "monthly", "day_of_month": "29"}, b"day_of_month-error"),
        ({"min_cell": "0"}, b"min_cell-error"),
        ({"report": "nonsense"}, b"report-error"),
        ({"name": ""}, b"name-error"),
    ],
)
def test_bad_schedule_input_is_shown_next_to_the_field(
    client, auth, db, changes, field_error
):
    auth.login_as("admin")
    data = {
        "name": "X",
        "report": "visits",
        "format": "csv",
        "cadence": "weekly",
        "weekday": "0",
        "min_cell": "5",
    }
    data.update(changes)
    response = client.post("/reports/schedules/new", data=data)
    assert response.status_code == 200
    assert field_error in response.data
    assert db.session.scalars(select(ExportSchedule)).all() == []


def test_unknown_schedule_redirects_with_a_message(client, auth, db):
    auth.login_as("admin")
    response = client.get("/reports/schedules/999/edit", follow_redirects=True)
    assert response.status_code == 200
    assert b"flash-error" in response.data


def test_run_now_lifecycle_and_audited_download(client, auth, db):
    admin = auth.login_as("admin")
    alpha = create_centre(slug="alpha")
    for hour in (9, 10, 11):
        create_visit(alpha, None, datetime(2026, 2, 10, hour, tzinfo=UTC))
    form = client.get("/reports/runs/new")
    last_month = previous_period(Cadence.MONTHLY, local_today())
    assert f'value="{last_month.start.isoformat()}"'.encode() in form.data

    data = {
        "report": "visits",
        "format": "csv",
        "period_start": "2026-02-01",
        "period_end": "2026-02-28",
        "min_cell": "1",
    }
    # Raw counts (min-cell 1) only from the command line: below the floor is
    # refused, and nothing is queued.
    refused = client.post("/reports/runs/new", data=data)
    assert refused.status_code == 200
    assert "mindst 5" in refused.get_data(as_text=True)
    assert db.session.scalars(select(ExportRun)).all() == []
    response = client.post("/reports/runs/new", data={**data, "min_cell": "5"})
    run = db.session.scalars(select(ExportRun)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reports/runs/{run.id}"
    assert run.schedule_id is None
    assert (run.started_by, run.started_by_id) == (RunOrigin.USER, admin.id)
    assert (run.status, run.attempts, run.progress) == (RunStatus.SUCCEEDED, 1, 100)

    name = "2026-02-01_2026-02-28_visits.csv"
    page = client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    assert f"/reports/runs/{run.id}/files/{name}" in page
    assert "<progress" not in page and "export-progress.js" not in page
    status = client.get(f"/reports/runs/{run.id}.json").get_json()
    assert status["data"]["status"] == "succeeded" and status["data"]["is_finished"]
    assert status["data"]["files"] == [f"/reports/runs/{run.id}/files/{name}"]
    listing = client.get("/reports/runs").get_data(as_text=True)
    assert f"files/{name}" in listing and "visits: 1" in listing

    download = client.get(f"/reports/runs/{run.id}/files/{name}")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    text = download.get_data(as_text=True)
    assert text.startswith(
        "date,centre,visits,card_visits,tally_visits\n2026-02-10,alpha,<5,0,<5\n# "
    )
    download.close()
    [audit] = db.session.scalars(select(ExportDownload)).all()
    assert (audit.run_id, audit.user_id, audit.file, audit.remote_addr) == (
        run.id,
        admin.id,
        name,
        "127.0.0.1",
    )
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.actor_id, event.report) == (
        "export_run.download",
        admin.id,
        "visits",
    )
    assert (event.period_start, event.period_end) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert name in event.detail and event.remote_addr == "127.0.0.1"


def test_run_now_in_the_background_shows_progress(app, client, auth, db):
    app.config["EXPORT_RUN_INLINE"] = False
    auth.login_as("admin")
    run_id = None
    response = client.post(
        "/reports/runs/new",
        data={
            "report": "coverage",
            "format": "json",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "min_cell": "5",
        },
    )
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(f"/reports/runs/{run_id}").get_data(as_text=True)
    # The page either shows the progress (and polls) or, if already done, the files.
    assert ("<progress" in page and "export-progress.js" in page) or "files/" in page
    for _ in range(200):
        status = client.get(f"/reports/runs/{run_id}.json").get_json()["data"]
        if status["is_finished"]:
            break
        assert 0 <= status["progress"] <= 100
        time.sleep(0.05)
    assert status["status"] == "succeeded", status
    assert len(status["files"]) == 4  # coverage, coverage_centres, flows, NOTE.txt


def test_a_failed_run_shows_its_error(client, auth, db):
    auth.login_as("admin")
    run = ExportRun(
        report="visits",
        format="csv",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        min_cell=5,
        status=RunStatus.FAILED,
        started_by=RunOrigin.SCHEDULER,
        attempts=1,
        error="OSError: No space left on device",
    )
    db.session.add(run)
    db.session.commit()
    page = client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    assert "OSError: No space left on device" in page
    listing = client.get("/reports/runs").get_data(as_text=True)
    assert 'data-status="failed"' in listing
    assert "No space left on device" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"period_end": "2026-01-31", "period_start": "2026-02-01"},
            b"period_end-error",
        ),
        ({"period_end": "2999-01-01"}, b"period_end-error"),
        ({"period_start": "yesterday"}, b"period_start-error"),
        ({"format": "pdf"}, b"format-error"),
    ],
)
def test_bad_run_now_input_is_refused(client, auth, db, changes, message):
    auth.login_as("admin")
    data = {
        "report": "visits",
        "format": "csv",
        "period_start": "2026-02-01",
        "period_end": "2026-02-28",
        "min_cell": "5",
    }
    data.update(changes)
    response = client.post("/reports/runs/new", data=data)
    assert response.status_code == 200 and message in response.data
    assert db.session.scalars(select(ExportRun)).all() == []


def test_downloads_serve_only_recorded_files(app, client, auth, db):
    world = export_world()
    run = world.export_run
    auth.login_as("admin")
    secret = Path(app.instance_path) / "secret_key_copy"
    secret.write_text("do not serve")
    (Path(app.instance_path) / "exports" / str(run.id) / "other.csv").write_text("x")
    for name in (
        "other.csv",  # on disk but not recorded
        "..%2Fsecret_key_copy",
        "..%2F..%2Fsecret_key_copy",
        "%2E%2E",
        "nope.csv",
    ):
        response = client.get(f"/reports/runs/{run.id}/files/{name}")
        assert response.status_code == 404, name
    # A recorded path that points outside the exports folder is refused too.
    run.file_paths = json.dumps(["../secret_key_copy"])
    db.session.commit()
    assert (
        client.get(f"/reports/runs/{run.id}/files/secret_key_copy").status_code == 404
    )
    assert client.get("/reports/runs/999/files/x.csv").status_code == 404
    assert client.get("/reports/runs/999").status_code == 404
    assert client.get("/reports/runs/999.json").status_code == 404
    assert db.session.scalars(select(ExportDownload)).all() == []


def test_a_queued_run_shows_progress_and_polls(client, auth, db):
    auth.login_as("admin")
    run = ExportRun(
        report="visits",
        format="csv",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        min_cell=5,
        status=RunStatus.RUNNING,
        started_by=RunOrigin.SCHEDULER,
        attempts=1,
        progress=60,
    )
    db.session.add(run)
    db.session.commit()
    page = client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    assert '<progress value="60" max="100"' in page
    assert f'data-run-status-url="/reports/runs/{run.id}.json"' in page
    assert "js/export-progress.js" in page
    assert f'href="/reports/runs/{run.id}" data-testid="refresh"' in page
    status = client.get(f"/reports/runs/{run.id}.json").get_json()["data"]
    assert (status["status"], status["progress"], status["is_finished"]) == (
        "running",
        60,
        False,
    )
    assert status["files"] == []
