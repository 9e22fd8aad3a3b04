"""The audit log: who downloaded, exported, revoked or changed what, and when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vaerested.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One audited action (see :data:`vaerested.audit.ACTIONS`)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When it happened.
    occurred_dt: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, index=True
    )
    #: What happened, e.g. ``report.download`` or ``card.revoke``.
    action: Mapped[str] = mapped_column(String(40))
    #: The staff user who did it (kept as ``actor_label`` if the account goes).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: E-mail of the user, or ``cli`` / ``scheduler`` / ``kiosk:<id>``.
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    #: The centre concerned, if any.
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="SET NULL")
    )
    #: The report concerned, if any (``visits``, ``coverage`` …).
    report: Mapped[str | None] = mapped_column(String(40))
    period_start: Mapped[date | None] = mapped_column(Date())
    period_end: Mapped[date | None] = mapped_column(Date())
    #: Free detail: format, file, target account, token id. Never a card code.
    detail: Mapped[str] = mapped_column(String(500), default="")
    #: Client address (empty for the CLI and the scheduler).
    remote_addr: Mapped[str] = mapped_column(String(45), default="")

    __table_args__ = (Index("ix_audit_events_action_dt", "action", "occurred_dt"),)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"
