"""Visits: one presence of one person at one centre on one local day."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.cards import AgeBand, Gender, Housing
from vaerested.models.centres import str_enum
from vaerested.services.protection import new_record_key


class VisitSource(enum.StrEnum):
    #: A card scan (QR camera, keyboard wedge or typed code).
    SCAN = "scan"
    #: A staff "+1 anonymous visitor" tally.
    TALLY = "tally"
    #: A row of ``flask visits import``.
    IMPORT = "import"


class Outreach(enum.StrEnum):
    """Who accompanied the person to the centre at this visit (DOMAIN.md, the
    strategy: outreach staff accompany people to a centre)."""

    STREET_WORKER = "street_worker"
    HOME_GUIDE = "home_guide"
    #: A support contact person (*støtte-kontaktperson*, SKP).
    SKP = "skp"
    OTHER = "other"


class Visit(Base):
    """A visit. Card visits are unique per card, centre and local day.

    ``card_id`` is NULL for a tally and for card visits older than the retention
    period (the link is cut, the visit still counts).
    """

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("centres.id", ondelete="RESTRICT")
    )
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="SET NULL")
    )
    #: The local calendar day (config ``TIMEZONE``) of the visit.
    visit_date: Mapped[date] = mapped_column(Date)
    #: Earliest scan of the card at the centre that day (UTC).
    visited_dt: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[VisitSource] = mapped_column(str_enum(VisitSource, "visit_source"))
    #: Client-made key (UUID) that makes a replayed tally harmless.
    idempotency_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    #: Tally attributes (card visits take them from the card); NULL is unknown.
    home_district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL")
    )
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, "age_band"))
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, "gender"))
    housing: Mapped[Housing | None] = mapped_column(str_enum(Housing, "housing"))
    #: Came with outreach staff at this visit; NULL: not stated or came alone.
    outreach: Mapped[Outreach | None] = mapped_column(str_enum(Outreach, "outreach"))
    #: Random 0-255, set at insert, never shown or exported: a count's cell key
    #: is the sum of its visits' keys mod 256 (vaerested.services.protection).
    record_key: Mapped[int] = mapped_column(
        Integer, default=new_record_key, server_default="0"
    )
    #: When the server recorded the row (the tally undo window counts from here).
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Centre of the card's previous visit (time order, ties by centre slug);
    #: NULL for its first visit and without a card. Kept by triggers
    #: (vaerested.models.visit_chain), never written by the application.
    prev_centre_id: Mapped[int | None] = mapped_column(Integer)
    #: Local day of that previous visit (NULL with ``prev_centre_id``).
    prev_visit_date: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("card_id", "centre_id", "visit_date"),
        Index("ix_visits_centre_date", "centre_id", "visit_date"),
        Index("ix_visits_card_dt", "card_id", "visited_dt"),
        # Covers every column the report queries read, the period first: a
        # period's reports scan only its range of the index (issue 15).
        Index(
            "ix_visits_date_report",
            "visit_date",
            "centre_id",
            "card_id",
            "record_key",
            "visited_dt",
            "home_district_id",
        ),
        # The tallies' attributes, the period first: the reach and housing
        # figures read a period's tallies without the table (issue 15).
        Index(
            "ix_visits_tally_report",
            "visit_date",
            "centre_id",
            "age_band",
            "gender",
            "housing",
            "record_key",
            sqlite_where=text("card_id IS NULL"),
            postgresql_where=text("card_id IS NULL"),
        ),
        # The transitions (a card visit whose previous visit was elsewhere),
        # the period first: the mobility matrix reads only its range.
        Index(
            "ix_visits_transitions",
            "visit_date",
            "prev_visit_date",
            "prev_centre_id",
            "centre_id",
            "card_id",
            "record_key",
            sqlite_where=text("prev_centre_id <> centre_id"),
            postgresql_where=text("prev_centre_id <> centre_id"),
        ),
    )

    def __repr__(self) -> str:
        return (
            f"<Visit {self.id} centre={self.centre_id} card={self.card_id} "
            f"{self.visit_date} {self.source.value}>"
        )
