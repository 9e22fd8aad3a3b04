"""The reports' SQL: aggregated in the database (SQLAlchemy Core, SQLite and PostgreSQL).

Every function takes a :class:`Scope` (the period, both ends inclusive, and the
centres to count, or None for all) and returns small aggregated rows; no query
loads the period's visits into Python. Centres are returned by id; the caller
maps ids to slugs and codes (a few dozen rows).

Counts of visits and cards are returned as :class:`~vaerested.services.protection.Cell`:
the same SQL sums the record keys of what it counts (the visits' keys for a
visit count; for distinct cards the cards' keys, each card once), so the cell
keys cost no extra pass. The cache stores the count and the key sum side by
side (``*_k`` names); :func:`~vaerested.services.protection.cell` joins them.
"""

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    distinct,
    false,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from vaerested.models import (
    Card,
    Centre,
    District,
    OpeningInterval,
    Visit,
    VisitDay,
)
from vaerested.reports.tables.cache import cached_rows
from vaerested.services.mobility import cell_shown, months
from vaerested.services.protection import KEYS, cell

visits = Visit.__table__
visit_days = VisitDay.__table__
centres = Centre.__table__
cards = Card.__table__
districts = District.__table__
intervals = OpeningInterval.__table__


@dataclass(frozen=True)
class Scope:
    """Which visits a report counts (for mobility: which cells and rows it shows).

    The visits, coverage and dashboard queries count only the visits at the
    scope's centres. The mobility queries count every visit of the period and
    let the centres choose the matrix cells and rows returned (DOMAIN.md,
    "Filters and mobility").
    """

    start: date
    end: date
    #: Only visits at these centres (mobility: only their cells and rows);
    #: None means every centre.
    centre_ids: tuple[int, ...] | None = None

    def where(self, *extra):
        """Return the WHERE clause on ``visits`` for this scope."""
        clauses = [visits.c.visit_date >= self.start, visits.c.visit_date <= self.end]
        if self.centre_ids is not None:
            clauses.append(self.centres_clause(visits.c.centre_id))
        return and_(*clauses, *extra)

    def centres_clause(self, column):
        """Return the clause keeping ``column`` (a centre id) within the scope's
        centres; only for a scope with centres given."""
        return column.in_(self.centre_ids) if self.centre_ids else false()


def centre_table(session: Session) -> list:
    """Return every centre: id, slug, district code, active flag, categories,
    location and typical daily users."""
    return session.execute(
        select(
            centres.c.id,
            centres.c.slug,
            districts.c.code.label("district_code"),
            centres.c.is_active,
            centres.c.is_cat1,
            centres.c.is_cat2,
            centres.c.is_cat3,
            centres.c.lat,
            centres.c.lon,
            centres.c.typical_daily_users,
        )
        .join(districts, districts.c.id == centres.c.district_id)
        .order_by(centres.c.slug)
    ).all()


def district_table(session: Session) -> list:
    """Return every district: id, code, target population and boundary."""
    return session.execute(
        select(
            districts.c.id,
            districts.c.code,
            districts.c.target_population,
            districts.c.boundary_geojson,
        )
    ).all()


def opening_intervals(session: Session) -> list:
    """Return ``(centre_id, weekday, opens_at, closes_at)`` of every centre."""
    return session.execute(
        select(
            intervals.c.centre_id,
            intervals.c.weekday,
            intervals.c.opens_at,
            intervals.c.closes_at,
        )
    ).all()


def daily_visits(session: Session, scope: Scope) -> list:
    """Return ``(visit_date, centre_id, visits, card_visits)`` per centre and day,
    by day and centre slug.

    A visit with a card (scan or import) is a card visit; the others (tallies,
    imports without a card, visits unlinked by retention) are tally visits.
    """
    return [
        (day, centre_id, cell(n, n_k), cell(c, c_k))
        for day, centre_id, n, n_k, c, c_k in daily_visit_rows(session, scope)
    ]


def daily_visit_rows(session: Session, scope: Scope) -> list:
    """Return :func:`daily_visits`' rows as cached, counts and key sums apart:
    ``(visit_date, centre_id, visits, visits_k, card_visits, card_visits_k)``
    (a page that lists 500 of a national year's 146,000 rows makes cells of
    those only)."""
    return cached_rows(
        session, "daily_visits_sorted", scope, lambda: _daily_visits(session, scope)
    )


def _daily_visits(session: Session, scope: Scope) -> list:
    # From the write-time rollup (vaerested.models.visit_days): one row per
    # centre and day, the same counts and key sums as grouping the visits.
    # Ordered by day and slug, the slugs in byte order (as Python sorts them,
    # not in the database locale's order).
    slug = centres.c.slug
    if session.get_bind().dialect.name == "postgresql":
        slug = slug.collate("C")
    return session.execute(
        select(
            visit_days.c.visit_date,
            visit_days.c.centre_id,
            visit_days.c.visits,
            visit_days.c.visits_k,
            visit_days.c.card_visits,
            visit_days.c.card_visits_k,
        )
        .join(centres, centres.c.id == visit_days.c.centre_id)
        .where(*rollup_clauses(scope))
        .order_by(visit_days.c.visit_date, slug)
    ).all()


def rollup_clauses(scope: Scope) -> list:
    """Return the WHERE clauses on ``visit_days`` for the scope (days with a visit)."""
    clauses = [
        visit_days.c.visit_date >= scope.start,
        visit_days.c.visit_date <= scope.end,
        visit_days.c.visits > 0,
    ]
    if scope.centre_ids is not None:
        clauses.append(scope.centres_clause(visit_days.c.centre_id))
    return clauses


def daily_totals(session: Session, scope: Scope) -> list[tuple]:
    """Return ``(visit_date, visits)`` per day over the scope's centres (cached):
    the sums of :func:`daily_visits` per day, made in SQL."""

    def compute() -> list[tuple]:
        rows = session.execute(
            select(
                visit_days.c.visit_date,
                func.sum(visit_days.c.visits),
                func.sum(visit_days.c.visits_k),
            )
            .where(*rollup_clauses(scope))
            .group_by(visit_days.c.visit_date)
        )
        return [(day, int(n), int(k or 0) % KEYS) for day, n, k in rows]

    return [
        (day, cell(n, k))
        for day, n, k in cached_rows(session, "daily_totals_k", scope, compute)
    ]


def grouping_centre(session: Session):
    """Return the visits' centre for a grouping over a period.

    On SQLite it is ``centre_id + 0``, which keeps SQLite from skip-scanning
    ix_visits_centre_date and reading the table instead of the covering day
    index. On PostgreSQL it is the column itself: an expression hides the
    column's statistics from the planner, which then misjudged a year's groups
    thirtyfold and probed the cards one by one.
    """
    if session.get_bind().dialect.name == "sqlite":
        return visits.c.centre_id + 0
    return visits.c.centre_id


def _visit_groups(scope: Scope):
    """Return a CTE of the scope's visits grouped by centre and card.

    One row per ``(centre_id, card_id)`` with the number of visits ``n``; the
    card-less visits (tallies) are grouped by the home district given with them
    (``tally_home``). Coverage and flows are small aggregates of these groups.
    """
    tally_home = case((visits.c.card_id.is_(None), visits.c.home_district_id)).label(
        "tally_home"
    )
    # "+ 0" keeps SQLite from skip-scanning ix_visits_centre_date for the
    # grouping's order and fetching every row from the table: the covering
    # ix_visits_date_report reads only the period (2-4 times faster).
    centre_id = (visits.c.centre_id + 0).label("centre_id")
    return (
        select(
            centre_id,
            visits.c.card_id,
            tally_home,
            func.count().label("n"),
            func.sum(visits.c.record_key).label("n_k"),
        )
        .where(scope.where())
        .group_by(centre_id, visits.c.card_id, tally_home)
        .cte("visit_groups")
    )


def coverage_aggregates(session: Session, scope: Scope) -> dict[str, list]:
    """Return the coverage aggregates of the scope, in one statement.

    - ``"district"``: ``(district_id, None, unique_cards, visits)`` of visits
      at centres located in the district;
    - ``"resident"``: ``(home_district_id, None, cards, None)``: distinct
      visiting cards per home district;
    - ``"flow"``: ``(home_district_id, centre_district_id, cards, visits)``; the
      home district is the card's for a card visit and the one given with the
      visit otherwise (a tally's attribute); None when unknown;
    - ``"centre"``: ``(centre_id, None, unique_cards, visits)`` per centre with
      visits in scope (as :func:`centre_visits`, from the same scan).
    """
    out: dict[str, list] = {"district": [], "resident": [], "flow": [], "centre": []}
    rows = cached_rows(
        session,
        "coverage_aggregates_c",
        scope,
        lambda: _coverage_aggregates(session, scope),
    )
    for kind, a, b, n_cards, cards_k, n_visits, visits_k in rows:
        shown_visits = None if n_visits is None else cell(n_visits, visits_k)
        out[kind].append((a, b, cell(n_cards, cards_k), shown_visits))
    return out


def distinct_cards_key(card_id, card_key):
    """Return the SQL sum of the keys of the distinct cards (mod 256 later).

    ``card_id * 256 + key`` is unique per card and ``≡ key (mod 256)``, so a
    ``SUM(DISTINCT …)`` adds each card's key once, in the same GROUP BY.
    """
    return func.sum(distinct(cast(card_id, BigInteger) * KEYS + card_key))


def _coverage_aggregates(session: Session, scope: Scope) -> list:
    visit_groups = _visit_groups(scope)
    # The card's home district and key joined once to every group, not in
    # each branch: PostgreSQL cannot estimate the branches' joins (a CTE has no
    # statistics) and probed the cards' index once per group in two of them.
    groups = (
        select(
            visit_groups,
            cards.c.home_district_id.label("card_home"),
            cards.c.record_key.label("card_k"),
        )
        .select_from(
            visit_groups.outerjoin(cards, cards.c.id == visit_groups.c.card_id)
        )
        .cte("card_groups")
    )
    joined = groups.join(centres, centres.c.id == groups.c.centre_id)
    home = func.coalesce(groups.c.card_home, groups.c.tally_home)
    none = cast(null(), Integer)
    n_cards = func.count(distinct(groups.c.card_id))
    cards_k = distinct_cards_key(groups.c.card_id, groups.c.card_k)
    statement = union_all(
        select(
            literal("district").label("kind"),
            centres.c.district_id.label("a"),
            none.label("b"),
            n_cards.label("cards"),
            cards_k.label("cards_k"),
            func.sum(groups.c.n).label("visits"),
            func.sum(groups.c.n_k).label("visits_k"),
        )
        .select_from(joined)
        .group_by(centres.c.district_id),
        select(
            literal("resident"),
            groups.c.card_home,
            none,
            n_cards,
            cards_k,
            none,
            none,
        )
        .where(groups.c.card_home.is_not(None))
        .group_by(groups.c.card_home),
        select(
            literal("flow"),
            home,
            centres.c.district_id,
            n_cards,
            cards_k,
            func.sum(groups.c.n),
            func.sum(groups.c.n_k),
        )
        .select_from(joined)
        .group_by(home, centres.c.district_id),
        # Per centre: a card visit's group is one card at one centre, so its
        # cards and their keys are counted once without DISTINCT.
        select(
            literal("centre"),
            groups.c.centre_id,
            none,
            func.count(groups.c.card_id),
            func.sum(groups.c.card_k),
            func.sum(groups.c.n),
            func.sum(groups.c.n_k),
        ).group_by(groups.c.centre_id),
    )
    return [
        (
            kind,
            a,
            b,
            n,
            int(n_k or 0) % KEYS,
            None if v is None else int(v),
            int(v_k or 0) % KEYS,
        )
        for kind, a, b, n, n_k, v, v_k in session.execute(statement)
    ]


def mobility_counts(session: Session, scope: Scope) -> tuple[list, tuple[int, int]]:
    """Return per-centre ``(centre_id, active_cards, multi_centre_cards)`` rows and
    the overall ``(active_cards, multi_centre_cards)``, in one statement.

    Cards are counted over every centre of the period (DOMAIN.md, "Filters and
    mobility"); the scope's centres choose what is returned, never which visits
    count: the rows of those centres only, and as the total the cards with a
    visit at one of them, a card being multi-centre when it visited two or
    more distinct centres anywhere in the period.
    """
    rows, totals = [], (0, 0)
    for centre_id, active, active_k, multi, multi_k in cached_rows(
        session, "mobility_counts_f", scope, lambda: _mobility_counts(session, scope)
    ):
        pair = (cell(active, active_k), cell(multi, multi_k))
        if centre_id is None:
            totals = pair
        else:
            rows.append((centre_id, *pair))
    return rows, totals


def _card_visits_in_period(scope: Scope, *extra):
    """Return the WHERE clause on ``visits`` of every card visit in the scope's
    period, at any centre (the scope's centres do not restrict it)."""
    return and_(
        visits.c.visit_date >= scope.start,
        visits.c.visit_date <= scope.end,
        visits.c.card_id.is_not(None),
        *extra,
    )


def _in_filter(scope: Scope, column):
    """Return 1 when ``column`` (a centre id) is one of the scope's centres, else 0
    (always 1 without a filter)."""
    if scope.centre_ids is None:
        return literal(1)
    return case((scope.centres_clause(column), 1), else_=0)


def _mobility_counts(session: Session, scope: Scope) -> list:
    pairs = (
        select(visits.c.card_id, visits.c.centre_id)
        .where(_card_visits_in_period(scope))
        .group_by(visits.c.card_id, visits.c.centre_id)
        .cte("card_centres")
    )
    # Each card's number of centres (all centres: multi-centre is city-wide),
    # and one of its shown centres (the lowest id; NULL when it visited none)
    # that stands for the card in the overall counts.
    shown_id = (
        pairs.c.centre_id
        if scope.centre_ids is None
        else case((scope.centres_clause(pairs.c.centre_id), pairs.c.centre_id))
    )
    per_card = (
        select(
            pairs.c.card_id,
            func.count().label("n"),
            func.min(shown_id).label("first_id"),
        )
        .group_by(pairs.c.card_id)
        .subquery("per_card")
    )
    k = cards.c.record_key
    multi = per_card.c.n >= 2
    first = per_card.c.first_id == pairs.c.centre_id

    def total(condition, value):
        return func.sum(case((condition, value), else_=0))

    # One aggregate per centre; the overall counts are the sums of the cards
    # each centre stands for (every card at exactly one centre), so the cards
    # are joined once (a hash join: a second aggregate over the per-card rows
    # made PostgreSQL probe the cards' index once per card).
    statement = (
        select(
            pairs.c.centre_id,
            func.count(),
            func.sum(k),
            total(multi, 1),
            total(multi, k),
            total(first, 1),
            total(first, k),
            total(and_(first, multi), 1),
            total(and_(first, multi), k),
        )
        .join(per_card, per_card.c.card_id == pairs.c.card_id)
        .join(cards, cards.c.id == pairs.c.card_id)
        .group_by(pairs.c.centre_id)
    )
    if scope.centre_ids is not None:
        # Only the shown centres' rows; each card's stand-in is one of them.
        statement = statement.where(scope.centres_clause(pairs.c.centre_id))
    rows = session.execute(statement).all()
    out = [
        (centre_id, active, int(a_k or 0) % KEYS, int(m or 0), int(m_k or 0) % KEYS)
        for centre_id, active, a_k, m, m_k, *_ in rows
    ]
    sums = [sum(int(r[i] or 0) for r in rows) for i in range(5, 9)]
    out.append((None, sums[0], sums[1] % KEYS, sums[2], sums[3] % KEYS))
    return out


def mobility_months(session: Session, scope: Scope) -> list:
    """Return ``(month, active_cards, multi_centre_cards)`` of each calendar month
    of the scope's period (clipped to it), counted as the summary is for a
    period (:func:`mobility_counts`: visits at every centre count, the scope's
    centres choose the cards), all months in one grouped pass over the
    period's visits.
    """
    spans = months(scope.start, scope.end)
    found = {
        month: (cell(active, active_k), cell(multi, multi_k))
        for month, active, active_k, multi, multi_k in cached_rows(
            session,
            "mobility_months_f",
            scope,
            lambda: _mobility_months(session, scope, spans),
        )
    }
    zero = cell(0, 0)
    return [(month, *found.get(month, (zero, zero))) for month, _, _ in spans]


def _mobility_months(session: Session, scope: Scope, spans: list) -> list:
    # Each visit falls into the first month whose last day it is not after;
    # grouped by the month's position (an integer hashes and sorts cheaper
    # than its label).
    month = case(
        *[
            (visits.c.visit_date <= last, literal(n))
            for n, (_, _, last) in enumerate(spans)
        ]
    )
    dated = (
        select(month.label("month"), visits.c.card_id, visits.c.centre_id)
        .where(_card_visits_in_period(scope))
        .subquery("dated")
    )
    # Grouped outside: PostgreSQL cannot match a CASE with bound values twice.
    # A card visited two centres or more in a month exactly when its lowest and
    # highest centre differ: one hashed grouping by month and card, neither a
    # COUNT(DISTINCT) (a sort) nor a second grouping by centre. ``shown``: the
    # card visited a shown centre that month (the filter chooses cards, never
    # visits).
    per_card = (
        select(
            dated.c.month,
            dated.c.card_id,
            func.min(dated.c.centre_id).label("lowest"),
            func.max(dated.c.centre_id).label("highest"),
            func.max(_in_filter(scope, dated.c.centre_id)).label("shown"),
        )
        .group_by(dated.c.month, dated.c.card_id)
        .subquery("per_card")
    )
    multi = per_card.c.lowest != per_card.c.highest
    statement = (
        select(
            per_card.c.month,
            func.count(),
            func.sum(cards.c.record_key),
            func.sum(case((multi, 1), else_=0)),
            func.sum(case((multi, cards.c.record_key), else_=0)),
        )
        .join(cards, cards.c.id == per_card.c.card_id)
        .group_by(per_card.c.month)
    )
    if scope.centre_ids is not None:
        statement = statement.where(per_card.c.shown == 1)
    return [
        (
            spans[m][0],
            active,
            int(a_k or 0) % KEYS,
            int(n_multi or 0),
            int(m_k or 0) % KEYS,
        )
        for m, active, a_k, n_multi, m_k in session.execute(statement)
    ]


def mobility_matrix(session: Session, scope: Scope, slug_ranks: dict[int, int]) -> list:
    """Return ``(from_id, to_id, cards, transitions)`` of every A -> B, A != B.

    Each card's visits in the period at every centre, ordered by time, ties
    broken by centre slug: consecutive visits of the period are the links of
    the card's chain kept at write time (:mod:`vaerested.models.visit_chain`)
    whose previous visit lies in the period too, so this is one grouping of
    the period's transitions, read from the partial index
    ``ix_visits_transitions``. The chain compares slugs bytewise, as Python
    sorts them (``slug_ranks``, centre id -> position in that sort, only says
    which centres exist). Cards per cell are counted by grouping twice (hash
    aggregates) instead of COUNT(DISTINCT).

    The transitions are always those of the whole city (DOMAIN.md, "Filters
    and mobility"), computed once per period (one cache entry shared by every
    filter); the scope's centres only choose the cells returned: those whose
    origin *or* destination is one of them (a centre's row and column).
    """
    if not slug_ranks:
        return []
    city = replace(scope, centre_ids=None)
    shown = None if scope.centre_ids is None else set(scope.centre_ids)
    return [
        (a, b, cell(n_cards, cards_k), cell(n, n_k))
        for a, b, n_cards, cards_k, n, n_k in cached_rows(
            session,
            "mobility_matrix_p",
            city,
            lambda: _mobility_matrix(session, city),
        )
        if cell_shown(a, b, shown)
    ]


def _mobility_matrix(session: Session, scope: Scope):
    # The same terms as the partial index's WHERE (SQLite matches them
    # literally); a previous visit's day is never after its visit's.
    steps = (
        select(
            visits.c.card_id,
            visits.c.prev_centre_id,
            visits.c.centre_id,
            func.count().label("n"),
            func.sum(visits.c.record_key).label("n_k"),
        )
        .where(
            visits.c.visit_date >= scope.start,
            visits.c.visit_date <= scope.end,
            visits.c.prev_visit_date >= scope.start,
            visits.c.prev_centre_id != visits.c.centre_id,
        )
        .group_by(visits.c.card_id, visits.c.prev_centre_id, visits.c.centre_id)
        .subquery("steps")
    )
    # A transition's record key is its destination visit's; a card's, the card's.
    return [
        (a, b, n_cards, int(c_k or 0) % KEYS, int(n), int(n_k or 0) % KEYS)
        for a, b, n_cards, c_k, n, n_k in session.execute(
            select(
                steps.c.prev_centre_id,
                steps.c.centre_id,
                func.count().label("cards"),
                func.sum(cards.c.record_key).label("cards_k"),
                func.sum(steps.c.n).label("transitions"),
                func.sum(steps.c.n_k).label("transitions_k"),
            )
            .join(cards, cards.c.id == steps.c.card_id)
            .group_by(steps.c.prev_centre_id, steps.c.centre_id)
        )
    ]


def centre_visits(session: Session, scope: Scope) -> list:
    """Return ``(centre_id, visits, unique_cards)`` per centre with visits in scope."""
    return [
        (centre_id, cell(n, n_k), cell(c, c_k))
        for centre_id, n, n_k, c, c_k in cached_rows(
            session, "centre_visits_k", scope, lambda: _centre_visits(session, scope)
        )
    ]


def _centre_visits(session: Session, scope: Scope) -> list:
    # Grouped by centre and card first: each card's key is then added once.
    groups = (
        select(
            visits.c.centre_id,
            visits.c.card_id,
            func.count().label("n"),
            func.sum(visits.c.record_key).label("n_k"),
        )
        .where(scope.where())
        .group_by(visits.c.centre_id, visits.c.card_id)
        .subquery("centre_cards")
    )
    return [
        (centre_id, int(n), int(n_k) % KEYS, c, int(c_k or 0) % KEYS)
        for centre_id, n, n_k, c, c_k in session.execute(
            select(
                groups.c.centre_id,
                func.sum(groups.c.n),
                func.sum(groups.c.n_k),
                func.count(groups.c.card_id),
                func.sum(cards.c.record_key),
            )
            .select_from(groups.outerjoin(cards, cards.c.id == groups.c.card_id))
            .group_by(groups.c.centre_id)
        )
    ]
