"""Sessions end at logout and expire; the login limit is atomic (issue #11)."""

import hashlib
import hmac
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from tests.factories import DEFAULT_PASSWORD, create_user
from vaerested.auth.operations import reserve_attempt
from vaerested.extensions import db as _db
from vaerested.models import LoginAttempt, StaffSession


def _login(client, email, remember=False):
    data = {"email": email, "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.data[:500]


def _age_sessions(db, by: timedelta) -> None:
    for row in db.session.scalars(select(StaffSession)):
        row.created_dt = row.created_dt - by
    db.session.commit()


def _is_logged_in(client) -> bool:
    return client.get("/centres/").status_code == 200


def test_copied_session_cookie_is_dead_after_logout(client, db):
    create_user(role="admin", email="a@example.org")
    db.session.commit()
    _login(client, "a@example.org")
    copied = client.get_cookie("session").value
    assert _is_logged_in(client)
    client.post("/auth/logout")
    assert not _is_logged_in(client)
    client.set_cookie("session", copied)
    assert not _is_logged_in(client)


def test_copied_remember_cookie_is_dead_after_logout(client, db):
    create_user(role="admin", email="a@example.org")
    db.session.commit()
    _login(client, "a@example.org", remember=True)
    remember = client.get_cookie("remember_token").value
    client.delete_cookie("session")  # the browser was closed
    assert _is_logged_in(client)  # the remember-me cookie logs in again
    client.post("/auth/logout")
    client.delete_cookie("session")
    client.set_cookie("remember_token", remember)
    assert not _is_logged_in(client)
    assert db.session.scalar(select(StaffSession)) is None


def test_logout_on_one_device_keeps_the_other(client, app, db):
    create_user(role="admin", email="a@example.org")
    db.session.commit()
    other = app.test_client()
    _login(client, "a@example.org")
    _login(other, "a@example.org")
    client.post("/auth/logout")
    assert not _is_logged_in(client)
    assert _is_logged_in(other)


def test_idle_session_ends(client, app, db):
    create_user(role="admin", email="a@example.org")
    db.session.commit()
    _login(client, "a@example.org")
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    assert idle == timedelta(hours=12)
    with client.session_transaction() as session:
        session["_seen"] = int(time.time() - idle.total_seconds() + 120)
    assert _is_logged_in(client)  # 11 h 58 min: still in
    with client.session_transaction() as session:
        session["_seen"] = int(time.time() - idle.total_seconds() - 1)
    assert not _is_logged_in(client)
    assert db.session.scalar(select(StaffSession)) is None


def test_absolute_lifetime_ends_even_an_active_session(client, app, db):
    create_user(role="admin", email="a@example.org")
    db.session.commit()
    _login(client, "a@example.org")
    lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
    _age_sessions(db, lifetime - timedelta(minutes=1))
    assert _is_logged_in(client)
    _age_sessions(db, timedelta(minutes=2))
    assert not _is_logged_in(client)


def test_remembered_session_has_no_idle_limit_but_its_own_lifetime(client, app, db):
    create_user(role="admin", email="a@example.org")
    db.session.commit()
    _login(client, "a@example.org", remember=True)
    with client.session_transaction() as session:
        session["_seen"] = int(time.time() - 13 * 3600)
    assert _is_logged_in(client)
    row = db.session.scalar(select(StaffSession))
    assert row.is_remembered
    _age_sessions(db, app.config["REMEMBER_COOKIE_DURATION"] + timedelta(minutes=1))
    assert not _is_logged_in(client)


def test_login_log_keeps_no_typed_e_mail(client, app, db):
    client.post(
        "/auth/login", data={"email": "Victim@Example.org", "password": "secret-pw"}
    )
    row = db.session.scalar(select(LoginAttempt))
    key = app.config["LOGIN_HASH_KEY"].encode()
    expected = hmac.new(key, b"victim@example.org", hashlib.sha256).hexdigest()
    assert row.email_hash == expected
    assert (
        "victim"
        not in repr(db.session.execute(select(LoginAttempt.__table__)).all()).lower()
    )


def test_concurrent_guesses_get_no_more_than_the_limit(app, db):
    limit = app.config["LOGIN_MAX_FAILURES"]
    allowed = []
    errors = []
    barrier = threading.Barrier(64)

    def guess():
        try:
            with app.app_context():
                barrier.wait()
                ok = reserve_attempt(
                    "target@example.org",
                    f"10.0.0.{len(allowed)}",
                    limit,
                    timedelta(minutes=15),
                )
                allowed.append(ok)
                _db.session.remove()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=guess) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(allowed) == 64
    assert sum(allowed) == limit
