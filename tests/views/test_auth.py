"""Login, logout, rate limit, and the generic error message."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import DEFAULT_PASSWORD, create_centre, create_user
from vaerested.models import LoginAttempt, LoginCounter


def test_login_lands_admin_on_centres(client, auth, db):
    create_user(role="admin", email="a@example.org")
    db.session.commit()
    response = auth.login("a@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/centres/"


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_login_lands_staff_and_leaders_of_one_centre_on_its_scanner(
    client, auth, db, role
):
    centre = create_centre(slug="nabo")
    auth.login_as(role, centres=[centre])
    assert client.get("/").headers["Location"] == "/checkin/nabo/"


def test_login_with_two_centres_lists_them(client, auth, db):
    a, b = create_centre(slug="nabo"), create_centre(slug="kontakten")
    auth.login_as("leader", centres=[a, b])
    response = client.get("/")
    assert response.status_code == 200
    assert (
        b"/checkin/nabo/" in response.data and b"/checkin/kontakten/" in response.data
    )


def test_email_is_case_insensitive(auth, db):
    create_user(email="leader@example.org", role="admin")
    db.session.commit()
    assert auth.login("  LEADER@Example.org ").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client, auth, db):
    create_user(email="known@example.org", role="admin")
    db.session.commit()
    wrong = auth.login("known@example.org", "wrong password")
    unknown = auth.login("nobody@example.org", DEFAULT_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert (
        b"Forkert e-mail eller adgangskode" in wrong.data
        or b"Wrong e-mail" in wrong.data
    )
    assert wrong.data.count(b"flash-error") == unknown.data.count(b"flash-error") == 1


def test_inactive_account_cannot_log_in(auth, db):
    create_user(email="gone@example.org", role="admin", is_active_account=False)
    db.session.commit()
    assert auth.login("gone@example.org").status_code == 401


def test_failed_logins_are_rate_limited_per_account(app, auth, db):
    app.config["LOGIN_MAX_FAILURES"] = 3
    create_user(email="target@example.org", role="admin")
    db.session.commit()
    for _ in range(3):
        assert auth.login("target@example.org", "guess").status_code == 401
    # Even the right password is refused while the limit holds.
    assert auth.login("target@example.org").status_code == 429
    failures = db.session.scalar(
        select(func.count()).where(LoginAttempt.is_success.is_(False))
    )
    assert failures == 3


def test_rate_limit_window_expires(app, auth, db):
    app.config["LOGIN_MAX_FAILURES"] = 2
    app.config["LOGIN_FAILURE_WINDOW"] = timedelta(minutes=15)
    create_user(email="t@example.org", role="admin")
    db.session.commit()
    auth.login("t@example.org", "x")
    auth.login("t@example.org", "x")
    # Age the failures past the window.
    for counter in db.session.scalars(select(LoginCounter)):
        counter.window_start_dt = counter.window_start_dt - timedelta(minutes=16)
    db.session.commit()
    assert auth.login("t@example.org").status_code == 302


def test_logout_requires_post(client, auth, db):
    auth.login_as("admin")
    assert client.get("/auth/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302
    assert "/auth/login" in client.get("/").headers["Location"]


def test_open_redirect_is_refused(client, db):
    create_user(email="r@example.org", role="admin")
    db.session.commit()
    response = client.post(
        "/auth/login?next=//evil.example.com/x",
        data={"email": "r@example.org", "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_password_change_invalidates_sessions(client, auth, db):
    user = auth.login_as("admin")
    assert client.get("/centres/").status_code == 200
    from vaerested.admin.operations import end_sessions

    end_sessions(user)
    db.session.commit()
    assert client.get("/centres/").status_code == 302


def test_security_headers(client, db):
    response = client.get("/auth/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_csrf_is_enforced_on_login(app, client, db):
    app.config["WTF_CSRF_ENABLED"] = True
    create_user(email="c@example.org", role="admin")
    db.session.commit()
    response = client.post(
        "/auth/login", data={"email": "c@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
