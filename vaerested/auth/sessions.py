"""Server-side login sessions: logout ends them, and they expire.

The session cookie and the remember-me cookie hold a random token whose hash
is a :class:`~vaerested.models.StaffSession` row. Logging out deletes the row,
so a copied cookie of either kind opens nothing afterwards. A session ends
after ``SESSION_IDLE_TIMEOUT`` without a request (checked on the signed cookie's
last-seen time) and, in any case, ``SESSION_ABSOLUTE_LIFETIME`` after login
(``REMEMBER_COOKIE_DURATION`` when "keep me logged in" was ticked).
"""

import hashlib
import logging
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app, request, session
from flask_login import login_user
from sqlalchemy import delete, select

from vaerested.extensions import db
from vaerested.models import StaffSession, StaffUser

logger = logging.getLogger(__name__)

#: Key of the last-seen time (epoch seconds) in the signed session cookie.
SEEN_KEY = "_seen"
#: The last-seen time is rewritten at most this often (fewer Set-Cookie headers).
SEEN_RESOLUTION = 60


def token_hash(token: str) -> str:
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(user: StaffUser, remember: bool, remote_addr: str) -> str:
    """Add a session row for ``user``; return its token (only the hash is kept)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user.id,
            is_remembered=remember,
            remote_addr=(remote_addr or "")[:45],
        )
    )
    db.session.flush()
    return token


def end_session(token: str | None) -> None:
    """Delete the session row of ``token`` (no row, nothing happens)."""
    if token:
        db.session.execute(
            delete(StaffSession).where(StaffSession.token_hash == token_hash(token))
        )


def end_all_sessions(user: StaffUser) -> None:
    """Delete every session of ``user``: logged out on every device."""
    db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def lifetime(is_remembered: bool) -> timedelta:
    """Return how long after login a session ends, whatever happens."""
    cfg = current_app.config
    if is_remembered:
        return cfg["REMEMBER_COOKIE_DURATION"]
    return cfg["SESSION_ABSOLUTE_LIFETIME"]


def load_session_user(token: str, now: datetime) -> StaffUser | None:
    """Return the user of a live session token, or None (unknown or expired)."""
    row = db.session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    staff_session, user = row
    if now - staff_session.created_dt > lifetime(staff_session.is_remembered):
        return None
    if not user.is_active:
        return None
    user.session_token = token
    user.session_is_remembered = staff_session.is_remembered
    return user


def log_in(user: StaffUser, remember: bool = False) -> None:
    """Start a session for ``user`` and put its token in the cookies."""
    token = start_session(user, remember, request.remote_addr or "")
    user.session_token = token
    user.session_is_remembered = remember
    login_user(user, remember=remember)
    session[SEEN_KEY] = int(time.time())


def idle_expired(now: float) -> bool:
    """Return whether this browser session has been idle too long.

    Also refreshes the last-seen time. Remembered sessions have no idle limit
    (that is what "keep me logged in" asks for); their absolute lifetime holds.
    """
    seen = session.get(SEEN_KEY)
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if isinstance(seen, int) and now - seen > idle:
        return True
    if not isinstance(seen, int) or now - seen >= SEEN_RESOLUTION:
        session[SEEN_KEY] = int(now)
    return False


def prune_sessions(now: datetime) -> int:
    """Delete sessions past their absolute lifetime; return how many."""
    removed = 0
    for remembered in (False, True):
        result = db.session.execute(
            delete(StaffSession).where(
                StaffSession.is_remembered.is_(remembered),
                StaffSession.created_dt < now - lifetime(remembered),
            )
        )
        removed += result.rowcount or 0
    return removed
