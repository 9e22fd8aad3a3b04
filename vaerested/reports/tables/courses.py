"""The course outcomes report: enrolled, active and outcomes of the courses.

DOMAIN.md, categories 2 and 3: category-3 employment courses are registered
(the job centre's referral reference), category-2 clarification courses
(*afklaringsforløb*) follow a card by its pseudonym only; both record dated
follow-ups from the fixed outcome list. This report is the aggregate the job
centre receives: per centre, course and calendar quarter (clipped to the
period), no referral reference, no card, only protected counts of cards.
One table, ``courses``:

- ``quarter`` (``YYYY-Qn``), ``centre``, ``course_id`` (the activity), ``course``
  (its title, about the course, never a person) and ``category`` (2 or 3);
- ``enrolled``: distinct cards with an enrolment starting in the quarter;
- ``on_course``: distinct cards with an enrolment overlapping the quarter
  (started on or before its last day, not ended before its first; no end
  date: still enrolled);
- one column per outcome of the fixed list (``continuing``, ``completed``,
  ``employment``, ``education``, ``stopped``, ``other_outcome``): distinct
  cards with a follow-up of that outcome dated in the quarter.

A row for each quarter and course with a count above zero. Enrolments that
retention has unlinked from their card (ended before the retention period)
no longer count: the counts are of distinct cards. Filters (a leader's own
centres, a district) keep the courses of the chosen centres.

All counts and their cell keys (the distinct cards' record keys) come from
one statement (:func:`course_counts`); they are protected like every report
(perturbed, then suppressed).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Date,
    String,
    and_,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from vaerested.models import Activity, CourseEnrolment, CourseFollowUp, CourseOutcome
from vaerested.reports.tables import queries
from vaerested.reports.tables.queries import Scope, cards, centres
from vaerested.reports.tables.table import Table
from vaerested.services.protection import KEYS, cell

activities = Activity.__table__
enrolments = CourseEnrolment.__table__
follow_ups = CourseFollowUp.__table__

#: Categories with courses.
CATEGORIES = (2, 3)
#: Outcome code -> its column (``other`` is ``other_outcome``).
OUTCOME_COLUMNS: dict[str, str] = {
    m.value: ("other_outcome" if m is CourseOutcome.OTHER else m.value)
    for m in CourseOutcome
}
COURSE_COLUMNS = [
    "quarter",
    "centre",
    "course_id",
    "course",
    "category",
    "enrolled",
    "on_course",
    *OUTCOME_COLUMNS.values(),
]
COUNTS = ["enrolled", "on_course", *OUTCOME_COLUMNS.values()]
COLUMNS: dict[str, list[str]] = {"courses": COURSE_COLUMNS}
COUNT_COLUMNS: dict[str, list[str]] = {"courses": COUNTS}
TABLES = list(COLUMNS)


def quarters(start: date, end: date) -> list[tuple[str, date, date]]:
    """Return ``(YYYY-Qn, first day, last day)`` of each calendar quarter
    overlapping ``start``..``end``, clipped to that period, in order."""
    found = []
    first = start
    while first <= end:
        q = (first.month - 1) // 3
        following = (
            date(first.year + 1, 1, 1) if q == 3 else date(first.year, 3 * q + 4, 1)
        )
        last = min(end, date.fromordinal(following.toordinal() - 1))
        found.append((f"{first.year}-Q{q + 1}", first, last))
        first = following
    return found


def course_counts(session: Session, scope: Scope) -> list[tuple]:
    """Return ``(quarter, activity_id, measure, cards)`` rows: ``measure`` is
    "enrolled", "on_course" or an outcome's column, ``cards`` a
    :class:`~vaerested.services.protection.Cell`. Only counts above zero."""
    spans = quarters(scope.start, scope.end)
    spans_q = union_all(
        *[
            select(
                literal(label, String()).label("quarter"),
                literal(first, Date()).label("first"),
                literal(last, Date()).label("last"),
            )
            for label, first, last in spans
        ]
    ).cte("course_quarters")
    course_clauses = [activities.c.category.in_(CATEGORIES)]
    if scope.centre_ids is not None:
        course_clauses.append(scope.centres_clause(activities.c.centre_id))
    linked = (
        select(
            enrolments.c.id,
            enrolments.c.activity_id,
            enrolments.c.card_id,
            enrolments.c.start_date,
            enrolments.c.end_date,
            cards.c.record_key,
        )
        .select_from(
            enrolments.join(
                activities, activities.c.id == enrolments.c.activity_id
            ).join(cards, cards.c.id == enrolments.c.card_id)
        )
        .where(and_(*course_clauses))
        .cte("course_cards")
    )
    key = queries.distinct_cards_key(linked.c.card_id, linked.c.record_key)
    count = func.count(func.distinct(linked.c.card_id))
    started = select(
        spans_q.c.quarter,
        linked.c.activity_id,
        literal("enrolled", String()).label("measure"),
        count.label("n"),
        key.label("k"),
    ).where(
        linked.c.start_date >= spans_q.c.first, linked.c.start_date <= spans_q.c.last
    )
    active = select(
        spans_q.c.quarter,
        linked.c.activity_id,
        literal("on_course", String()),
        count,
        key,
    ).where(
        linked.c.start_date <= spans_q.c.last,
        or_(linked.c.end_date.is_(None), linked.c.end_date >= spans_q.c.first),
    )
    outcome = type_coerce(follow_ups.c.outcome, String())
    followed = (
        select(
            spans_q.c.quarter,
            linked.c.activity_id,
            outcome,
            count,
            key,
        )
        .select_from(
            linked.join(follow_ups, follow_ups.c.enrolment_id == linked.c.id).join(
                spans_q,
                and_(
                    follow_ups.c.follow_up_date >= spans_q.c.first,
                    follow_ups.c.follow_up_date <= spans_q.c.last,
                ),
            )
        )
        .group_by(spans_q.c.quarter, linked.c.activity_id, outcome)
    )
    started = started.group_by(spans_q.c.quarter, linked.c.activity_id)
    active = active.group_by(spans_q.c.quarter, linked.c.activity_id)
    measures = {"enrolled": "enrolled", "on_course": "on_course"}
    measures.update(OUTCOME_COLUMNS)
    return [
        (quarter, int(activity_id), measures[measure], cell(int(n), int(k or 0) % KEYS))
        for quarter, activity_id, measure, n, k in session.execute(
            union_all(started, active, followed)
        )
    ]


def build_courses(session: Session, scope: Scope, district_code) -> list[Table]:
    """Return the course outcomes report's raw table (counts with cell keys)."""
    found: dict[tuple, dict] = {}
    for quarter, activity_id, measure, n in course_counts(session, scope):
        found.setdefault((quarter, activity_id), {})[measure] = n
    courses = {
        row.id: row
        for row in session.execute(
            select(
                activities.c.id,
                activities.c.title,
                activities.c.category,
                centres.c.slug,
            ).join(centres, centres.c.id == activities.c.centre_id)
        )
    }
    zero = cell(0, 0)
    keys = sorted(
        found,
        key=lambda k: (k[0], courses[k[1]].slug, courses[k[1]].title, k[1]),
    )
    rows = [
        {
            "quarter": quarter,
            "centre": courses[activity_id].slug,
            "course_id": activity_id,
            "course": courses[activity_id].title,
            "category": courses[activity_id].category,
            **{c: found[(quarter, activity_id)].get(c, zero) for c in COUNTS},
        }
        for quarter, activity_id in keys
    ]
    return [Table("courses", list(COURSE_COLUMNS), rows)]
