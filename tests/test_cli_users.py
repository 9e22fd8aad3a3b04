"""``flask users …``: create, list, set-password."""

import pytest
from sqlalchemy import func, select

from tests.factories import create_centre, create_user
from vaerested.auth.passwords import verify_password
from vaerested.models import Role, StaffUser

PASSWORD = "a long enough password"


def users(db) -> list[StaffUser]:
    db.session.rollback()  # see only what the command committed
    return db.session.scalars(select(StaffUser).order_by(StaffUser.id)).all()


def test_create_with_password_option(runner, db):
    create_centre(slug="kedlen")
    create_centre(slug="havblik")
    db.session.commit()

    result = runner.invoke(
        args=[
            *("users", "create", "--email", " Anna@Example.ORG ", "--role", "staff"),
            *("--centre", "kedlen", "--centre", "havblik", "--password", PASSWORD),
        ]
    )

    assert result.exit_code == 0, result.output
    [user] = users(db)
    assert result.stdout == f"Created staff anna@example.org (id {user.id}).\n"
    assert (user.email, user.display_name, user.role) == (
        "anna@example.org",
        "anna",
        Role.STAFF,
    )
    assert sorted(c.slug for c in user.centres) == ["havblik", "kedlen"]
    assert verify_password(user.password_hash, PASSWORD)


def test_create_with_environment_variable(runner, db):
    result = runner.invoke(
        args=["users", "create", "--email", "boss@example.org", "--role", "admin"],
        env={"VAERESTED_NEW_USER_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    [user] = users(db)
    assert user.role == Role.ADMIN and user.centres == []
    assert verify_password(user.password_hash, PASSWORD)


def test_create_with_hidden_confirmed_prompt(runner, db):
    result = runner.invoke(
        args=["users", "create", "--email", "boss@example.org", "--role", "admin"],
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    assert "do not match" in result.output  # asked again after a mismatch
    [user] = users(db)
    assert verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email", "--role", "admin"], "not an e-mail address"),
        (
            ["--email", "a@b.org", "--role", "admin", "--password", "short"],
            "at least 10",
        ),
        (["--email", "taken@example.org", "--role", "admin"], "e-mail exists"),
        (["--email", "a@b.org", "--role", "leader"], "leaders and staff need --centre"),
        (["--email", "a@b.org", "--role", "staff", "--centre", "nope"], "no centre"),
        (["--email", "a@b.org", "--role", "chief"], "'chief' is not one of"),
    ],
)
def test_create_errors_exit_2_and_create_nothing(runner, db, args, message):
    create_user(email="taken@example.org")
    db.session.commit()
    if "--password" not in args:
        args = [*args, "--password", PASSWORD]

    result = runner.invoke(args=["users", "create", *args])

    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert [u.email for u in users(db)] == ["taken@example.org"]


def test_list(runner, db):
    centre = create_centre(slug="kedlen")
    create_user(role="admin", email="b-admin@example.org")
    create_user(role="staff", email="a-staff@example.org", centres=[centre])
    create_user(role="leader", email="c-leader@example.org", is_active_account=False)
    db.session.commit()

    result = runner.invoke(args=["users", "list"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "b-admin@example.org\tadmin\tactive\t-",
        "c-leader@example.org\tleader\tinactive\t-",
        "a-staff@example.org\tstaff\tactive\tkedlen",
    ]
    result = runner.invoke(args=["users", "list", "--role", "staff"])
    assert result.stdout == "a-staff@example.org\tstaff\tactive\tkedlen\n"


def test_list_empty(runner, db):
    result = runner.invoke(args=["users", "list"])
    assert result.stdout == "No accounts.\n"


def test_set_password_replaces_hash_and_ends_sessions(runner, db):
    user = create_user(email="anna@example.org")
    db.session.commit()
    old_login_id = user.login_id

    result = runner.invoke(
        args=["users", "set-password", "--email", "ANNA@example.org"],
        env={"VAERESTED_NEW_USER_PASSWORD": PASSWORD},
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "Password set for anna@example.org.\n"
    [user] = users(db)
    assert verify_password(user.password_hash, PASSWORD)
    assert user.login_id != old_login_id


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("nobody@example.org", PASSWORD, "no account with this e-mail"),
        ("anna@example.org", "short", "at least 10"),
    ],
)
def test_set_password_errors(runner, db, email, password, message):
    user = create_user(email="anna@example.org")
    db.session.commit()
    old_hash = user.password_hash

    result = runner.invoke(
        args=["users", "set-password", "--email", email, "--password", password]
    )

    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert db.session.scalar(select(func.count(StaffUser.id))) == 1
    assert users(db)[0].password_hash == old_hash
