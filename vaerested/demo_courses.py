"""Demo courses: employment courses (category 3) and clarification courses (2).

Every centre with a category-3 box runs a *Jobforløb* the job centre refers
citizens to: its enrolments are registered with a FICTIONAL referral reference
(``BIF-<year>-<nnnn>``, never a name or CPR number). The larger category-2
centres run an *Afklaringsforløb* (clarification course) that follows a card by
its pseudonym only (not registered, no reference). Both are weekly activities
planned through the leader's operations (:mod:`vaerested.activities.operations`)
from about :data:`COURSE_DAYS` days ago.

Cards already visiting the centre are enrolled on the course's session days
(so run this after the visits are generated: without cards the courses are
planned but nobody is enrolled). An enrolment lasts some weeks; while it runs
the card attends most sessions (a session scan, which also counts as that day's
visit at the centre, as at check-in) and gets a "continuing" follow-up about
every four weeks; when it ends it gets a follow-up from the fixed outcome list.
Enrolments still running today have no end date. Nothing about a person is
stored anywhere. Deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, update

from vaerested.activities import operations as ops
from vaerested.extensions import db
from vaerested.models import (
    ActivitySession,
    Centre,
    CourseEnrolment,
    CourseFollowUp,
    CourseOutcome,
    LedBy,
    RuleKind,
    SessionAttendance,
    SessionScan,
    Visit,
    VisitSource,
)
from vaerested.reports.tables import cache as report_cache
from vaerested.services.recurrence import to_aware

#: The courses began this many days ago: a year of quarters.
COURSE_DAYS = 365
#: Category-2 centres with at least this many typical daily users run a
#: clarification course.
CLARIFICATION_MIN_USERS = 45
#: A card attends this share of its course's sessions while enrolled.
ATTENDS = 0.8
#: A "continuing" follow-up this often while an enrolment runs.
FOLLOW_UP_EVERY = timedelta(weeks=4)
#: A card needs this many visits at the centre to be enrolled there.
MIN_VISITS = 3
Out = CourseOutcome


@dataclass(frozen=True)
class Course:
    title: str
    description: str
    category: int
    phases: tuple[int, int]
    place: str
    start: time
    minutes: int
    capacity: int
    partner: str
    #: Mean number of new enrolments per week (more at larger centres).
    weekly_intake: float
    #: Length of an enrolment in weeks (low, high).
    weeks: tuple[int, int]
    #: Final outcome -> weight (plausible, not measured).
    outcomes: dict


EMPLOYMENT = Course(
    "Jobforløb",
    "Et forløb med jobcentret: ønsker og muligheder, CV, praktik og jobsøgning.",
    3,
    (3, 4),
    "Mødelokalet",
    time(10),
    150,
    16,
    "Jobcenter",
    1.1,
    (8, 16),
    {
        Out.COMPLETED: 30,
        Out.EMPLOYMENT: 25,
        Out.EDUCATION: 15,
        Out.STOPPED: 20,
        Out.OTHER: 10,
    },
)
CLARIFICATION = Course(
    "Afklaringsforløb",
    "Et fleksibelt forløb om, hvad du vil videre: samtaler, værksted og opfølgning.",
    2,
    (2, 4),
    "Samtalerummet",
    time(13),
    120,
    12,
    "",
    0.7,
    (6, 12),
    {
        Out.COMPLETED: 45,
        Out.EDUCATION: 10,
        Out.EMPLOYMENT: 5,
        Out.STOPPED: 25,
        Out.OTHER: 15,
    },
)


def _courses(centre: Centre) -> list[Course]:
    """Return the courses a centre runs: by its offer profile and size."""
    found = []
    if centre.is_cat3:
        found.append(EMPLOYMENT)
    if centre.is_cat2 and (centre.typical_daily_users or 0) >= CLARIFICATION_MIN_USERS:
        found.append(CLARIFICATION)
    return found


def _weekday(centre: Centre, course: Course, rng: random.Random) -> int:
    """Return a weekday with a staffed opening that holds the course's start."""
    fits = sorted(
        {
            i.weekday
            for i in centre.opening_intervals
            if not i.is_user_run
            and i.opens_at <= course.start
            and (i.closes_at <= i.opens_at or course.start < i.closes_at)
        }
    )
    return rng.choice(fits or [0])


def _end_time(centre: Centre, weekday: int, course: Course) -> time:
    """Return the course's end: its length, cut at the opening's close."""
    end = datetime.combine(date(2000, 1, 1), course.start) + timedelta(
        minutes=course.minutes
    )
    for i in centre.opening_intervals:
        if (
            i.weekday == weekday
            and not i.is_user_run
            and i.opens_at <= course.start < i.closes_at
            and i.closes_at < end.time()
        ):
            return i.closes_at
    return end.time()


def _phases(course: Course, centre: Centre) -> tuple[int, int]:
    low = max(course.phases[0], centre.life_phase_min)
    high = min(course.phases[1], centre.life_phase_max)
    if low > high:
        return centre.life_phase_min, centre.life_phase_max
    return low, high


def _plan(centre: Centre, course: Course, now, tz, until, rng):
    """Create the course's activity, weekly rule and sessions; return it."""
    low, high = _phases(course, centre)
    activity = ops.create_activity(
        centre,
        {
            "title": course.title,
            "description": course.description,
            "category": course.category,
            "life_phase_min": low,
            "life_phase_max": high,
            "target_group_id": None,
            "led_by": LedBy.PARTNER if course.partner else LedBy.STAFF,
            "partner": course.partner,
            "place": course.place,
            "capacity": course.capacity,
            "is_open_to_other_centres": False,
        },
    )
    first = (now.astimezone(tz) - timedelta(days=COURSE_DAYS)).date()
    first += timedelta(days=rng.randint(0, 6))
    began = to_aware(datetime.combine(first, time()), tz)
    activity.created_dt = began
    weekday = _weekday(centre, course, rng)
    rule = ops.add_rule(
        activity,
        {
            "kind": RuleKind.WEEKLY,
            "weekday": weekday,
            "interval_weeks": 1,
            "start_date": first,
            "end_date": None,
            "start_time": course.start,
            "end_time": _end_time(centre, weekday, course),
            "exception_dates": "",
        },
        now,
        tz,
    )
    rule.valid_from_dt = began  # planned back then: past sessions exist
    db.session.flush()
    ops.materialise_activity(activity, began, until, tz)
    return activity


def _candidates(centre_id: int) -> list[tuple[int, date, date]]:
    """Return ``(card, first visit day, last visit day)`` of the cards with at
    least :data:`MIN_VISITS` visits at the centre, in card order."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(
                Visit.card_id, func.min(Visit.visit_date), func.max(Visit.visit_date)
            )
            .where(Visit.centre_id == centre_id, Visit.card_id.is_not(None))
            .group_by(Visit.card_id)
            .having(func.count() >= MIN_VISITS)
            .order_by(Visit.card_id)
        )
    ]


def _poisson(rng: random.Random, mean: float) -> int:
    """Return a Poisson draw (Knuth; the means here are small)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class _Rows:
    """The rows the demo courses add, collected for bulk inserts."""

    def __init__(self) -> None:
        self.enrolments: list[dict] = []
        #: ``(activity, card, start, day, outcome)``: the enrolment by its key.
        self.follow_ups: list[tuple[int, int, date, date, CourseOutcome]] = []
        self.scans: list[dict] = []
        self.attendance: list[dict] = []
        self.new_visits: list[dict] = []
        self.earlier: list[dict] = []


def load_demo_courses(now: datetime, tz: ZoneInfo, horizon_days: int, seed: int = 1):
    """Plan the demo courses, enrol visiting cards and record their sessions.

    Flushes, never commits. Return ``(courses, enrolments)`` created.
    """
    today = now.astimezone(tz).date()
    until = ops.horizon(now, horizon_days, tz)[1]
    centres = db.session.scalars(select(Centre).order_by(Centre.id)).all()
    used: set[int] = set()  # a card is on one demo course at most
    rows = _Rows()
    n_courses = 0
    reference = 0
    for centre in centres:
        courses = _courses(centre)
        if not courses:
            continue
        candidates = _candidates(centre.id)
        visits = {
            (card_id, day): (visit_id, moment)
            for visit_id, card_id, day, moment in db.session.execute(
                select(
                    Visit.id, Visit.card_id, Visit.visit_date, Visit.visited_dt
                ).where(Visit.centre_id == centre.id, Visit.card_id.is_not(None))
            )
        }
        for course in courses:
            rng = random.Random(f"{seed}:{centre.slug}:{course.title}")
            activity = _plan(centre, course, now, tz, until, rng)
            n_courses += 1
            sessions = db.session.scalars(
                select(ActivitySession)
                .where(
                    ActivitySession.activity_id == activity.id,
                    ActivitySession.end_dt <= now,
                )
                .order_by(ActivitySession.start_dt)
            ).all()
            size = (centre.typical_daily_users or 20) / 50
            enrolled: list[tuple[int, date, date | None]] = []
            for session in sessions:
                day = session.start_dt.astimezone(tz).date()
                # New enrolments start on a session day, from cards that
                # visited the centre before it and still come.
                pool = [
                    c
                    for c, first, last in candidates
                    if first < day <= last and c not in used
                ]
                for card_id in rng.sample(
                    pool, min(len(pool), _poisson(rng, course.weekly_intake * size))
                ):
                    used.add(card_id)
                    end = day + timedelta(weeks=rng.randint(*course.weeks), days=-1)
                    enrolled.append((card_id, day, end if end < today else None))
                    registered = course.category == 3
                    reference += registered
                    rows.enrolments.append(
                        {
                            "activity_id": activity.id,
                            "card_id": card_id,
                            "is_registered": registered,
                            "referral_ref": (
                                f"BIF-{day.year}-{reference:04d}"
                                if registered
                                else None
                            ),
                            "start_date": day,
                            "end_date": end if end < today else None,
                            "planned_sessions": rng.choice((None, 8, 10, 12)),
                            "created_by_id": None,
                            "created_dt": session.start_dt,
                        }
                    )
                _attend(session, centre, day, enrolled, visits, rows, rng)
            _follow_up(activity.id, enrolled, course, today, rows, rng)
    _write(rows)
    report_cache.invalidate(db.session)  # session scans added visits
    return n_courses, len(rows.enrolments)


def _attend(session, centre, day, enrolled, visits, rows, rng) -> None:
    """Record who of the enrolled came to ``session`` (scans) and a headcount."""
    attendees = [
        card_id
        for card_id, start, end in enrolled
        if start <= day and (end is None or day <= end) and rng.random() < ATTENDS
    ]
    at = session.start_dt
    for card_id in attendees:
        rows.scans.append(
            {"session_id": session.id, "card_id": card_id, "scanned_dt": at}
        )
        # The session scan is also that day's visit, at its earliest scan.
        found = visits.get((card_id, day))
        if found is None:
            visits[(card_id, day)] = (None, at)
            rows.new_visits.append(
                {
                    "centre_id": centre.id,
                    "card_id": card_id,
                    "visit_date": day,
                    "visited_dt": at,
                    "source": VisitSource.SCAN,
                    "idempotency_key": None,
                    "created_dt": at,
                }
            )
        elif found[0] is not None and at < found[1]:
            visits[(card_id, day)] = (found[0], at)
            rows.earlier.append({"visit_id": found[0], "moment": at})
    # A taster or two without a card, counted anonymously.
    rows.attendance.append(
        {
            "session_id": session.id,
            "headcount": rng.choice((0, 0, 0, 1, 1, 2)),
            "volunteers": 0,
            "recorded_by_id": None,
            "updated_dt": session.end_dt,
        }
    )


def _follow_up(activity_id, enrolled, course: Course, today, rows, rng) -> None:
    """Dated follow-ups: "continuing" every few weeks, an outcome at the end."""
    outcomes, weights = list(course.outcomes), list(course.outcomes.values())
    for card_id, start, end in enrolled:
        day = start + FOLLOW_UP_EVERY
        while day < (end or today + timedelta(days=1)) and day <= today:
            rows.follow_ups.append((activity_id, card_id, start, day, Out.CONTINUING))
            day += FOLLOW_UP_EVERY
        if end is not None:
            outcome = rng.choices(outcomes, weights)[0]
            rows.follow_ups.append((activity_id, card_id, start, end, outcome))


def _write(rows: _Rows) -> None:
    """Bulk-insert the rows (enrolments first: the follow-ups refer to them)."""
    if rows.new_visits:
        db.session.execute(insert(Visit.__table__), rows.new_visits)
    if rows.earlier:
        visits = Visit.__table__
        db.session.execute(
            update(visits)
            .where(visits.c.id == bindparam("visit_id"))
            .values(visited_dt=bindparam("moment")),
            rows.earlier,
        )
    for table, values in (
        (SessionScan.__table__, rows.scans),
        (SessionAttendance.__table__, rows.attendance),
        (CourseEnrolment.__table__, rows.enrolments),
    ):
        if values:
            db.session.execute(insert(table), values)
    if not rows.follow_ups:
        return
    table = CourseEnrolment.__table__
    ids = {
        (activity_id, card_id, start): enrolment_id
        for enrolment_id, activity_id, card_id, start in db.session.execute(
            select(table.c.id, table.c.activity_id, table.c.card_id, table.c.start_date)
        )
    }
    db.session.execute(
        insert(CourseFollowUp.__table__),
        [
            {
                "enrolment_id": ids[(activity_id, card_id, start)],
                "follow_up_date": day,
                "outcome": outcome,
                "created_by_id": None,
                "created_dt": datetime.combine(day, time(11), UTC),
            }
            for activity_id, card_id, start, day, outcome in rows.follow_ups
        ],
    )
