"""Staff accounts and the login-attempt log that rate-limits them."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, true

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.centres import Centre, str_enum


class Role(enum.StrEnum):
    #: Municipal administration: every centre, districts, accounts, reports.
    ADMIN = "admin"
    #: Centre leader: plans activities and keeps the profile of their centres.
    LEADER = "leader"
    #: Centre staff: check-ins and attendance at their centres.
    STAFF = "staff"


staff_centres = Table(
    "staff_centres",
    Base.metadata,
    Column(
        "user_id", ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("centre_id", ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True),
)


def new_login_id() -> str:
    """Return a fresh random session identifier for a user."""
    return secrets.token_urlsafe(24)


class StaffUser(UserMixin, Base):
    """A person who works with the system. Citizens never have accounts."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    #: Argon2id hash (see :mod:`vaerested.auth.passwords`).
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    is_active_account: Mapped[bool] = mapped_column(
        "is_active", Boolean, default=True, server_default=true()
    )
    #: Random id put in the session; replacing it logs the user out everywhere.
    login_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_login_id)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    #: Centres a leader or staff member works at (admins see all centres).
    centres: Mapped[list[Centre]] = relationship(
        secondary=staff_centres, order_by="Centre.name"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str:
        # The token of the server-side session being logged in (see
        # vaerested.auth.sessions); it goes into the session and remember cookies.
        return getattr(self, "session_token", "")

    def can_access_centre(self, centre: Centre) -> bool:
        """Return whether this user may see and act for ``centre``."""
        return self.is_admin or any(c.id == centre.id for c in self.centres)

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role.value}>"


class LoginAttempt(Base):
    """A login attempt, kept briefly to rate-limit password guessing across workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Keyed hash (HMAC-SHA256, hex) of the e-mail typed, lower-case: the log
    #: groups attempts per account without keeping what was typed (it may be a
    #: password typed in the wrong field).
    email_hash: Mapped[str] = mapped_column(String(64))
    #: Client address as seen by the app.
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    attempted_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_success: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    __table_args__ = (
        Index("ix_login_attempts_email_hash_dt", "email_hash", "attempted_dt"),
        Index("ix_login_attempts_addr_dt", "remote_addr", "attempted_dt"),
    )

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.id} success={self.is_success}>"
