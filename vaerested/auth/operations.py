"""Login checks with an atomic, database-backed limit (it holds across workers).

Each attempt first increments its account's and its address's counter with one
UPSERT statement and commits; only an attempt whose new count is within the
limit has its password checked. Concurrent guesses therefore each see a
distinct count, on SQLite and PostgreSQL alike: 64 at once against a limit of
10 get exactly 10 checked.
"""

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from vaerested.auth.passwords import verify_password
from vaerested.extensions import db
from vaerested.models import LoginAttempt, LoginCounter, StaffUser
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)

#: An address gets this many times the per-account allowance, since several
#: staff may share one centre's network.
ADDRESS_FACTOR = 5


def email_hash(email: str) -> str:
    """Return the keyed hash (HMAC-SHA256, hex) of a typed e-mail, lower-case."""
    key = current_app.config["LOGIN_HASH_KEY"].encode()
    text = (email or "").strip().lower().encode("utf-8", "surrogatepass")
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def _increment(key: str, now: datetime, window: timedelta) -> int:
    """Add one attempt to ``key``'s counter in one statement; return the count."""
    table = LoginCounter.__table__
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    expired = table.c.window_start_dt < now - window
    statement = (
        insert(table)
        .values(key=key, window_start_dt=now, attempts=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "attempts": case((expired, 1), else_=table.c.attempts + 1),
                "window_start_dt": case((expired, now), else_=table.c.window_start_dt),
            },
        )
        .returning(table.c.attempts)
    )
    return db.session.execute(statement).scalar_one()


def reserve_attempt(
    email: str, remote_addr: str, max_failures: int, window: timedelta
) -> bool:
    """Count one login attempt; return whether it may be checked.

    Commits at once, so other workers see the count before this attempt's
    password is verified.
    """
    now = utcnow()
    by_account = _increment("a:" + email_hash(email), now, window)
    by_addr = _increment("r:" + (remote_addr or "")[:45], now, window)
    db.session.commit()
    return by_account <= max_failures and by_addr <= ADDRESS_FACTOR * max_failures


def authenticate(email: str, password: str, remote_addr: str) -> StaffUser | None:
    """Return the active user matching the credentials, recording the attempt."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    hashed = email_hash(email)
    db.session.add(
        LoginAttempt(email_hash=hashed, remote_addr=remote_addr, is_success=ok)
    )
    if ok:
        user.last_login_dt = utcnow()
        # A successful login gives the account its allowance back, and does not
        # use up the address's (many staff log in from one centre's network).
        db.session.execute(
            delete(LoginCounter).where(LoginCounter.key == "a:" + hashed)
        )
        db.session.execute(
            update(LoginCounter)
            .where(LoginCounter.key == "r:" + (remote_addr or "")[:45])
            .values(attempts=LoginCounter.attempts - 1)
        )
        logger.info("Login: user %s", user.id)
        return user
    logger.info("Failed login from %s", remote_addr)
    return None


def prune_login_attempts(older_than: timedelta) -> int:
    """Delete login attempts and counters older than ``older_than``; return how many."""
    cutoff = utcnow() - older_than
    result = db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_dt < cutoff)
    )
    db.session.execute(
        delete(LoginCounter).where(LoginCounter.window_start_dt < cutoff)
    )
    return result.rowcount or 0
