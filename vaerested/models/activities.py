"""Activities: planning rules, materialised sessions, attendance and courses.

Everything here is anonymous except category-3 courses, the one registered mode:
a category-3 enrolment links a card (never a person) to a job-centre referral
reference. A category-2 clarification course follows a card by its pseudonym
only (an unregistered enrolment: no reference). No model has a field for a name or a free-text note about a person.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, true

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.centres import Centre, TargetGroup, str_enum
from vaerested.services.protection import new_record_key


class LedBy(enum.StrEnum):
    STAFF = "staff"
    #: A user of the centre volunteering (on inclusive terms).
    VOLUNTEER = "volunteer"
    #: A partner organisation, e.g. the job centre or psychiatry.
    PARTNER = "partner"


class RuleKind(enum.StrEnum):
    #: Every ``interval_weeks`` weeks on ``weekday``.
    WEEKLY = "weekly"
    #: The ``nth`` ``weekday`` of every month (``nth`` -1 is the last).
    MONTHLY = "monthly"
    #: One session on ``start_date``.
    ONCE = "once"


class ChangeReason(enum.StrEnum):
    """Why a session was cancelled or moved: always about the session."""

    STAFF_ILLNESS = "staff_illness"
    HOLIDAY = "holiday"
    CENTRE_CLOSED = "centre_closed"
    ROOM_UNAVAILABLE = "room_unavailable"
    WEATHER = "weather"
    TOO_FEW = "too_few"
    PARTNER_CANCELLED = "partner_cancelled"
    OTHER = "other"


class CourseOutcome(enum.StrEnum):
    CONTINUING = "continuing"
    COMPLETED = "completed"
    EMPLOYMENT = "employment"
    EDUCATION = "education"
    STOPPED = "stopped"
    OTHER = "other"


class Activity(Base):
    """Something a centre offers: a club, a walk, a course."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("centres.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    #: About the activity, never about a person.
    description: Mapped[str] = mapped_column(Text, default="")
    #: The strategy's category of offer: 1, 2 or 3 (employment course).
    category: Mapped[int] = mapped_column(SmallInteger)
    #: The range of life phases (1-4) the activity suits.
    life_phase_min: Mapped[int] = mapped_column(
        SmallInteger, default=1, server_default="1"
    )
    life_phase_max: Mapped[int] = mapped_column(
        SmallInteger, default=4, server_default="4"
    )
    #: NULL: everyone.
    target_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("target_groups.id", ondelete="SET NULL")
    )
    led_by: Mapped[LedBy] = mapped_column(str_enum(LedBy, "led_by"))
    #: The partner organisation when ``led_by`` is partner, e.g. "Jobcenter".
    partner: Mapped[str] = mapped_column(String(100), default="")
    #: Room or place, e.g. "Kitchen" or "Meets at Nørreport station".
    place: Mapped[str] = mapped_column(String(100), default="")
    #: Places available (NULL: no limit).
    capacity: Mapped[int | None] = mapped_column(Integer)
    #: Visitors of other centres are welcome (the strategy's mobility goal).
    is_open_to_other_centres: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    #: An archived activity keeps its past sessions but gets no new ones.
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()
    target_group: Mapped[TargetGroup | None] = relationship()
    rules: Mapped[list[ActivityRule]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        order_by="ActivityRule.id",
    )

    __table_args__ = (
        CheckConstraint("category BETWEEN 1 AND 3", name="category_range"),
        CheckConstraint(
            "life_phase_min BETWEEN 1 AND 4 AND life_phase_max BETWEEN 1 AND 4 "
            "AND life_phase_min <= life_phase_max",
            name="life_phase_range",
        ),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    def __repr__(self) -> str:
        return f"<Activity {self.id} centre={self.centre_id} cat={self.category}>"


class ActivityRule(Base):
    """When an activity takes place, as a recurrence in local wall-clock time.

    Times are local (config ``TIMEZONE``): a 10:00 session stays at 10:00 across
    a daylight-saving change. ``valid_from_dt`` is when the rule took its current
    form; sessions before it are never created or rewritten from it.
    """

    __tablename__ = "activity_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RuleKind] = mapped_column(str_enum(RuleKind, "rule_kind"))
    #: Weekly rules: every this many weeks (2 = every other week).
    interval_weeks: Mapped[int] = mapped_column(
        SmallInteger, default=1, server_default="1"
    )
    #: 0 = Monday … 6 = Sunday (weekly and monthly rules).
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    #: Monthly rules: 1-5 = first … fifth such weekday of the month, -1 = last.
    nth: Mapped[int | None] = mapped_column(SmallInteger)
    start_date: Mapped[date] = mapped_column(Date)
    #: Last possible day (NULL: open-ended).
    end_date: Mapped[date | None] = mapped_column(Date)
    #: Local wall-clock start and end; an end not after the start is next day.
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    #: Days left out, as ISO dates separated by commas, e.g. "2026-12-24".
    exception_dates: Mapped[str] = mapped_column(Text, default="")
    valid_from_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="rules")

    __table_args__ = (
        CheckConstraint("interval_weeks BETWEEN 1 AND 52", name="interval_range"),
        CheckConstraint(
            "weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"
        ),
        CheckConstraint(
            "nth IS NULL OR nth = -1 OR nth BETWEEN 1 AND 5", name="nth_range"
        ),
        CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name="date_order"
        ),
    )

    @property
    def exceptions(self) -> list[date]:
        """Return the exception days, sorted."""
        parts = (p.strip() for p in (self.exception_dates or "").split(","))
        return sorted({date.fromisoformat(p) for p in parts if p})

    def __repr__(self) -> str:
        return f"<ActivityRule {self.id} activity={self.activity_id} {self.kind.value}>"


class ActivitySession(Base):
    """One session of an activity, materialised from a rule.

    ``occurrence_dt`` is the rule occurrence the session came from; it is unique
    per activity, so materialising twice creates nothing new. ``start_dt`` and
    ``end_dt`` differ from the occurrence when a leader moved the session.
    """

    __tablename__ = "activity_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE")
    )
    #: The rule it came from (NULL once that rule is gone).
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity_rules.id", ondelete="SET NULL"), index=True
    )
    occurrence_dt: Mapped[datetime] = mapped_column(UTCDateTime())
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime())
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime())
    is_cancelled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    is_moved: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Why it was cancelled or moved.
    change_reason: Mapped[ChangeReason | None] = mapped_column(
        str_enum(ChangeReason, "change_reason")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    activity: Mapped[Activity] = relationship()
    attendance: Mapped[SessionAttendance | None] = relationship(
        back_populates="session", cascade="all, delete-orphan", uselist=False
    )

    __table_args__ = (
        UniqueConstraint("activity_id", "occurrence_dt"),
        Index("ix_activity_sessions_start_dt", "start_dt"),
    )

    @property
    def is_changed(self) -> bool:
        """Return whether a leader cancelled or moved the session."""
        return self.is_cancelled or self.is_moved

    def __repr__(self) -> str:
        return (
            f"<ActivitySession {self.id} activity={self.activity_id} {self.start_dt}>"
        )


class SessionAttendance(Base):
    """The anonymous counts of one session (card attendance is :class:`SessionScan`)."""

    __tablename__ = "session_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("activity_sessions.id", ondelete="CASCADE"), unique=True
    )
    #: Attendees counted without a card scan.
    headcount: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Volunteers running the session (not counted as attendees).
    volunteers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Random 0-255, never shown: the headcount's part of an attendance cell key.
    record_key: Mapped[int] = mapped_column(
        Integer, default=new_record_key, server_default="0"
    )

    session: Mapped[ActivitySession] = relationship(back_populates="attendance")

    __table_args__ = (
        CheckConstraint("headcount >= 0", name="headcount_non_negative"),
        CheckConstraint("volunteers >= 0", name="volunteers_non_negative"),
    )

    def __repr__(self) -> str:
        return (
            f"<SessionAttendance {self.id} session={self.session_id} "
            f"{self.headcount}+{self.volunteers}v>"
        )


class SessionScan(Base):
    """A card scanned at a session: one per card and session."""

    __tablename__ = "session_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("activity_sessions.id", ondelete="CASCADE")
    )
    #: NULL once older than the retention period (the scan still counts).
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), index=True
    )
    scanned_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The card holder volunteered at the session (helped run it).
    is_volunteer: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    __table_args__ = (UniqueConstraint("session_id", "card_id"),)

    def __repr__(self) -> str:
        return f"<SessionScan {self.id} session={self.session_id} card={self.card_id}>"


class CourseEnrolment(Base):
    """A card on a course: category 3 registered with the job centre's referral
    reference, category 2 (clarification) by the card's pseudonym only."""

    __tablename__ = "course_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    #: NULL once the enrolment ended before the retention period.
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), index=True
    )
    #: Category 3: registered with the job centre's referral reference;
    #: category 2: not registered (no reference, the card's pseudonym only).
    is_registered: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    #: The job centre's short reference, e.g. "BIF-2026-0042" (never a name);
    #: NULL exactly when the enrolment is not registered.
    referral_ref: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    #: Sessions the course plan foresees (NULL: not set).
    planned_sessions: Mapped[int | None] = mapped_column(SmallInteger)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    activity: Mapped[Activity] = relationship()
    follow_ups: Mapped[list[CourseFollowUp]] = relationship(
        back_populates="enrolment",
        cascade="all, delete-orphan",
        order_by="(CourseFollowUp.follow_up_date, CourseFollowUp.id)",
    )

    __table_args__ = (
        UniqueConstraint("activity_id", "card_id", "start_date"),
        CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name="date_order"
        ),
        CheckConstraint(
            "planned_sessions IS NULL OR planned_sessions > 0",
            name="planned_sessions_positive",
        ),
        CheckConstraint(
            "(is_registered AND referral_ref IS NOT NULL) "
            "OR (NOT is_registered AND referral_ref IS NULL)",
            name="referral_when_registered",
        ),
    )

    def __repr__(self) -> str:
        return (
            f"<CourseEnrolment {self.id} activity={self.activity_id} "
            f"card={self.card_id} {self.referral_ref!r}>"
        )


class CourseFollowUp(Base):
    """A follow-up of a course enrolment: a date and an outcome, no notes."""

    __tablename__ = "course_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("course_enrolments.id", ondelete="CASCADE"), index=True
    )
    follow_up_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[CourseOutcome] = mapped_column(
        str_enum(CourseOutcome, "course_outcome")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrolment: Mapped[CourseEnrolment] = relationship(back_populates="follow_ups")

    def __repr__(self) -> str:
        return (
            f"<CourseFollowUp {self.id} enrolment={self.enrolment_id} "
            f"{self.outcome.value}>"
        )
