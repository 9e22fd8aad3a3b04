"""Scheduled public releases: due periods, budget refusal at run time, no
double run with two schedulers, the page and its permissions."""

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import create_card, create_centre, create_district, create_visit
from vaerested.models import (
    AuditEvent,
    PrivacyBudget,
    PublicRelease,
    ReleaseSchedule,
    ReleaseScheduleRun,
)
from vaerested.releases import jobs
from vaerested.releases.jobs import due_releases, run_release_schedules
from vaerested.releases.operations import set_budget
from vaerested.scheduler import JOBS
from vaerested.services.periods import Period

#: Thursday 5 March 2026, 10:00 UTC (11:00 in Copenhagen).
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Set the release jobs' clock; return a setter."""

    def set_now(moment: datetime) -> None:
        monkeypatch.setattr(jobs, "utcnow", lambda: moment)

    set_now(NOW)
    return set_now


def make_schedule(db, **kwargs) -> ReleaseSchedule:
    values = {
        "name": "Open data, monthly",
        "cadence": "monthly",
        "day_of_month": 5,
        "epsilon": 1.0,
        "max_transitions": 10,
        "max_visits": 30,
        "created_dt": datetime(2026, 1, 10, tzinfo=UTC),
    }
    values.update(kwargs)
    schedule = ReleaseSchedule(**values)
    db.session.add(schedule)
    db.session.commit()
    return schedule


def add_visits(db):
    """Two cards moving between two centres in February, one tally."""
    d1 = create_district("D1")
    a, b = create_centre("a", district=d1), create_centre("b", district=d1)
    for _ in range(2):
        card = create_card(a)
        create_visit(a, card, datetime(2026, 2, 10, 10, tzinfo=UTC))
        create_visit(b, card, datetime(2026, 2, 11, 10, tzinfo=UTC))
    create_visit(a, None, datetime(2026, 2, 12, 10, tzinfo=UTC))
    db.session.commit()


def runs(db) -> list[ReleaseScheduleRun]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(ReleaseScheduleRun).order_by(ReleaseScheduleRun.id))
    )


def spent(db, year: int = 2026) -> float:
    db.session.expire_all()
    return db.session.scalar(
        select(PrivacyBudget.spent).where(PrivacyBudget.year == year)
    )


@pytest.mark.parametrize(
    "cadence,day,today,created,expected",
    [
        # The run day of February is 5 March: on the 4th January is still due.
        ("monthly", 5, date(2026, 3, 4), date(2026, 1, 1), (2026, 1, 1, 2026, 1, 31)),
        ("monthly", 5, date(2026, 3, 5), date(2026, 1, 1), (2026, 2, 1, 2026, 2, 28)),
        ("monthly", 1, date(2026, 1, 1), date(2025, 6, 1), (2025, 12, 1, 2025, 12, 31)),
        # Made after February's run day: nothing is due until April's.
        ("monthly", 5, date(2026, 3, 20), date(2026, 3, 6), None),
        ("quarterly", 3, date(2026, 4, 3), date(2026, 1, 1), (2026, 1, 1, 2026, 3, 31)),
        (
            "quarterly",
            3,
            date(2026, 4, 2),
            date(2025, 1, 1),
            (2025, 10, 1, 2025, 12, 31),
        ),
    ],
)
def test_due_period(app, db, cadence, day, today, created, expected):
    make_schedule(
        db,
        cadence=cadence,
        day_of_month=day,
        created_dt=datetime(created.year, created.month, created.day, 12, tzinfo=UTC),
    )
    make_schedule(
        db, name="Off", is_active=False, created_dt=datetime(2020, 1, 1, tzinfo=UTC)
    )
    due = due_releases(today)
    if expected is None:
        assert due == []
        return
    [only] = due
    y1, m1, d1, y2, m2, d2 = expected
    assert only.period == Period(date(y1, m1, d1), date(y2, m2, d2))
    assert (only.name, only.epsilon) == ("Open data, monthly", 1.0)


def test_runs_spend_budget_and_are_refused_when_it_runs_out(app, db, clock):
    add_visits(db)
    set_budget(2026, 2.5)
    db.session.commit()
    schedule = make_schedule(db)
    assert run_release_schedules(app) == {
        "done": 1,
        "refused": 0,
        "failed": 0,
        "skipped": 0,
    }
    [run] = runs(db)
    assert (run.status, run.period_start, run.period_end) == (
        "done",
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    release = db.session.get(PublicRelease, run.release_id)
    assert (release.actor_label, release.purpose, release.epsilon) == (
        "scheduler",
        "Open data, monthly",
        pytest.approx(1.0),
    )
    assert (release.max_transitions, release.max_visits) == (10, 30)
    assert spent(db) == pytest.approx(1.0)
    # The same day again: nothing new, nothing spent.
    assert run_release_schedules(app)["done"] == 0
    assert len(runs(db)) == 1 and spent(db) == pytest.approx(1.0)
    clock(datetime(2026, 4, 5, 10, tzinfo=UTC))
    assert run_release_schedules(app)["done"] == 1
    assert spent(db) == pytest.approx(2.0)
    # May: 0.5 left, the run needs 1.0: refused, recorded, nothing spent.
    clock(datetime(2026, 5, 5, 10, tzinfo=UTC))
    assert run_release_schedules(app)["refused"] == 1
    refused = runs(db)[-1]
    assert (refused.status, refused.period_start) == ("refused", date(2026, 4, 1))
    # In the default language (Danish), as the page shows it.
    assert refused.message == (
        "Afvist: udgivelsen kræver ε 1.000, men der er kun ε 0.500 af 2.500 "
        "tilbage for 2026."
    )
    assert refused.release_id is None and refused.finished_dt is not None
    assert spent(db) == pytest.approx(2.0)
    assert db.session.query(PublicRelease).count() == 2
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "release.refused")
    ).one()
    assert audit.actor_label == "scheduler"
    assert (audit.period_start, audit.period_end) == (
        date(2026, 4, 1),
        date(2026, 4, 30),
    )
    assert f"schedule={schedule.id}" in audit.detail and "0.500" in audit.detail
    # A refused period is not tried again (the ledger would refuse it again).
    assert run_release_schedules(app) == {
        "done": 0,
        "refused": 0,
        "failed": 0,
        "skipped": 0,
    }


def test_a_run_without_a_budget_for_its_year_is_refused(app, db, clock):
    set_budget(2025, 5.0)  # another year's budget does not count
    db.session.commit()
    make_schedule(db, created_dt=datetime(2025, 1, 1, tzinfo=UTC))
    clock(datetime(2026, 1, 5, 10, tzinfo=UTC))  # December 2025 is due
    assert run_release_schedules(app)["done"] == 1
    clock(datetime(2026, 2, 5, 10, tzinfo=UTC))  # January 2026: no budget
    assert run_release_schedules(app)["refused"] == 1
    done, refused = runs(db)
    assert done.period_start == date(2025, 12, 1)
    assert refused.message == (
        "Der er ikke sat et privatlivsbudget for 2026: administrationen skal "
        "sætte det først."
    )
    assert spent(db, 2025) == pytest.approx(1.0)


def test_two_schedulers_at_once_release_a_period_once(app, db, clock):
    add_visits(db)
    set_budget(2026, 10.0)
    db.session.commit()
    make_schedule(db)
    make_schedule(
        db,
        name="Quarterly",
        cadence="quarterly",
        day_of_month=3,
        created_dt=datetime(2025, 1, 1, tzinfo=UTC),
    )
    workers = 2
    barrier = threading.Barrier(workers)
    results, errors = [None] * workers, []

    def work(i):
        try:
            barrier.wait()
            results[i] = run_release_schedules(app)
        except Exception as error:  # asserted on below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    # Two due periods (February; Q4 2025 has no budget and is refused once).
    assert sum(r["done"] for r in results) == 1
    assert sum(r["refused"] for r in results) == 1
    # A thread that looked after the other's run finished sees nothing due.
    assert sum(r["skipped"] for r in results) <= 2
    assert sorted((r.status, r.period_start) for r in runs(db)) == [
        ("done", date(2026, 2, 1)),
        ("refused", date(2025, 10, 1)),
    ]
    assert db.session.query(PublicRelease).count() == 1
    assert spent(db) == pytest.approx(1.0)


def test_a_period_seen_due_by_two_schedulers_is_claimed_once(app, db, clock):
    set_budget(2026, 10.0)
    db.session.commit()
    make_schedule(db)
    [first] = due_releases(jobs.local_today())
    [second] = due_releases(jobs.local_today())  # before the first claims it
    assert first == second
    run_id = jobs.claim(first, NOW)
    assert run_id is not None
    assert jobs.claim(second, NOW) is None
    assert jobs.execute(run_id, first) == "done"
    assert [r.status for r in runs(db)] == ["done"]
    assert spent(db) == pytest.approx(1.0)


def test_two_scheduler_processes_at_once_release_once(app, db):
    """Two real `flask scheduler run-job release-schedules` processes."""
    today = datetime.now(UTC).date()
    schedule = make_schedule(
        db, day_of_month=1, created_dt=datetime(2020, 1, 1, tzinfo=UTC)
    )
    period = jobs.schedule_due_period(schedule, today)
    set_budget(period.start.year, 1.5)
    db.session.commit()
    env = {
        **os.environ,
        "VAERESTED_INSTANCE_PATH": app.instance_path,
        "VAERESTED_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "VAERESTED_SECRET_KEY": "test",
        "VAERESTED_CARD_HASH_KEY": "test",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "--app", "wsgi", "scheduler", "run-job", "release-schedules"]
    root = Path(__file__).resolve().parent.parent
    processes = [
        subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    [run] = runs(db)
    assert run.status == "done" and run.period_start == period.start
    assert sum("'done': 1" in out for out in outputs) == 1, outputs
    assert spent(db, period.start.year) == pytest.approx(1.0)


def test_the_job_is_in_the_table_and_runs_at_start():
    [job] = [j for j in JOBS if j.id == "release-schedules"]
    assert job.func == "vaerested.releases.jobs:run_release_schedules"
    assert job.cron_key == "RELEASE_SCHEDULE_CRON" and job.run_at_start


@pytest.mark.parametrize("role", ["staff", "leader"])
@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/releases/schedules"),
        ("post", "/releases/schedules"),
        ("post", "/releases/schedules/{id}/toggle"),
        ("get", "/releases/schedules/{id}/delete"),
        ("post", "/releases/schedules/{id}/delete"),
    ],
)
def test_only_administration(client, auth, db, role, method, url):
    schedule = make_schedule(db)
    auth.login_as(role)
    response = getattr(client, method)(url.format(id=schedule.id))
    assert response.status_code == 403
    assert db.session.scalar(select(ReleaseSchedule.is_active)) is True


def test_anonymous_is_sent_to_login(client):
    assert client.get("/releases/schedules").status_code == 302


def test_page_create_disable_enable_delete(app, client, auth, db, clock):
    add_visits(db)
    auth.login_as("admin")
    page = client.get("/releases/schedules").get_data(as_text=True)
    assert "Ingen planlagte udgivelser endnu." in page
    data = {
        "name": "Åbne data",
        "cadence": "quarterly",
        "day_of_month": "3",
        "epsilon": "0.5",
        "max_transitions": "5",
        "max_visits": "20",
    }
    assert (
        client.post(
            "/releases/schedules", data={**data, "day_of_month": "29"}
        ).status_code
        == 400
    )
    response = client.post("/releases/schedules", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    schedule = db.session.scalars(select(ReleaseSchedule)).one()
    assert (schedule.cadence, schedule.day_of_month, schedule.epsilon) == (
        "quarterly",
        3,
        0.5,
    )
    assert (schedule.max_transitions, schedule.max_visits, schedule.is_active) == (
        5,
        20,
        True,
    )
    page = client.get("/releases/schedules").get_data(as_text=True)
    assert "Åbne data" in page and "Kvartalsvis, den 3." in page
    # A refused run shows its message on the page.
    db.session.add(
        ReleaseScheduleRun(
            schedule_id=schedule.id,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            status="refused",
            message="Ingen budget for 2026",
        )
    )
    db.session.commit()
    page = client.get("/releases/schedules").get_data(as_text=True)
    assert "Afvist: Ingen budget for 2026" in page
    assert client.post(f"/releases/schedules/{schedule.id}/toggle").status_code == 302
    db.session.expire_all()
    assert schedule.is_active is False
    assert "Deaktiveret" in client.get("/releases/schedules").get_data(as_text=True)
    client.post(f"/releases/schedules/{schedule.id}/toggle")
    db.session.expire_all()
    assert schedule.is_active is True
    # Delete asks first; a GET changes nothing.
    confirm = client.get(f"/releases/schedules/{schedule.id}/delete")
    assert confirm.status_code == 200 and "Slet Åbne data" in confirm.get_data(
        as_text=True
    )
    assert db.session.query(ReleaseSchedule).count() == 1
    app.config["WTF_CSRF_ENABLED"] = True  # off in tests, on in the app
    assert client.post(f"/releases/schedules/{schedule.id}/delete").status_code == 400
    assert db.session.query(ReleaseSchedule).count() == 1
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post(f"/releases/schedules/{schedule.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.query(ReleaseSchedule).count() == 0
    assert db.session.query(ReleaseScheduleRun).count() == 0
    details = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "release.schedule")
    ).all()
    assert [d.split()[1] for d in details] == [
        "created",
        "disabled",
        "enabled",
        "deleted",
    ]
