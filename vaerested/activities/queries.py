"""Read helpers for activity pages, the public calendar and the landscape."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from vaerested.extensions import db
from vaerested.models import (
    Activity,
    ActivitySession,
    Card,
    Centre,
    CourseEnrolment,
    District,
    SessionAttendance,
    SessionScan,
)
from vaerested.services.landscape import CentreProfile, DeliveredRow
from vaerested.services.protection import Cell, protect
from vaerested.services.recurrence import (
    hours,
    overlaps,
    to_aware,
    within_opening_hours,
)


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return aware ``[start, end)`` covering local days ``first`` to ``last``."""
    return (
        to_aware(datetime.combine(first, time()), tz),
        to_aware(datetime.combine(last + timedelta(days=1), time()), tz),
    )


def get_activity(centre: Centre, activity_id: int) -> Activity:
    """Return the centre's activity or answer 404 (also for another centre's)."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.centre_id != centre.id:
        abort(404)
    return activity


def get_session(centre: Centre, session_id: int) -> ActivitySession:
    """Return a session of one of the centre's activities, or answer 404."""
    session = db.session.scalar(
        select(ActivitySession)
        .options(joinedload(ActivitySession.activity))
        .where(ActivitySession.id == session_id)
    )
    if session is None or session.activity.centre_id != centre.id:
        abort(404)
    return session


def get_enrolment(activity: Activity, enrolment_id: int) -> CourseEnrolment:
    """Return an enrolment on ``activity`` or answer 404."""
    enrolment = db.session.get(CourseEnrolment, enrolment_id)
    if enrolment is None or enrolment.activity_id != activity.id:
        abort(404)
    return enrolment


def list_activities(centre: Centre) -> list[Activity]:
    """Return the centre's activities, active first, by title."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.centre_id == centre.id)
            .order_by(Activity.is_active.desc(), Activity.title)
        )
    )


def sessions_between(
    start: datetime, end: datetime, centre_ids=None, activity_id=None
) -> list[ActivitySession]:
    """Return sessions starting in ``[start, end)``, by time, activities loaded."""
    query = (
        select(ActivitySession)
        .join(Activity)
        .options(
            joinedload(ActivitySession.activity).joinedload(Activity.target_group),
            joinedload(ActivitySession.activity)
            .joinedload(Activity.centre)
            .selectinload(Centre.opening_intervals),
        )
        .where(ActivitySession.start_dt >= start, ActivitySession.start_dt < end)
        .order_by(ActivitySession.start_dt, Activity.title, ActivitySession.id)
    )
    if centre_ids is not None:
        query = query.where(Activity.centre_id.in_(list(centre_ids)))
    if activity_id is not None:
        query = query.where(ActivitySession.activity_id == activity_id)
    return list(db.session.scalars(query).unique())


class Counts(NamedTuple):
    headcount: int
    volunteers: int
    scans: int
    #: Whether anything was recorded at all.
    recorded: bool

    @property
    def attendees(self) -> int:
        """Attendees: the anonymous headcount plus the scanned cards."""
        return self.headcount + self.scans


def attendance_counts(session_ids) -> dict[int, Counts]:
    """Return the recorded counts per session id (absent: nothing recorded)."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            SessionAttendance.session_id,
            SessionAttendance.headcount,
            SessionAttendance.volunteers,
        ).where(SessionAttendance.session_id.in_(ids))
    ).all()
    scans = dict(
        db.session.execute(
            select(SessionScan.session_id, func.count())
            .where(SessionScan.session_id.in_(ids))
            .group_by(SessionScan.session_id)
        ).all()
    )
    found = {sid: Counts(h, v, scans.get(sid, 0), True) for sid, h, v in rows}
    for sid, n in scans.items():
        if sid not in found:
            found[sid] = Counts(0, 0, n, True)
    return found


def volunteer_scans(session_id: int) -> int:
    """Return the cards recorded as volunteers at a session."""
    return db.session.scalar(
        select(func.count()).where(
            SessionScan.session_id == session_id, SessionScan.is_volunteer
        )
    )


class Warning_(NamedTuple):
    #: "hours" (outside opening hours), "collision" (same category in the same
    #: district) or "audience" (the same people, elsewhere in the city).
    kind: str
    #: For collisions and audience clashes: the other session.
    other: ActivitySession | None = None
    #: For audience clashes: the target group both name (its label), if any.
    target_group: object | None = None
    #: For audience clashes: the shared life phases ``(low, high)``, if any.
    phases: tuple[int, int] | None = None


#: The life phases an activity serves when it names none in particular.
ALL_PHASES = (1, 4)


def names_phases(activity: Activity) -> bool:
    """Return whether ``activity`` names specific life phases (not all of 1-4)."""
    return (activity.life_phase_min, activity.life_phase_max) != ALL_PHASES


def audience_overlap(
    mine: Activity, other: Activity
) -> tuple[object | None, tuple[int, int] | None]:
    """Return what two activities share: ``(target group, (low, high) phases)``.

    The target group counts anywhere in the city when both name the same one.
    Life phases count only between centres of the same district, and only when
    both activities name specific phases (a range narrower than 1-4) and the
    ranges overlap. Measured on the demo data, life phases city-wide warned on
    two sessions in three (most activities suit phases 1-2 or 2-3), and "all
    phases" would clash with everything.
    """
    group = (
        mine.target_group
        if mine.target_group_id is not None
        and mine.target_group_id == other.target_group_id
        else None
    )
    phases = None
    same_district = mine.centre.district_id == other.centre.district_id
    if same_district and names_phases(mine) and names_phases(other):
        low = max(mine.life_phase_min, other.life_phase_min)
        high = min(mine.life_phase_max, other.life_phase_max)
        if low <= high:
            phases = (low, high)
    return group, phases


def session_warnings(
    sessions: list[ActivitySession], tz: ZoneInfo
) -> dict[int, list[Warning_]]:
    """Warn about sessions outside opening hours or clashing with others.

    A *collision* is a session of the same category at another active centre
    in the same district overlapping in time. An *audience* clash is a session
    at another active centre overlapping in time, of an activity that serves the
    same people: the same target group anywhere in the same municipality (the
    city), or overlapping specific life phases in the same district
    (:func:`audience_overlap`). A pair that collides is not warned about
    twice. Cancelled sessions and archived activities never warn.
    """
    live = [s for s in sessions if not s.is_cancelled]
    warnings: dict[int, list[Warning_]] = defaultdict(list)
    if not live:
        return warnings
    for s in live:
        centre = s.activity.centre
        intervals = [
            (i.weekday, i.opens_at, i.closes_at) for i in centre.opening_intervals
        ]
        start_local = s.start_dt.astimezone(tz).replace(tzinfo=None)
        end_local = s.end_dt.astimezone(tz).replace(tzinfo=None)
        if not within_opening_hours(intervals, start_local, end_local):
            warnings[s.id].append(Warning_("hours"))
    start = min(s.start_dt for s in live) - timedelta(days=1)
    end = max(s.end_dt for s in live)
    districts = {s.activity.centre.district_id for s in live}
    municipalities = {s.activity.centre.district.municipality for s in live}
    groups = {
        s.activity.target_group_id
        for s in live
        if s.activity.target_group_id is not None
    }
    # Only sessions that can clash: the same district, or (city-wide) the same
    # target group.
    could_clash = [Centre.district_id.in_(districts)]
    if groups:
        could_clash.append(Activity.target_group_id.in_(groups))
    others = db.session.scalars(
        select(ActivitySession)
        .join(Activity)
        .join(Centre)
        .join(District)
        .options(
            joinedload(ActivitySession.activity)
            .joinedload(Activity.centre)
            .joinedload(Centre.district),
            joinedload(ActivitySession.activity).joinedload(Activity.target_group),
        )
        .where(
            District.municipality.in_(municipalities),
            or_(*could_clash),
            Centre.is_active.is_(True),
            Activity.is_active.is_(True),
            ActivitySession.is_cancelled.is_(False),
            ActivitySession.start_dt < end,
            ActivitySession.end_dt > start,
        )
        .order_by(ActivitySession.start_dt, ActivitySession.id)
    ).unique()
    others = list(others)
    for s in live:
        mine = s.activity
        for o in others:
            theirs = o.activity
            if theirs.centre_id == mine.centre_id or not overlaps(
                s.start_dt, s.end_dt, o.start_dt, o.end_dt
            ):
                continue
            if (
                theirs.centre.district_id == mine.centre.district_id
                and theirs.category == mine.category
            ):
                warnings[s.id].append(Warning_("collision", o))
                continue
            if theirs.centre.district.municipality != mine.centre.district.municipality:
                continue
            group, phases = audience_overlap(mine, theirs)
            if group is not None or phases is not None:
                warnings[s.id].append(Warning_("audience", o, group, phases))
    return warnings


def public_sessions(
    start: datetime,
    end: datetime,
    district_id: int | None = None,
    category: int | None = None,
    target: str = "",
    centre_id: int | None = None,
) -> list[ActivitySession]:
    """Return sessions of active activities at active centres, filtered.

    ``target`` is "" (any), "everyone" (no particular group) or a group id.
    """
    query = (
        select(ActivitySession)
        .join(Activity)
        .join(Centre)
        .options(
            joinedload(ActivitySession.activity).joinedload(Activity.centre),
            joinedload(ActivitySession.activity).joinedload(Activity.target_group),
        )
        .where(
            Centre.is_active.is_(True),
            Activity.is_active.is_(True),
            ActivitySession.start_dt >= start,
            ActivitySession.start_dt < end,
        )
        .order_by(ActivitySession.start_dt, Centre.name, Activity.title)
    )
    if district_id is not None:
        query = query.where(Centre.district_id == district_id)
    if centre_id is not None:
        query = query.where(Centre.id == centre_id)
    if category is not None:
        query = query.where(Activity.category == category)
    if target == "everyone":
        query = query.where(Activity.target_group_id.is_(None))
    elif target.isdigit():
        query = query.where(Activity.target_group_id == int(target))
    return list(db.session.scalars(query).unique())


def active_centres() -> list[Centre]:
    """Return active centres by name, with district and opening hours loaded."""
    return list(
        db.session.scalars(
            select(Centre)
            .options(
                selectinload(Centre.district), selectinload(Centre.opening_intervals)
            )
            .where(Centre.is_active.is_(True))
            .order_by(Centre.name)
        )
    )


def landscape_profiles(centres: list[Centre]) -> list[CentreProfile]:
    """Return the offer profiles of ``centres`` for the landscape figure."""
    return [
        CentreProfile(
            c.slug,
            c.name,
            tuple(c.categories),
            c.life_phase_min,
            c.life_phase_max,
        )
        for c in centres
    ]


def delivered_rows(
    centres: list[Centre], first: date, last: date, tz: ZoneInfo
) -> list[DeliveredRow]:
    """Return activity hours and attendance per category and centre in a period.

    Counts sessions (not cancelled) starting on local days ``first``-``last``.
    """
    start, end = day_bounds(first, last, tz)
    sessions = sessions_between(start, end, centre_ids=[c.id for c in centres])
    sessions = [s for s in sessions if not s.is_cancelled]
    counts = attendance_counts(s.id for s in sessions)
    keys = attendance_keys([s.id for s in sessions])
    hours_by: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    people_by: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for s in sessions:
        cat = s.activity.category
        hours_by[s.activity.centre_id][cat] += hours(s.start_dt, s.end_dt)
        c = counts.get(s.id)
        if c is not None:
            people_by[s.activity.centre_id][cat] += Cell(c.attendees, keys.get(s.id, 0))
    return [
        DeliveredRow(c.slug, c.name, dict(hours_by[c.id]), dict(people_by[c.id]))
        for c in centres
    ]


def attendance_keys(session_ids: list[int]) -> dict[int, int]:
    """Return session id -> the record keys of its attendance: the headcount
    row's key plus the scanned cards' keys (as the dashboard's SQL sums them)."""
    if not session_ids:
        return {}
    keys: dict[int, int] = defaultdict(int)
    for sid, key in db.session.execute(
        select(SessionAttendance.session_id, SessionAttendance.record_key).where(
            SessionAttendance.session_id.in_(session_ids)
        )
    ):
        keys[sid] += key
    for sid, key in db.session.execute(
        select(SessionScan.session_id, func.sum(Card.record_key))
        .join(Card, Card.id == SessionScan.card_id)
        .where(SessionScan.session_id.in_(session_ids))
        .group_by(SessionScan.session_id)
    ):
        keys[sid] += int(key or 0)
    return dict(keys)


def protected_rows(rows: list[DeliveredRow], min_cell: int) -> list[DeliveredRow]:
    """Return ``rows`` with their attendance protected at ``min_cell``."""
    return [
        row._replace(
            attendance={c: protect(n, min_cell) for c, n in row.attendance.items()}
        )
        for row in rows
    ]


def course_attendance(activity: Activity, enrolments, sessions) -> set[tuple]:
    """Return ``(enrolment_id, session_id)`` pairs where the card was scanned."""
    if not enrolments or not sessions:
        return set()
    by_card = defaultdict(list)
    for e in enrolments:
        by_card[e.card_id].append(e)
    rows = db.session.execute(
        select(SessionScan.session_id, SessionScan.card_id).where(
            SessionScan.session_id.in_([s.id for s in sessions]),
            SessionScan.card_id.in_(list(by_card)),
        )
    ).all()
    return {(e.id, sid) for sid, card_id in rows for e in by_card[card_id]}


def enrolments(activity: Activity) -> list[CourseEnrolment]:
    """Return the course's enrolments, newest start first."""
    return list(
        db.session.scalars(
            select(CourseEnrolment)
            .options(selectinload(CourseEnrolment.follow_ups))
            .where(CourseEnrolment.activity_id == activity.id)
            .order_by(CourseEnrolment.start_date.desc(), CourseEnrolment.id)
        )
    )
