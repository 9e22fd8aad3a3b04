"""Server-side login sessions and the atomic login-attempt counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.users import StaffUser


class StaffSession(Base):
    """One login on one device; logging out deletes it, so copied cookies die.

    The session cookie and the remember-me cookie carry a random token; only its
    SHA-256 is stored here.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the token in the cookies.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    #: When the user logged in; the absolute lifetime counts from here.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: "Keep me logged in" was ticked: the remember-me lifetime applies.
    is_remembered: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Client address at login.
    remote_addr: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[StaffUser] = relationship()

    def __repr__(self) -> str:
        return f"<StaffSession {self.id} user={self.user_id}>"


class LoginCounter(Base):
    """Login attempts in the current window for one account or one address.

    Incremented by a single UPSERT before the password is checked, so concurrent
    guesses cannot all read "below the limit" (see :mod:`vaerested.auth.operations`).
    """

    __tablename__ = "login_counters"

    #: ``a:`` + keyed hash of the e-mail, or ``r:`` + the client address.
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: Start of the counting window.
    window_start_dt: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Attempts since the window started.
    attempts: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<LoginCounter {self.attempts}>"
