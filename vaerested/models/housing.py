"""Dated housing statements: the history of a card's housing situation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.cards import Housing
from vaerested.models.centres import str_enum


class HousingStatement(Base):
    """The housing situation a card holder chose to state on a day (no free text).

    The card's situation on a day is its latest statement on or before that
    day. One statement per card and local day: a repeat that day replaces it.
    Retention deletes statements older than the retention period.
    """

    __tablename__ = "housing_statements"
    __table_args__ = (
        UniqueConstraint("card_id", "stated_on"),
        Index("ix_housing_statements_centre_id_stated_on", "centre_id", "stated_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    #: The local day of the statement.
    stated_on: Mapped[date] = mapped_column(Date)
    #: The situation; NULL when the holder stated "unknown".
    situation: Mapped[Housing | None] = mapped_column(str_enum(Housing, "housing"))
    #: The centre where it was stated (NULL: unknown, e.g. an imported card).
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return (
            f"<HousingStatement {self.id} card={self.card_id} {self.stated_on} "
            f"{self.situation}>"
        )
