"""E-mail to a schedule's recipients when a run finishes, through a real SMTP
server (aiosmtpd on 127.0.0.1): one mail per recipient with the link and no
data, none extra from a second scheduler, mail off without a server, and a
mail server that is down never failing the run."""

import email
import email.policy
import logging
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from tests.factories import create_centre, create_user
from tests.test_export_schedules import (
    NOW,
    _race,
    add_february_visits,
    all_runs,
    make_schedule,
)
from vaerested.exports import delivery, jobs
from vaerested.exports.delivery import deliver_run
from vaerested.exports.jobs import enqueue_run, run_export_tick, run_queued
from vaerested.models import ExportRunDelivery, ExportSchedule, RunStatus
from vaerested.services.periods import Period

BASE_URL = "https://vaerested.example.dk"
SENDER = "Værested <noreply@example.dk>"


@pytest.fixture
def clock(monkeypatch):
    """Set the jobs' clock to NOW (Thursday 5 March 2026)."""
    monkeypatch.setattr(jobs, "utcnow", lambda: NOW)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping every message; refuses the addresses in ``refuse``."""

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content, policy=email.policy.default
        )
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self) -> list[str]:
        return sorted(address for rcpts, _m in self.messages for address in rcpts)


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 at a free port; yields (mailbox, port)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def app_config(app_config, smtp):
    return {
        **app_config,
        "BASE_URL": BASE_URL + "/",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp[1],
        "MAIL_TLS": "none",
        "MAIL_SENDER": SENDER,
        "MAIL_TIMEOUT": 10,
    }


@pytest.fixture
def mailbox(smtp) -> Mailbox:
    return smtp[0]


def schedule_with_recipients(db, **kwargs):
    """A monthly schedule mailing two active admins; return it and them.

    An inactive admin and a leader are recipients in the table as well (set
    before they changed): neither gets a mail.
    """
    alice = create_user("admin", email="alice@example.org", display_name="Alice")
    bob = create_user("admin", email="bob@example.org", display_name="Bob")
    create_user("admin", email="carol@example.org")  # not a recipient
    gone = create_user("admin", email="gone@example.org", is_active_account=False)
    leader = create_user("leader", centres=[create_centre()], email="lea@example.org")
    schedule = make_schedule(db, **kwargs)
    schedule.recipients = [alice, bob, gone, leader]
    db.session.commit()
    return schedule, alice, bob


def text_of(message) -> str:
    """Return the plain-text body with the wire's CRLF as newlines."""
    return message.get_content().replace("\r\n", "\n")


def app_log(caplog) -> str:
    """Return what the application logged (not the test SMTP server's log)."""
    return "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("vaerested")
    )


def deliveries(db) -> list[ExportRunDelivery]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ExportRunDelivery).order_by(ExportRunDelivery.user_id)
        )
    )


def test_a_scheduled_run_mails_each_recipient_once_with_the_link_and_no_data(
    app, db, clock, mailbox, caplog
):
    add_february_visits(db)
    schedule, alice, bob = schedule_with_recipients(db)
    caplog.set_level(logging.INFO)
    assert run_export_tick(app) == {"succeeded": 1, "failed": 0, "skipped": 0}

    [run] = all_runs(db)
    assert run.status is RunStatus.SUCCEEDED
    assert mailbox.to() == ["alice@example.org", "bob@example.org"]
    link = f"{BASE_URL}/reports/runs/{run.id}"
    data = (Path(app.instance_path) / "exports" / run.files[0]).read_text()
    for rcpts, message in mailbox.messages:
        assert message["To"] == rcpts[0] and message["From"] == SENDER
        assert message["Subject"] == (
            "Værested: Eksport klar: Monthly visits, 1. februar 2026 – 28. februar 2026"
        )
        assert not message.is_multipart()  # no attachment
        assert message.get_content_type() == "text/plain"
        body = text_of(message)
        # Danish first, English below, both with the absolute link.
        danish, english = body.split("-- English --")
        assert "Den planlagte eksport »Monthly visits« (" in danish
        assert "er klar. Log ind for at hente filerne:\n" + link + "\n" in danish
        assert "The scheduled export “Monthly visits” (" in english
        assert "February 1, 2026 – February 28, 2026) is ready." in english
        assert english.count(link) == 1
        # No data: not the file's name, no line of it, no row count.
        assert run.file_names[0] not in body
        assert "2026-02-10" not in body and "alpha" not in body
        assert "<5" not in body and "rows" not in body.lower()
        assert all(line not in body for line in data.splitlines()[1:])
    got = deliveries(db)
    assert [(d.run_id, d.user_id, d.run_status, d.error) for d in got] == [
        (run.id, alice.id, "succeeded", None),
        (run.id, bob.id, "succeeded", None),
    ]
    assert all(d.sent_dt is not None for d in got)
    # The log names users by id, never their address.
    assert "@example.org" not in app_log(caplog)
    assert f"mail sent to user {alice.id}" in caplog.text

    # Later ticks and a replay of the run's delivery send nothing more.
    assert run_export_tick(app) == {"succeeded": 0, "failed": 0, "skipped": 0}
    assert deliver_run(run.id) == {"sent": 0, "failed": 0, "skipped": 2}
    assert len(mailbox.messages) == 2 and len(deliveries(db)) == 2


def test_the_run_page_lists_who_was_mailed(app, client, auth, db, clock, mailbox):
    add_february_visits(db)
    schedule_with_recipients(db)
    run_export_tick(app)
    [run] = all_runs(db)
    auth.login_as("admin")
    page = client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    assert "E-mail til modtagerne" in page
    assert page.count("sendt ") == 2 and "Alice" in page and "Bob" in page


def test_schedulers_ticking_at_once_send_no_extra_mail(
    app, db, clock, mailbox, monkeypatch
):
    add_february_visits(db)
    schedule_with_recipients(db)
    workers = 4
    barrier = threading.Barrier(workers, timeout=30)
    real_due = jobs.due_schedule_periods

    def due_then_wait(today):
        due = real_due(today)
        barrier.wait()
        return due

    monkeypatch.setattr(jobs, "due_schedule_periods", due_then_wait)
    results = _race(app, workers, run_export_tick)
    assert sum(r["succeeded"] for r in results) == 1
    assert sum(r["skipped"] for r in results) == workers - 1
    assert mailbox.to() == ["alice@example.org", "bob@example.org"]
    assert len(deliveries(db)) == 2


def test_the_same_run_delivered_by_several_workers_at_once_mails_once(
    app, db, clock, mailbox, monkeypatch
):
    """A replay racing the first delivery (both claim the same run's mails)."""
    add_february_visits(db)
    schedule_with_recipients(db)
    app.config["MAIL_SERVER"] = ""  # the run is made without mail first
    run_export_tick(app)
    [run] = all_runs(db)
    assert mailbox.messages == [] and deliveries(db) == []
    app.config["MAIL_SERVER"] = "127.0.0.1"
    workers = 4
    barrier = threading.Barrier(workers, timeout=30)
    real_claim = delivery._claim

    def wait_then_claim(*args):
        barrier.wait()  # every worker claims each recipient at the same moment
        return real_claim(*args)

    monkeypatch.setattr(delivery, "_claim", wait_then_claim)

    def deliver(application):
        with application.app_context():
            return deliver_run(run.id)

    results = _race(app, workers, deliver)
    assert sum(r["sent"] for r in results) == 2
    assert sum(r["skipped"] for r in results) == 2 * (workers - 1)
    assert sum(r["failed"] for r in results) == 0
    assert mailbox.to() == ["alice@example.org", "bob@example.org"]


def test_two_scheduler_processes_at_once_send_one_mail_per_recipient(app, db, smtp):
    """Two real `flask scheduler run-job export-tick` processes started together."""
    mailbox, port = smtp
    schedule_with_recipients(db, created_dt=datetime(2020, 1, 1, tzinfo=UTC))
    env = {
        **os.environ,
        "VAERESTED_INSTANCE_PATH": app.instance_path,
        "VAERESTED_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "VAERESTED_SECRET_KEY": "test",
        "VAERESTED_CARD_HASH_KEY": "test",
        "VAERESTED_BASE_URL": BASE_URL,
        "VAERESTED_MAIL_SERVER": "127.0.0.1",
        "VAERESTED_MAIL_PORT": str(port),
        "VAERESTED_MAIL_TLS": "none",
        "VAERESTED_MAIL_SENDER": "noreply@example.dk",
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
    [run] = all_runs(db)
    assert run.status is RunStatus.SUCCEEDED
    assert mailbox.to() == ["alice@example.org", "bob@example.org"]
    assert {m["From"] for _r, m in mailbox.messages} == {"noreply@example.dk"}
    link = f"{BASE_URL}/reports/runs/{run.id}\n"
    assert all(text_of(m).count(link) == 2 for _r, m in mailbox.messages)
    assert [d.sent_dt is not None for d in deliveries(db)] == [True, True]


def test_without_a_mail_server_no_mail_and_the_pages_say_mail_is_off(
    app, client, auth, db, clock, mailbox
):
    app.config["MAIL_SERVER"] = ""
    add_february_visits(db)
    schedule, _alice, _bob = schedule_with_recipients(db)
    assert run_export_tick(app) == {"succeeded": 1, "failed": 0, "skipped": 0}
    assert mailbox.messages == [] and deliveries(db) == []
    auth.login_as("admin")
    off = "E-mail er slået fra: der er ikke sat nogen mailserver op"
    assert off in client.get("/reports/schedules").get_data(as_text=True)
    edit = client.get(f"/reports/schedules/{schedule.id}/edit")
    assert off in edit.get_data(as_text=True)
    # With the server configured, the pages do not say so.
    app.config["MAIL_SERVER"] = "127.0.0.1"
    page = client.get("/reports/schedules").get_data(as_text=True)
    assert "E-mail er slået fra" not in page and 'data-testid="mail-off"' not in page
    assert "Alice, Bob" in page  # the recipients column (the active ones)


def test_without_base_url_mail_is_off(app, client, auth, db, clock, mailbox):
    app.config["BASE_URL"] = ""
    add_february_visits(db)
    schedule_with_recipients(db)
    run_export_tick(app)
    assert mailbox.messages == [] and deliveries(db) == []
    auth.login_as("admin")
    page = client.get("/reports/schedules").get_data(as_text=True)
    assert "systemets adresse (VAERESTED_BASE_URL) er ikke sat" in page


def test_mail_server_down_the_run_succeeds_and_the_error_is_recorded(
    app, db, clock, smtp, caplog
):
    mailbox, port = smtp
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    add_february_visits(db)
    _schedule, alice, bob = schedule_with_recipients(db)
    caplog.set_level(logging.INFO)
    assert run_export_tick(app) == {"succeeded": 1, "failed": 0, "skipped": 0}
    [run] = all_runs(db)
    assert run.status is RunStatus.SUCCEEDED and run.error is None
    got = deliveries(db)
    assert [(d.user_id, d.sent_dt, d.error) for d in got] == [
        (alice.id, None, "ConnectionRefusedError: Connection refused"),
        (bob.id, None, "ConnectionRefusedError: Connection refused"),
    ]
    assert f"mail to user {alice.id} failed" in caplog.text
    assert "@example.org" not in app_log(caplog)
    # Not retried: a later tick sends nothing, even with the server back.
    app.config["MAIL_PORT"] = port
    assert run_export_tick(app)["succeeded"] == 0
    assert mailbox.messages == []


def test_a_refused_recipient_is_recorded_and_the_others_get_their_mail(
    app, db, clock, mailbox
):
    mailbox.refuse.add("alice@example.org")
    add_february_visits(db)
    _schedule, alice, bob = schedule_with_recipients(db)
    assert run_export_tick(app)["succeeded"] == 1
    assert mailbox.to() == ["bob@example.org"]
    got = deliveries(db)
    assert [(d.user_id, d.error) for d in got] == [
        (alice.id, "SMTPRecipientsRefused: 550"),
        (bob.id, None),
    ]
    assert got[0].sent_dt is None and got[1].sent_dt is not None


def test_a_run_that_fails_for_the_last_time_is_mailed_as_failed(
    app, db, clock, mailbox, monkeypatch
):
    app.config["EXPORT_MAX_ATTEMPTS"] = 2

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(jobs, "build_report", broken)
    schedule_with_recipients(db)
    assert run_export_tick(app)["failed"] == 1
    assert mailbox.messages == []  # attempt 1 of 2: the next tick tries again
    assert run_export_tick(app)["failed"] == 1
    [run] = all_runs(db)
    assert (run.status, run.attempts) == (RunStatus.FAILED, 2)
    assert mailbox.to() == ["alice@example.org", "bob@example.org"]
    for _rcpts, message in mailbox.messages:
        assert message["Subject"].startswith("Værested: Eksport mislykkedes: ")
        body = text_of(message)
        assert "mislykkedes og prøves ikke igen" in body
        assert "failed and will not be tried again" in body
        assert f"{BASE_URL}/reports/runs/{run.id}\n" in body
        assert "database went away" not in body
    assert {d.run_status for d in deliveries(db)} == {"failed"}


def test_an_on_demand_run_mails_nobody(app, db, clock, mailbox):
    schedule_with_recipients(db)
    run = enqueue_run(
        "visits", "csv", Period(date(2026, 2, 1), date(2026, 2, 28)), 5, None
    )
    db.session.commit()
    app.config["EXPORT_MAX_ATTEMPTS"] = 5
    assert run_queued(app, run.id) is True
    assert mailbox.messages == []


# The recipients field of the schedule form


def _form(**changes) -> dict:
    data = {
        "name": "Monthly visits",
        "report": "visits",
        "format": "csv",
        "cadence": "monthly",
        "day_of_month": "3",
        "min_cell": "5",
        "is_active": "y",
    }
    data.update(changes)
    return data


def test_admin_chooses_recipients_among_active_administration(client, auth, db):
    admin = auth.login_as("admin", email="admin@example.org")
    other = create_user("admin", email="other@example.org", display_name="Other")
    create_user("admin", email="gone@example.org", is_active_account=False)
    create_user("leader", centres=[create_centre()], email="lea@example.org")
    db.session.commit()
    form = client.get("/reports/schedules/new").get_data(as_text=True)
    assert "E-mail, når en kørsel er færdig" in form
    assert "other@example.org" in form and "admin@example.org" in form
    assert "gone@example.org" not in form and "lea@example.org" not in form

    response = client.post(
        "/reports/schedules/new", data=_form(recipients=[str(other.id), str(admin.id)])
    )
    assert response.status_code == 302
    schedule = db.session.scalars(select(ExportSchedule)).one()
    assert sorted(u.id for u in schedule.recipients) == sorted([admin.id, other.id])

    edit = client.get(f"/reports/schedules/{schedule.id}/edit").get_data(as_text=True)
    assert edit.count("checked") == 3  # two recipients and "active"
    response = client.post(
        f"/reports/schedules/{schedule.id}/edit", data=_form(recipients=[str(other.id)])
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [u.id for u in schedule.recipients] == [other.id]
    # No box ticked: no recipients.
    client.post(f"/reports/schedules/{schedule.id}/edit", data=_form())
    db.session.expire_all()
    assert schedule.recipients == []


@pytest.mark.parametrize("who", ["inactive", "leader", "unknown", "text", "huge"])
def test_a_recipient_outside_the_choices_is_refused(client, auth, db, who):
    auth.login_as("admin")
    users = {
        "inactive": lambda: create_user("admin", is_active_account=False).id,
        "leader": lambda: create_user("leader", centres=[create_centre()]).id,
        "unknown": lambda: 99999,
        "text": lambda: "abc",
        "huge": lambda: 2**70,
    }
    value = str(users[who]())
    db.session.commit()
    response = client.post("/reports/schedules/new", data=_form(recipients=[value]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="recipients-error"' in page
    assert db.session.scalars(select(ExportSchedule)).all() == []


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_only_administration_may_set_recipients(client, auth, db, role):
    admin = create_user("admin")
    schedule = make_schedule(db)
    schedule.recipients = [admin]
    db.session.commit()
    user = auth.login_as(role, centres=[create_centre()])
    for url in ("/reports/schedules/new", f"/reports/schedules/{schedule.id}/edit"):
        assert client.get(url).status_code == 403
        response = client.post(url, data=_form(recipients=[str(user.id)]))
        assert response.status_code == 403
    db.session.expire_all()
    assert [u.id for u in schedule.recipients] == [admin.id]
    assert len(db.session.scalars(select(ExportSchedule)).all()) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(
    ("user", "password", "error"),
    [
        ("vaerested", "s3cret", None),
        # smtplib tries LOGIN after PLAIN's 535, and aiosmtpd hangs up.
        ("vaerested", "wrong", "SMTPServerDisconnected"),
        ("", "", "SMTPSenderRefused: 530"),
    ],
)
def test_login_at_a_server_that_requires_it(
    app, db, clock, mailbox, user, password, error
):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"vaerested", b"s3cret")
        return AuthResult(success=ok)

    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,  # a test on 127.0.0.1 only
    )
    controller.start()
    try:
        app.config.update(MAIL_PORT=port, MAIL_USER=user, MAIL_PASSWORD=password)
        schedule_with_recipients(db)
        assert run_export_tick(app)["succeeded"] == 1
    finally:
        controller.stop()
    expected = [] if error else ["alice@example.org", "bob@example.org"]
    assert mailbox.to() == expected
    assert [d.error for d in deliveries(db)] == [error, error]
