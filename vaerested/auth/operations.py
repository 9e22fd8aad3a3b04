"""Login checks with a database-backed rate limit (it holds across workers)."""

import logging
from datetime import timedelta

from sqlalchemy import delete, func, select

from vaerested.auth.passwords import verify_password
from vaerested.extensions import db
from vaerested.models import LoginAttempt, StaffUser
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)


def is_rate_limited(
    email: str, remote_addr: str, max_failures: int, window: timedelta
) -> bool:
    """Return whether recent failures for this account or address reach the limit.

    An address gets five times the per-account allowance, since several staff may
    share one centre's network.
    """
    since = utcnow() - window
    failed = select(func.count()).where(
        LoginAttempt.is_success.is_(False), LoginAttempt.attempted_dt >= since
    )
    by_account = db.session.scalar(failed.where(LoginAttempt.email == email))
    by_addr = db.session.scalar(failed.where(LoginAttempt.remote_addr == remote_addr))
    return by_account >= max_failures or by_addr >= 5 * max_failures


def authenticate(email: str, password: str, remote_addr: str) -> StaffUser | None:
    """Return the active user matching the credentials, recording the attempt."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    db.session.add(LoginAttempt(email=email, remote_addr=remote_addr, is_success=ok))
    if ok:
        user.last_login_dt = utcnow()
        logger.info("Login: user %s", user.id)
        return user
    logger.info("Failed login from %s", remote_addr)
    return None


def prune_login_attempts(older_than: timedelta) -> int:
    """Delete login attempts older than ``older_than``; return how many."""
    result = db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_dt < utcnow() - older_than)
    )
    return result.rowcount or 0
