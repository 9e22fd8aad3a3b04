"""Public releases with differential privacy, and the yearly privacy budget."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text
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
