"""The dashboard's SQL (SQLAlchemy Core; SQLite and PostgreSQL).

Visits per centre and day come from :func:`vaerested.reports.tables.queries.daily_visits`;
this module adds the centres' typical daily users, the housing mix of the
scope's visitors, the cards issued per month and the activity sessions held.
Only the housing query scans visits, so only it goes through the report cache.
Local days and months are turned into UTC instants here (``tz``), so the
``*_dt`` columns are compared with bound values and their indexes can be used.
"""

from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, case, exists, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from vaerested.models import (
    Activity,
    ActivitySession,
    HousingStatement,
    SessionAttendance,
    SessionScan,
    TargetGroup,
)
from vaerested.models.centres import centre_target_groups
from vaerested.reports.tables.cache import cached_rows
from vaerested.reports.tables.queries import Scope, cards, centres, districts, visits
from vaerested.services.mobility import months
from vaerested.services.protection import KEYS, cell

activities = Activity.__table__
sessions = ActivitySession.__table__
attendance = SessionAttendance.__table__
scans = SessionScan.__table__
target_groups = TargetGroup.__table__
statements = HousingStatement.__table__


def local_start(day: date, tz: tzinfo) -> datetime:
    """Return the aware instant at which local ``day`` begins."""
    return datetime.combine(day, time(0), tzinfo=tz)


def _value(member) -> str | None:
    """Return an enum member's value (None stays None) for a cacheable row."""
    return None if member is None else str(getattr(member, "value", member))


def centre_rows(session: Session) -> list:
    """Return every centre: id, slug, district code, typical daily users, active flag."""
    return session.execute(
        select(
            centres.c.id,
            centres.c.slug,
            districts.c.code.label("district_code"),
            centres.c.typical_daily_users,
            centres.c.is_active,
        )
        .join(districts, districts.c.id == centres.c.district_id)
        .order_by(centres.c.slug)
    ).all()


def housing_counts(session: Session, scope: Scope) -> list[tuple]:
    """Return ``(kind, housing, n)`` rows of the scope's visits (cached).

    ``kind`` "cards": ``n`` distinct cards with a visit in scope, by the card's
    situation on the period's last day (its latest housing statement on or
    before it; a card without statements by its housing at issue); ``kind`` "tally": ``n`` card-less visits, by the housing given with
    the visit. ``housing`` is the enum value, or None when unknown; ``n`` a
    :class:`~vaerested.services.protection.Cell`.
    """

    def compute() -> list[tuple]:
        per_card = (
            select(visits.c.card_id)
            .where(scope.where(visits.c.card_id.is_not(None)))
            .group_by(visits.c.card_id)
            .subquery("per_card")
        )
        stated = and_(
            statements.c.card_id == cards.c.id, statements.c.stated_on <= scope.end
        )
        latest = (
            select(statements.c.situation)
            .where(stated)
            .order_by(statements.c.stated_on.desc())
            .limit(1)
            .scalar_subquery()
        )
        situation = (
            select(
                case((exists().where(stated), latest), else_=cards.c.housing).label(
                    "housing"
                ),
                cards.c.record_key,
            )
            .select_from(per_card.join(cards, cards.c.id == per_card.c.card_id))
            .subquery("situation")
        )
        statement = union_all(
            select(
                literal("cards").label("kind"),
                situation.c.housing,
                func.count(),
                func.sum(situation.c.record_key),
            ).group_by(situation.c.housing),
            select(
                literal("tally"),
                visits.c.housing,
                func.count(),
                func.sum(visits.c.record_key),
            )
            .where(scope.where(visits.c.card_id.is_(None)))
            .group_by(visits.c.housing),
        )
        return [
            (kind, _value(housing), int(n), int(k or 0) % KEYS)
            for kind, housing, n, k in session.execute(statement)
        ]

    return [
        (kind, housing, cell(n, k))
        for kind, housing, n, k in cached_rows(
            session, "dashboard_housing_at_end", scope, compute
        )
    ]


def new_cards(session: Session, scope: Scope, tz: tzinfo) -> list[tuple]:
    """Return ``(month, first_came, cards)`` of the cards issued in the period.

    ``month`` is the local calendar month (YYYY-MM) of ``issued_dt``;
    ``first_came`` the enum value or None. With centres in scope, only cards
    issued at those centres count.
    """
    spans = months(scope.start, scope.end)
    bounds = [local_start(last + timedelta(days=1), tz) for _, _, last in spans]
    issued = cards.c.issued_dt
    # Each card falls into the first month whose end it was issued before.
    month = case(
        *[
            (issued < bound, literal(label))
            for (label, _, _), bound in zip(spans, bounds, strict=True)
        ]
    )
    clauses = [issued >= local_start(scope.start, tz), issued < bounds[-1]]
    if scope.centre_ids is not None:
        clauses.append(scope.centres_clause(cards.c.issued_centre_id))
    inner = (
        select(month.label("month"), cards.c.first_came, cards.c.record_key)
        .where(and_(*clauses))
        .subquery("issued")
    )
    # Grouped outside: PostgreSQL cannot match a CASE with bound values twice.
    rows = session.execute(
        select(
            inner.c.month,
            inner.c.first_came,
            func.count(),
            func.sum(inner.c.record_key),
        )
        .group_by(inner.c.month, inner.c.first_came)
        .order_by(inner.c.month)
    )
    return [(m, _value(first_came), cell(n, k)) for m, first_came, n, k in rows]


def activity_categories(
    session: Session, scope: Scope, tz: tzinfo, now: datetime
) -> list[tuple]:
    """Return ``(category, sessions_held, attendance, activities)`` per category.

    A session is *held* when its local start day is in the period, it is not
    cancelled, and it has started by ``now`` or has its attendance recorded.
    ``attendance`` is the held sessions' headcounts plus their card scans
    (volunteers are not attendees); ``activities`` the distinct activities
    with a held session. With centres in scope, only their activities count.
    """
    # Attendance's cell key: the headcounts' record keys plus the keys of
    # the scanned cards (a card scanned at two sessions counts twice).
    scan_counts = (
        select(
            scans.c.session_id,
            func.count().label("n"),
            func.sum(cards.c.record_key).label("k"),
        )
        .outerjoin(cards, cards.c.id == scans.c.card_id)
        .group_by(scans.c.session_id)
        .subquery("scan_counts")
    )
    start = sessions.c.start_dt
    clauses = [
        start >= local_start(scope.start, tz),
        start < local_start(scope.end + timedelta(days=1), tz),
        sessions.c.is_cancelled == false(),
        or_(start <= now, attendance.c.id.is_not(None)),
    ]
    if scope.centre_ids is not None:
        clauses.append(scope.centres_clause(activities.c.centre_id))
    joined = (
        sessions.join(activities, activities.c.id == sessions.c.activity_id)
        .outerjoin(attendance, attendance.c.session_id == sessions.c.id)
        .outerjoin(scan_counts, scan_counts.c.session_id == sessions.c.id)
    )
    attended = func.coalesce(attendance.c.headcount, 0) + func.coalesce(
        scan_counts.c.n, 0
    )
    attended_k = func.coalesce(attendance.c.record_key, 0) + func.coalesce(
        scan_counts.c.k, 0
    )
    rows = session.execute(
        select(
            activities.c.category,
            func.count(),
            func.sum(attended),
            func.sum(attended_k),
            func.count(func.distinct(activities.c.id)),
        )
        .select_from(joined)
        .where(and_(*clauses))
        .group_by(activities.c.category)
    )
    return [(int(c), int(n), cell(a, a_k), int(k)) for c, n, a, a_k, k in rows]


def target_group_centres(session: Session, codes: list[str]) -> set[tuple[int, str]]:
    """Return ``(centre_id, code)`` of the centres naming a target group of
    ``codes`` in their offer profile (retired groups included: a profile
    that names one still aims at it)."""
    return {
        (centre_id, code)
        for centre_id, code in session.execute(
            select(centre_target_groups.c.centre_id, target_groups.c.code)
            .join(
                target_groups,
                target_groups.c.id == centre_target_groups.c.target_group_id,
            )
            .where(target_groups.c.code.in_(codes))
        )
    }
