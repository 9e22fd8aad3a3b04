"""Cached report aggregates: one row per query and period (see reports/tables/cache.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vaerested.models.base import Base, UTCDateTime


class ReportCacheEntry(Base):
    """The rows one aggregate query returned for one period and scope.

    Only aggregates are stored (counts per centre, district, month…), never a
    card's code or a row per visit. ``expires_dt`` is set for periods that late
    scans can still change; older periods stay until an import or the retention
    job invalidates them.
    """

    __tablename__ = "report_cache"
    __table_args__ = (Index("ix_report_cache_period_end", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the query name, period, centres and any extra key.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: The rows as JSON (dates tagged, see ``reports.cache``).
    rows_json: Mapped[str] = mapped_column(Text)
    computed_dt: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())
