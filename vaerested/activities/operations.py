"""Activity write paths: planning, materialising sessions, attendance, courses.

Operations flush (or execute) and never commit; the caller commits once.
Materialising is one ``INSERT … ON CONFLICT DO NOTHING`` per occurrence on the
unique ``(activity_id, occurrence_dt)``, so running it twice (the job and a
save at the same time) creates nothing new. Only card ids are logged.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from vaerested.checkin.codes import InvalidCode
from vaerested.checkin.operations import find_card, record_scan
from vaerested.extensions import db
from vaerested.models import (
    Activity,
    ActivityRule,
    ActivitySession,
    Centre,
    ChangeReason,
    CourseEnrolment,
    CourseFollowUp,
    CourseOutcome,
    RuleKind,
    SessionAttendance,
    SessionScan,
)
from vaerested.models.base import utcnow
from vaerested.services.recurrence import (
    RuleSpec,
    occurrences,
    session_local_times,
    to_aware,
)

logger = logging.getLogger(__name__)

ACTIVITY_FIELDS = (
    "title",
    "description",
    "category",
    "life_phase_min",
    "life_phase_max",
    "target_group_id",
    "led_by",
    "partner",
    "place",
    "capacity",
    "is_open_to_other_centres",
)
RULE_FIELDS = (
    "kind",
    "weekday",
    "interval_weeks",
    "nth",
    "start_date",
    "end_date",
    "start_time",
    "end_time",
    "exception_dates",
)

sessions_table = ActivitySession.__table__
scans_table = SessionScan.__table__


def _insert(table):
    """Return an INSERT with ``ON CONFLICT`` support for the session's database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def start_of_day(moment: datetime, tz: ZoneInfo) -> datetime:
    """Return the aware UTC start of the local day of ``moment``."""
    return to_aware(datetime.combine(moment.astimezone(tz).date(), time()), tz)


def rule_spec(rule: ActivityRule) -> RuleSpec:
    """Return ``rule`` as a plain :class:`RuleSpec`."""
    return RuleSpec(
        kind=RuleKind(rule.kind).value,
        start_date=rule.start_date,
        end_date=rule.end_date,
        start_time=rule.start_time,
        end_time=rule.end_time,
        weekday=rule.weekday,
        interval_weeks=rule.interval_weeks or 1,
        nth=rule.nth,
        exceptions=frozenset(rule.exceptions),
    )


def _clean_rule_data(data: dict) -> dict:
    values = {k: data[k] for k in RULE_FIELDS if k in data}
    kind = RuleKind(values["kind"])
    if kind == RuleKind.ONCE:
        values.update(weekday=None, nth=None, interval_weeks=1)
        values["end_date"] = values["start_date"]
    elif kind == RuleKind.WEEKLY:
        values["nth"] = None
    else:
        values["interval_weeks"] = 1
    return values


def create_activity(centre: Centre, data: dict) -> Activity:
    """Create an activity at ``centre`` from form ``data``."""
    activity = Activity(centre_id=centre.id, **{k: data[k] for k in ACTIVITY_FIELDS})
    db.session.add(activity)
    db.session.flush()
    logger.info("Activity %s created at centre %s", activity.id, centre.id)
    return activity


def update_activity(activity: Activity, data: dict, now: datetime) -> None:
    """Update an activity; archiving it drops its untouched future sessions."""
    for key in ACTIVITY_FIELDS:
        setattr(activity, key, data[key])
    if "is_active" in data and activity.is_active and not data["is_active"]:
        activity.is_active = False
        drop_future_sessions(activity.id, None, now)
    elif data.get("is_active"):
        activity.is_active = True
    db.session.flush()


def add_rule(activity: Activity, data: dict, now: datetime, tz: ZoneInfo):
    """Add a rule; it takes effect from the start of today (local)."""
    rule = ActivityRule(
        activity_id=activity.id,
        valid_from_dt=start_of_day(now, tz),
        **_clean_rule_data(data),
    )
    db.session.add(rule)
    db.session.flush()
    db.session.refresh(activity, ["rules"])
    return rule


def update_rule(rule: ActivityRule, data: dict, now: datetime) -> int:
    """Change a rule from ``now`` on; return how many future sessions were dropped.

    Past sessions are never touched. Future sessions a leader cancelled or moved,
    or that already have attendance, stay as they are.
    """
    dropped = drop_future_sessions(rule.activity_id, rule.id, now)
    for key, value in _clean_rule_data(data).items():
        setattr(rule, key, value)
    rule.valid_from_dt = now
    db.session.flush()
    return dropped


def drop_future_sessions(activity_id: int, rule_id: int | None, now) -> int:
    """Delete untouched sessions starting at or after ``now``; return the count."""
    has_attendance = exists().where(SessionAttendance.session_id == ActivitySession.id)
    has_scans = exists().where(SessionScan.session_id == ActivitySession.id)
    query = delete(ActivitySession).where(
        ActivitySession.activity_id == activity_id,
        ActivitySession.start_dt >= now,
        ActivitySession.is_cancelled.is_(False),
        ActivitySession.is_moved.is_(False),
        ~has_attendance,
        ~has_scans,
    )
    if rule_id is not None:
        query = query.where(ActivitySession.rule_id == rule_id)
    result = db.session.execute(query.execution_options(synchronize_session=False))
    db.session.expire_all()
    return result.rowcount or 0


def materialise_activity(
    activity: Activity, since: datetime, until: datetime, tz: ZoneInfo
) -> int:
    """Create the sessions of ``activity`` in ``[since, until)``; return new ones."""
    if not activity.is_active:
        return 0
    created = 0
    for rule in activity.rules:
        start = max(since, rule.valid_from_dt)
        for occ in occurrences(rule_spec(rule), tz, start, until):
            row = db.session.execute(
                _insert(sessions_table)
                .values(
                    activity_id=activity.id,
                    rule_id=rule.id,
                    occurrence_dt=occ.start,
                    start_dt=occ.start,
                    end_dt=occ.end,
                    is_cancelled=False,
                    is_moved=False,
                    created_dt=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["activity_id", "occurrence_dt"])
                .returning(sessions_table.c.id)
            ).first()
            created += row is not None
    return created


def materialise_all(now: datetime, horizon_days: int, tz: ZoneInfo) -> int:
    """Materialise every active activity of every active centre; return new ones."""
    since = start_of_day(now, tz)
    until = since + timedelta(days=horizon_days + 1)
    activities = db.session.scalars(
        select(Activity)
        .join(Centre)
        .where(Activity.is_active.is_(True), Centre.is_active.is_(True))
        .order_by(Activity.id)
    )
    return sum(materialise_activity(a, since, until, tz) for a in activities)


def horizon(now: datetime, days: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the ``(since, until)`` window sessions are materialised for."""
    since = start_of_day(now, tz)
    return since, since + timedelta(days=days + 1)


def cancel_session(session: ActivitySession, reason: ChangeReason) -> None:
    """Cancel one session, with a reason about the session."""
    session.is_cancelled = True
    session.change_reason = ChangeReason(reason)
    db.session.flush()
    logger.info("Session %s cancelled (%s)", session.id, session.change_reason)


def reinstate_session(session: ActivitySession) -> None:
    """Undo a cancellation (a move stays)."""
    session.is_cancelled = False
    if not session.is_moved:
        session.change_reason = None
    db.session.flush()


def move_session(
    session: ActivitySession,
    day: date,
    start: time,
    end: time,
    reason: ChangeReason,
    tz: ZoneInfo,
) -> None:
    """Move one session to local ``day`` ``start``-``end`` (its rule is unchanged)."""
    session.start_dt, session.end_dt = session_local_times(day, start, end, tz)
    session.is_moved = True
    session.change_reason = ChangeReason(reason)
    db.session.flush()
    logger.info("Session %s moved (%s)", session.id, session.change_reason)


def record_attendance(
    session: ActivitySession, headcount: int, volunteers: int, user_id: int | None
) -> SessionAttendance:
    """Set the anonymous headcount and the volunteers of a session."""
    attendance = session.attendance
    if attendance is None:
        attendance = SessionAttendance(session_id=session.id)
        session.attendance = attendance
        db.session.add(attendance)
    attendance.headcount = headcount
    attendance.volunteers = volunteers
    attendance.recorded_by_id = user_id
    attendance.updated_dt = utcnow()
    db.session.flush()
    return attendance


@dataclass(frozen=True, slots=True)
class SessionScanResult:
    """What registering a card at a session did."""

    #: "new", "already", "invalid", "unknown", "revoked", "not_yet", "cancelled".
    outcome: str
    card_id: int | None = None
    #: The centre visit's outcome ("new" or "duplicate"), when a card was read.
    visit: str | None = None


def scan_time(session: ActivitySession, now: datetime, tz: ZoneInfo):
    """Return when a scan now counts: now on the session's day, else its start.

    Returns None before the session's day (attendance cannot precede it).
    """
    session_day = session.start_dt.astimezone(tz).date()
    today = now.astimezone(tz).date()
    if today < session_day:
        return None
    return now if today == session_day else session.start_dt


def record_session_scan(
    session: ActivitySession,
    centre: Centre,
    code: str,
    now: datetime,
    tz: ZoneInfo,
    volunteer: bool = False,
) -> SessionScanResult:
    """Record a card at a session; it also counts as that day's visit at the centre.

    The visit goes through :func:`record_scan` (one per card, centre and day).
    With ``volunteer`` the card is recorded as a volunteer at the session (also
    when it was registered before); a plain scan never unmarks one.
    """
    if session.is_cancelled:
        return SessionScanResult("cancelled")
    at = scan_time(session, now, tz)
    if at is None:
        return SessionScanResult("not_yet")
    result = record_scan(centre, code, at)
    if result.outcome not in ("new", "duplicate"):
        return SessionScanResult(result.outcome, result.card_id)
    inserted = db.session.execute(
        _insert(scans_table)
        .values(
            session_id=session.id,
            card_id=result.card_id,
            scanned_dt=at,
            is_volunteer=volunteer,
        )
        .on_conflict_do_nothing(index_elements=["session_id", "card_id"])
        .returning(scans_table.c.id)
    ).first()
    if inserted is None and volunteer:
        db.session.execute(
            scans_table.update()
            .where(
                scans_table.c.session_id == session.id,
                scans_table.c.card_id == result.card_id,
            )
            .values(is_volunteer=True)
        )
    outcome = "new" if inserted is not None else "already"
    logger.info("Card %s at session %s: %s", result.card_id, session.id, outcome)
    return SessionScanResult(outcome, result.card_id, result.outcome)


#: Categories with courses: 2 (clarification, unregistered) and 3 (registered).
COURSE_CATEGORIES = (2, 3)


class EnrolmentError(Exception):
    """A refused enrolment; ``code`` says why."""

    def __init__(self, code: str):
        """Keep ``code``, the reason."""
        super().__init__(code)
        self.code = code


def enrol(activity: Activity, code: str, data: dict, user_id: int | None):
    """Enrol the card with ``code`` on a course.

    Category 3 registers the enrolment with ``data["referral_ref"]``; category
    2 (clarification) follows the card by its pseudonym only, with no
    reference. The code is hashed to find the card; it is never stored.

    :raises EnrolmentError: "not_course", "invalid", "unknown", "revoked",
        "referral" (category 3 without a reference) or "duplicate" (the card
        already starts this course on that day).
    """
    if activity.category not in COURSE_CATEGORIES:
        raise EnrolmentError("not_course")
    registered = activity.category == 3
    referral_ref = (data.get("referral_ref") or None) if registered else None
    if registered and referral_ref is None:
        raise EnrolmentError("referral")
    try:
        card = find_card(code)
    except InvalidCode as error:
        raise EnrolmentError("invalid") from error
    if card is None:
        raise EnrolmentError("unknown")
    if card.is_revoked:
        raise EnrolmentError("revoked")
    duplicate = db.session.scalar(
        select(CourseEnrolment.id).where(
            CourseEnrolment.activity_id == activity.id,
            CourseEnrolment.card_id == card.id,
            CourseEnrolment.start_date == data["start_date"],
        )
    )
    if duplicate is not None:
        raise EnrolmentError("duplicate")
    enrolment = CourseEnrolment(
        activity_id=activity.id,
        card_id=card.id,
        is_registered=registered,
        referral_ref=referral_ref,
        start_date=data["start_date"],
        end_date=data.get("end_date"),
        planned_sessions=data.get("planned_sessions"),
        created_by_id=user_id,
    )
    db.session.add(enrolment)
    db.session.flush()
    logger.info("Card %s enrolled on course %s", card.id, activity.id)
    return enrolment


def add_follow_up(
    enrolment: CourseEnrolment, day: date, outcome: CourseOutcome, user_id
) -> CourseFollowUp:
    """Add a follow-up entry (a date and an outcome from the fixed list)."""
    follow_up = CourseFollowUp(
        enrolment_id=enrolment.id,
        follow_up_date=day,
        outcome=CourseOutcome(outcome),
        created_by_id=user_id,
    )
    db.session.add(follow_up)
    db.session.flush()
    db.session.refresh(enrolment, ["follow_ups"])
    return follow_up
