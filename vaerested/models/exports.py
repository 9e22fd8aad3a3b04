"""Scheduled exports: schedules, their runs (one per period) and downloads."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import true

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.centres import str_enum
from vaerested.models.users import StaffUser
from vaerested.services.periods import Cadence


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    #: The CSV for Danish Excel (semicolons, decimal comma, BOM, Danish labels).
    CSV_DA = "csv_da"


class RunStatus(enum.StrEnum):
    #: Waiting for a worker (the scheduler or the web's background thread).
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: Retried on the next tick until ``EXPORT_MAX_ATTEMPTS`` is reached.
    FAILED = "failed"


class RunOrigin(enum.StrEnum):
    #: A schedule's run, made by the scheduler process.
    SCHEDULER = "scheduler"
    #: "Run now" by a staff user (``started_by_id``).
    USER = "user"


#: Staff users who get an e-mail when a run of the schedule finishes.
export_schedule_recipients = Table(
    "export_schedule_recipients",
    Base.metadata,
    Column(
        "schedule_id",
        ForeignKey("export_schedules.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "user_id", ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    ),
)


class ExportSchedule(Base):
    """A report exported every week, month or quarter for the previous period."""

    __tablename__ = "export_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Label shown in lists, e.g. "Monthly visits for the city council".
    name: Mapped[str] = mapped_column(String(100))
    #: Report name (a key of ``vaerested.reports.tables.build.REPORTS``).
    report: Mapped[str] = mapped_column(String(30))
    format: Mapped[ExportFormat] = mapped_column(
        str_enum(ExportFormat, "export_format")
    )
    cadence: Mapped[Cadence] = mapped_column(str_enum(Cadence, "export_cadence"))
    #: Run day of a weekly schedule: 0 Monday … 6 Sunday.
    weekday: Mapped[int | None] = mapped_column(Integer)
    #: Run day (1-28) of a monthly schedule, or of a quarter's first month.
    day_of_month: Mapped[int | None] = mapped_column(Integer)
    #: Small-cell threshold of the export (1 shows raw counts).
    min_cell: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[StaffUser | None] = relationship()
    #: Who is told by e-mail when a run finishes (docs/exports-delivery.md).
    recipients: Mapped[list[StaffUser]] = relationship(
        secondary=export_schedule_recipients, order_by="StaffUser.display_name"
    )

    __table_args__ = (
        CheckConstraint("min_cell >= 1", name="min_cell_positive"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("day_of_month BETWEEN 1 AND 28", name="day_of_month_range"),
    )

    @property
    def anchor(self) -> dict:
        """Return the keyword arguments of :mod:`vaerested.services.periods`."""
        return {"weekday": self.weekday, "day_of_month": self.day_of_month}

    def __repr__(self) -> str:
        return f"<ExportSchedule {self.id} {self.report} {self.cadence.value}>"


class ExportRun(Base):
    """One export of one report for one period, with its files.

    The row is the claim: a scheduler inserts it (UNIQUE per schedule and period)
    before doing the work, so a second scheduler started by mistake fails to
    insert and skips. On-demand runs have no schedule.
    """

    __tablename__ = "export_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL for an on-demand ("run now") export.
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("export_schedules.id", ondelete="SET NULL")
    )
    report: Mapped[str] = mapped_column(String(30))
    format: Mapped[ExportFormat] = mapped_column(
        str_enum(ExportFormat, "export_format")
    )
    #: First and last local day of the period, both inclusive.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    min_cell: Mapped[int] = mapped_column(Integer)
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "export_run_status"))
    started_by: Mapped[RunOrigin] = mapped_column(str_enum(RunOrigin, "run_origin"))
    #: The staff user of an on-demand run.
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    queued_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Start of the latest attempt.
    started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    #: JSON object: file name of each table -> number of rows.
    row_counts: Mapped[str | None] = mapped_column(Text)
    #: JSON list of paths relative to ``instance/exports/``.
    file_paths: Mapped[str | None] = mapped_column(Text)
    #: What went wrong with the job (never personal data).
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: 0-100, shown while the run is in progress.
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    schedule: Mapped[ExportSchedule | None] = relationship()
    started_by_user: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        UniqueConstraint("schedule_id", "period_start", "period_end"),
        Index("ix_export_runs_status", "status"),
        Index("ix_export_runs_queued_dt", "queued_dt"),
    )

    @property
    def row_count_map(self) -> dict[str, int]:
        """Return the decoded row counts (empty before the run succeeded)."""
        return json.loads(self.row_counts) if self.row_counts else {}

    @property
    def files(self) -> list[str]:
        """Return the recorded paths, relative to ``instance/exports/``."""
        return json.loads(self.file_paths) if self.file_paths else []

    @property
    def file_names(self) -> list[str]:
        """Return the names of the recorded files (the last path segment)."""
        return [path.rsplit("/", 1)[-1] for path in self.files]

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    def __repr__(self) -> str:
        return (
            f"<ExportRun {self.id} {self.report} {self.period_start}.."
            f"{self.period_end} {self.status.value}>"
        )


class ExportDownload(Base):
    """Audit row: who downloaded which file of which run, when and from where."""

    __tablename__ = "export_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("export_runs.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: File name within the run.
    file: Mapped[str] = mapped_column(String(255))
    downloaded_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    remote_addr: Mapped[str] = mapped_column(String(45), default="")

    def __repr__(self) -> str:
        return f"<ExportDownload {self.id} run={self.run_id} user={self.user_id}>"


class ExportRunDelivery(Base):
    """The e-mail about a finished run to one recipient: claimed, then sent.

    The row is the claim: the worker that delivers a run INSERTs it (UNIQUE per
    run and user) before it sends, so a replay or a second scheduler fails to
    insert and sends nothing. A claimed row without ``sent_dt`` and with an
    ``error`` is a send that failed; it is not retried (at most one e-mail).
    """

    __tablename__ = "export_run_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("export_runs.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE")
    )
    #: The run's status the e-mail told of ("succeeded" or "failed").
    run_status: Mapped[str] = mapped_column(String(10))
    claimed_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why the send failed (the exception's type and SMTP code; no address).
    error: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[StaffUser] = relationship()

    __table_args__ = (UniqueConstraint("run_id", "user_id"),)

    def __repr__(self) -> str:
        return f"<ExportRunDelivery run={self.run_id} user={self.user_id}>"
