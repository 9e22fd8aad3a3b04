"""The dashboard's SQL (SQLAlchemy Core; SQLite and PostgreSQL).

Visits per centre, district and week are sums of the write-time daily rollup
(``visit_days``) made in SQL: a national year has 146,000 centre days, the
dashboard shows 400 centres and 21,000 centre weeks. This module also gives
the centres' typical daily users, the housing mix of the scope's visitors,
the visits by age band and gender per centre, the cards issued per month and
the activity sessions held. The queries over visits (and the rollup's sums) go
through the report cache.
Local days and months are turned into UTC instants here (``tz``), so the
``*_dt`` columns are compared with bound values and their indexes can be used.
"""

from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    distinct,
    false,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

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
from vaerested.reports.tables.queries import (
    Scope,
    cards,
    centres,
    districts,
    grouping_centre,
    rollup_clauses,
    visit_days,
    visits,
)
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


def week_of(day: date) -> date:
    """Return the Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


class week_start(FunctionElement):  # noqa: N801 (an SQL function)
    """``week_start(day)``: the ISO Monday of a date column (PostgreSQL: a
    date; SQLite: its ``YYYY-MM-DD`` text).

    Arithmetic on the day: a CASE over the period's weeks costs PostgreSQL a
    comparison per week and row, and ``to_char`` a time zone conversion per
    row (0.16 and 0.1 s for a national year's centre days).
    """

    type = Date()
    inherit_cache = True


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    # 2000-01-03 was a Monday; a date minus a date is a number of days.
    return f"({day} - mod({day} - DATE '2000-01-03', 7))"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    # %w: 0 on Sunday; days back to Monday: (%w + 6) % 7.
    return (
        f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7)"
        " || ' days')"
    )


def _iso(value) -> str:
    """Return a day (a date, or SQLite's ISO text) as ISO text."""
    return value.isoformat() if isinstance(value, date) else value


def day_totals(session: Session, scope: Scope) -> list[tuple]:
    """Return the scope's visits per centre, per district and per centre and
    week, summed from the daily rollup (one statement, cached).

    Rows are ``(kind, centre_id, key, open_days, visits)``: kind "centre"
    (``key`` None), "district" (``centre_id`` None, ``key`` the district
    code, ``open_days`` the days any of its centres had a visit) and "week"
    (``key`` the ISO Monday). ``visits`` is a
    :class:`~vaerested.services.protection.Cell`. Only centres, districts and
    weeks with a visit are returned.
    """

    def compute() -> list[tuple]:
        where = and_(*rollup_clauses(scope))
        week = week_start(visit_days.c.visit_date).label("week")
        n, n_k = func.sum(visit_days.c.visits), func.sum(visit_days.c.visits_k)
        statement = union_all(
            select(
                literal("week").label("kind"),
                visit_days.c.centre_id,
                week,
                type_coerce(null(), String()).label("district"),
                func.count().label("days"),
                n.label("n"),
                n_k.label("n_k"),
            )
            .where(where)
            .group_by(week, visit_days.c.centre_id),
            # A district's open days are the days any of its centres had a
            # visit: not a sum of its centres' days.
            select(
                literal("district"),
                null(),
                null(),
                districts.c.code,
                func.count(distinct(visit_days.c.visit_date)),
                n,
                n_k,
            )
            .select_from(
                visit_days.join(centres, centres.c.id == visit_days.c.centre_id).join(
                    districts, districts.c.id == centres.c.district_id
                )
            )
            .where(where)
            .group_by(districts.c.code),
        )
        return [
            (
                kind,
                centre_id,
                district if week is None else _iso(week),
                int(days),
                int(n),
                int(k or 0) % KEYS,
            )
            for kind, centre_id, week, district, days, n, k in session.execute(
                statement
            )
        ]

    rows = [
        (kind, centre_id, key, days, cell(n, k))
        for kind, centre_id, key, days, n, k in cached_rows(
            session, "dashboard_day_totals", scope, compute
        )
    ]
    # A centre's days and visits are the sums of its weeks' (weeks do not
    # share days).
    per_centre: dict[int, list] = {}
    for kind, centre_id, _key, days, n in rows:
        if kind == "week":
            total = per_centre.setdefault(centre_id, [0, 0])
            total[0] += days
            total[1] += n
    return rows + [
        ("centre", centre_id, None, days, n)
        for centre_id, (days, n) in per_centre.items()
    ]


def reach_visits(session: Session, scope: Scope) -> list[tuple]:
    """Return ``(centre_id, dimension, value, visits)``: the scope's visits per
    centre by age band and by gender (cached).

    A card visit takes the card's attribute, a tally its own; ``value`` is the
    code or None when unknown, ``visits`` a
    :class:`~vaerested.services.protection.Cell`. The card visits and the
    tallies are read apart, each from an index that holds what it needs.
    """

    def compute() -> list[tuple]:
        centre_id = grouping_centre(session).label("centre_id")
        # Card visits per centre and card from the covering day index, then
        # joined with the cards once per group, not once per visit.
        per_card = (
            select(
                centre_id,
                visits.c.card_id,
                func.count().label("n"),
                func.sum(visits.c.record_key).label("n_k"),
            )
            .where(scope.where(visits.c.card_id.is_not(None)))
            .group_by(centre_id, visits.c.card_id)
            .subquery("reach_per_card")
        )
        age = type_coerce(cards.c.age_band, String()).label("age_band")
        gender = type_coerce(cards.c.gender, String()).label("gender")
        card_pairs = (
            select(
                per_card.c.centre_id,
                age,
                gender,
                func.sum(per_card.c.n).label("n"),
                func.sum(per_card.c.n_k).label("n_k"),
            )
            .select_from(per_card.join(cards, cards.c.id == per_card.c.card_id))
            .group_by(per_card.c.centre_id, age, gender)
        )
        # Tallies carry their own attributes (PostgreSQL reads them from the
        # partial ix_visits_tally_report; SQLite prefers the card index).
        t_age = type_coerce(visits.c.age_band, String()).label("age_band")
        t_gender = type_coerce(visits.c.gender, String()).label("gender")
        tally_pairs = (
            select(
                centre_id,
                t_age,
                t_gender,
                func.count().label("n"),
                func.sum(visits.c.record_key).label("n_k"),
            )
            .where(scope.where(visits.c.card_id.is_(None)))
            .group_by(centre_id, t_age, t_gender)
        )
        # Per centre and attribute pair, then summed per attribute in SQL.
        pairs = union_all(card_pairs, tally_pairs).cte("reach_pairs")
        statement = union_all(
            *(
                select(
                    pairs.c.centre_id,
                    literal(dimension).label("dimension"),
                    pairs.c[dimension].label("value"),
                    func.sum(pairs.c.n),
                    func.sum(pairs.c.n_k),
                ).group_by(pairs.c.centre_id, pairs.c[dimension])
                for dimension in ("age_band", "gender")
            )
        )
        return [
            (int(centre_id), dimension, value, int(n), int(k or 0) % KEYS)
            for centre_id, dimension, value, n, k in session.execute(statement)
        ]

    return [
        (centre_id, dimension, value, cell(n, k))
        for centre_id, dimension, value, n, k in cached_rows(
            session, "dashboard_reach_visits", scope, compute
        )
    ]


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
        # Each card's latest statement day on or before the period's end, then
        # that statement: two lookups in the (card, day) unique index per card
        # in scope, so the cost follows the period's cards, not the history.
        latest_day = (
            select(func.max(statements.c.stated_on))
            .where(
                statements.c.card_id == per_card.c.card_id,
                statements.c.stated_on <= scope.end,
            )
            .scalar_subquery()
        )
        latest = select(per_card.c.card_id, latest_day.label("day")).subquery("latest")
        situation = (
            select(
                case(
                    (latest.c.day.is_(None), cards.c.housing),
                    else_=statements.c.situation,
                ).label("housing"),
                cards.c.record_key,
            )
            .select_from(
                latest.join(cards, cards.c.id == latest.c.card_id).outerjoin(
                    statements,
                    and_(
                        statements.c.card_id == latest.c.card_id,
                        statements.c.stated_on == latest.c.day,
                    ),
                )
            )
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
