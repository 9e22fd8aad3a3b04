"""Public releases with differential privacy, and the yearly privacy budget."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.users import StaffUser


class PrivacyBudget(Base):
    """The ε the administration allows for one year of data, and what is spent."""

    __tablename__ = "privacy_budgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The calendar year of the data the releases count.
    year: Mapped[int] = mapped_column(Integer, unique=True)
    #: Total ε allowed for that year's data.
    epsilon: Mapped[float] = mapped_column(Float)
    #: ε spent so far; raised by one conditional UPDATE per release, so two
    #: releases at once cannot both pass the check.
    spent: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint("spent <= epsilon + 0.000001", name="spent_within_epsilon"),
    )

    @property
    def remaining(self) -> float:
        return max(self.epsilon - self.spent, 0.0)

    def __repr__(self) -> str:
        return f"<PrivacyBudget {self.year} {self.spent}/{self.epsilon}>"


class PublicRelease(Base):
    """One differentially private release: its tables, cost and accuracy."""

    __tablename__ = "public_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The budget year charged (the year the period lies in).
    year: Mapped[int] = mapped_column(Integer, index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: What the release is for, e.g. "Committee paper, March".
    purpose: Mapped[str] = mapped_column(String(200))
    #: ε spent (sum of the tables' ε).
    epsilon: Mapped[float] = mapped_column(Float)
    #: Contribution bounds per card: transitions (k) and visits (m).
    max_transitions: Mapped[int] = mapped_column(Integer)
    max_visits: Mapped[int] = mapped_column(Integer)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: E-mail of the maker, or ``cli`` / ``scheduler``.
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    #: The released tables as JSON (downloading again spends nothing).
    tables_json: Mapped[str] = mapped_column(Text)
    #: Per table: ε, sensitivity, noise scale, ±accuracy at 95 %, as JSON.
    accounting_json: Mapped[str] = mapped_column(Text)

    created_by: Mapped[StaffUser | None] = relationship()

    @property
    def tables(self) -> dict[str, list[dict]]:
        return json.loads(self.tables_json)

    @property
    def accounting(self) -> dict[str, dict]:
        return json.loads(self.accounting_json)

    def __repr__(self) -> str:
        return f"<PublicRelease {self.id} {self.period_start}..{self.period_end}>"


class ReleaseSchedule(Base):
    """A public release made every month or quarter for the period just ended.

    Each run spends its ε from the budget of the period's year through the same
    ledger as a release made by hand, and is refused (and recorded so) when the
    budget is missing or spent.
    """

    __tablename__ = "release_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Label shown in lists and used as the releases' purpose.
    name: Mapped[str] = mapped_column(String(100))
    #: ``monthly`` or ``quarterly`` (:class:`vaerested.services.periods.Cadence`).
    cadence: Mapped[str] = mapped_column(String(10))
    #: Run day (1-28) of the following month, or of the next quarter's first month.
    day_of_month: Mapped[int] = mapped_column(Integer)
    #: ε spent by each run.
    epsilon: Mapped[float] = mapped_column(Float)
    #: Contribution bounds per card: transitions (k) and visits (m).
    max_transitions: Mapped[int] = mapped_column(Integer)
    max_visits: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    runs: Mapped[list[ReleaseScheduleRun]] = relationship(
        back_populates="schedule",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReleaseScheduleRun.id.desc()",
    )

    __table_args__ = (
        CheckConstraint(
            "cadence IN ('monthly', 'quarterly')", name="cadence_monthly_quarterly"
        ),
        CheckConstraint("day_of_month BETWEEN 1 AND 28", name="day_of_month_range"),
        CheckConstraint("epsilon > 0", name="epsilon_positive"),
    )

    @property
    def anchor(self) -> dict:
        """Return the keyword arguments of :mod:`vaerested.services.periods`."""
        return {"weekday": None, "day_of_month": self.day_of_month}

    def __repr__(self) -> str:
        return f"<ReleaseSchedule {self.id} {self.cadence} ε={self.epsilon}>"


class ReleaseScheduleRun(Base):
    """One run of a release schedule for one period: made, refused or failed.

    The row is the claim: a scheduler inserts it (UNIQUE per schedule and
    period) before computing anything, so a second scheduler started by
    mistake fails to insert and skips; a period is never released twice.
    """

    __tablename__ = "release_schedule_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("release_schedules.id", ondelete="CASCADE")
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: ``running``, then ``done``, ``refused`` (no budget left) or ``failed``.
    status: Mapped[str] = mapped_column(String(10))
    #: Why a run was refused or failed (shown on the page); empty when done.
    message: Mapped[str] = mapped_column(String(500), default="")
    #: The release made (NULL unless done).
    release_id: Mapped[int | None] = mapped_column(
        ForeignKey("public_releases.id", ondelete="SET NULL")
    )
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())

    schedule: Mapped[ReleaseSchedule] = relationship(back_populates="runs")

    __table_args__ = (UniqueConstraint("schedule_id", "period_start", "period_end"),)

    def __repr__(self) -> str:
        return (
            f"<ReleaseScheduleRun {self.id} schedule={self.schedule_id} "
            f"{self.period_start}..{self.period_end} {self.status}>"
        )
