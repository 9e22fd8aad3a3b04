"""The reports' SQL: aggregated in the database (SQLAlchemy Core, SQLite and PostgreSQL).

Every function takes a :class:`Scope` (the period, both ends inclusive, and the
centres to count, or None for all) and returns small aggregated rows; no query
loads the period's visits into Python. Centres are returned by id; the caller
maps ids to slugs and codes (a few dozen rows).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
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

from vaerested.models import Card, Centre, District, OpeningInterval, Visit
from vaerested.reports.cache import cached_rows

visits = Visit.__table__
centres = Centre.__table__
cards = Card.__table__
districts = District.__table__
intervals = OpeningInterval.__table__


@dataclass(frozen=True)
class Scope:
    """Which visits a report counts."""

    start: date
    end: date
    #: Only visits at these centres; None means every centre.
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
    """Return ``(visit_date, centre_id, visits, card_visits)`` per centre and day.

    A visit with a card (scan or import) is a card visit; the others (tallies,
    imports without a card, visits unlinked by retention) are tally visits.
    """
    return cached_rows(
        session, "daily_visits", scope, lambda: _daily_visits(session, scope)
    )


def _daily_visits(session: Session, scope: Scope) -> list:
    # "+ 0" keeps SQLite from walking ix_visits_centre_date for the grouping
    # and then fetching every row by rowid: a plain scan is twice as fast.
    centre_id = (visits.c.centre_id + 0).label("centre_id")
    return session.execute(
        select(
            visits.c.visit_date,
            centre_id,
            func.count().label("visits"),
            func.count(visits.c.card_id).label("card_visits"),
        )
        .where(scope.where())
        .group_by(visits.c.visit_date, centre_id)
    ).all()


def _visit_groups(scope: Scope):
    """Return a CTE of the scope's visits grouped by centre and card.

    One row per ``(centre_id, card_id)`` with the number of visits ``n``; the
    card-less visits (tallies) are grouped by the home district given with them
    (``tally_home``). Coverage and flows are small aggregates of these groups.
    """
    tally_home = case((visits.c.card_id.is_(None), visits.c.home_district_id)).label(
        "tally_home"
    )
    return (
        select(
            visits.c.centre_id,
            visits.c.card_id,
            tally_home,
            func.count().label("n"),
        )
        .where(scope.where())
        .group_by(visits.c.centre_id, visits.c.card_id, tally_home)
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
      visit otherwise (a tally's attribute); None when unknown.
    """
    out: dict[str, list] = {"district": [], "resident": [], "flow": []}
    rows = cached_rows(
        session,
        "coverage_aggregates",
        scope,
        lambda: _coverage_aggregates(session, scope),
    )
    for kind, a, b, n_cards, n_visits in rows:
        out[kind].append((a, b, n_cards, n_visits))
    return out


def _coverage_aggregates(session: Session, scope: Scope) -> list:
    groups = _visit_groups(scope)
    joined = groups.join(centres, centres.c.id == groups.c.centre_id).outerjoin(
        cards, cards.c.id == groups.c.card_id
    )
    home = func.coalesce(cards.c.home_district_id, groups.c.tally_home)
    none = cast(null(), Integer)
    statement = union_all(
        select(
            literal("district").label("kind"),
            centres.c.district_id.label("a"),
            none.label("b"),
            func.count(distinct(groups.c.card_id)).label("cards"),
            func.sum(groups.c.n).label("visits"),
        )
        .select_from(joined)
        .group_by(centres.c.district_id),
        select(
            literal("resident"),
            cards.c.home_district_id,
            none,
            func.count(distinct(groups.c.card_id)),
            none,
        )
        .select_from(joined)
        .where(cards.c.home_district_id.is_not(None))
        .group_by(cards.c.home_district_id),
        select(
            literal("flow"),
            home,
            centres.c.district_id,
            func.count(distinct(groups.c.card_id)),
            func.sum(groups.c.n),
        )
        .select_from(joined)
        .group_by(home, centres.c.district_id),
    )
    return [
        (kind, a, b, n_cards, None if n_visits is None else int(n_visits))
        for kind, a, b, n_cards, n_visits in session.execute(statement)
    ]


def mobility_counts(session: Session, scope: Scope) -> tuple[list, tuple[int, int]]:
    """Return per-centre ``(centre_id, active_cards, multi_centre_cards)`` rows and
    the overall ``(active_cards, multi_centre_cards)``, in one statement.
    """
    rows, totals = [], (0, 0)
    for centre_id, active, multi in cached_rows(
        session, "mobility_counts", scope, lambda: _mobility_counts(session, scope)
    ):
        if centre_id is None:
            totals = (active, multi)
        else:
            rows.append((centre_id, active, multi))
    return rows, totals


def _mobility_counts(session: Session, scope: Scope) -> list:
    pairs = (
        select(visits.c.card_id, visits.c.centre_id)
        .where(scope.where(visits.c.card_id.is_not(None)))
        .group_by(visits.c.card_id, visits.c.centre_id)
        .cte("card_centres")
    )
    per_card = (
        select(pairs.c.card_id, func.count().label("n"))
        .group_by(pairs.c.card_id)
        .cte("per_card")
    )
    is_multi = func.sum(case((per_card.c.n >= 2, 1), else_=0))
    statement = union_all(
        select(
            pairs.c.centre_id.label("centre_id"),
            func.count().label("active"),
            is_multi.label("multi"),
        )
        .join(per_card, per_card.c.card_id == pairs.c.card_id)
        .group_by(pairs.c.centre_id),
        select(cast(null(), Integer), func.count(), is_multi).select_from(per_card),
    )
    return [
        (centre_id, active, int(multi or 0))
        for centre_id, active, multi in session.execute(statement)
    ]


def mobility_matrix(session: Session, scope: Scope, slug_ranks: dict[int, int]) -> list:
    """Return ``(from_id, to_id, cards, transitions)`` of every A -> B, A != B.

    Each card's visits are ordered by time, ties broken by centre slug, given
    as ``slug_ranks`` (centre id -> position in Python's sort of the slugs, so
    the database's collation cannot change the order). LAG gives each visit
    the centre of the card's previous visit in scope. Cards per cell are
    counted by grouping twice (hash aggregates) instead of COUNT(DISTINCT).
    """
    if not slug_ranks:
        return []
    ranks = ",".join(f"{c}:{n}" for c, n in sorted(slug_ranks.items()))
    return cached_rows(
        session,
        "mobility_matrix",
        scope,
        lambda: _mobility_matrix(session, scope, slug_ranks),
        extra=ranks,
    )


def _mobility_matrix(session: Session, scope: Scope, slug_ranks: dict[int, int]):
    rank = case(slug_ranks, value=visits.c.centre_id, else_=len(slug_ranks))
    ordered = (
        select(
            visits.c.card_id,
            visits.c.centre_id,
            func.lag(visits.c.centre_id)
            .over(partition_by=visits.c.card_id, order_by=(visits.c.visited_dt, rank))
            .label("prev_id"),
        )
        .where(scope.where(visits.c.card_id.is_not(None)))
        .subquery("ordered")
    )
    steps = (
        select(
            ordered.c.prev_id,
            ordered.c.centre_id,
            func.count().label("n"),
        )
        .where(
            ordered.c.prev_id.is_not(None),
            ordered.c.prev_id != ordered.c.centre_id,
        )
        .group_by(ordered.c.card_id, ordered.c.prev_id, ordered.c.centre_id)
        .subquery("steps")
    )
    return [
        (a, b, n_cards, int(n))
        for a, b, n_cards, n in session.execute(
            select(
                steps.c.prev_id,
                steps.c.centre_id,
                func.count().label("cards"),
                func.sum(steps.c.n).label("transitions"),
            ).group_by(steps.c.prev_id, steps.c.centre_id)
        )
    ]


def centre_visits(session: Session, scope: Scope) -> list:
    """Return ``(centre_id, visits, unique_cards)`` per centre with visits in scope."""
    return cached_rows(
        session, "centre_visits", scope, lambda: _centre_visits(session, scope)
    )


def _centre_visits(session: Session, scope: Scope) -> list:
    centre_id = (visits.c.centre_id + 0).label("centre_id")  # see daily_visits
    return [
        tuple(row)
        for row in session.execute(
            select(
                centre_id,
                func.count().label("visits"),
                func.count(distinct(visits.c.card_id)).label("unique_cards"),
            )
            .where(scope.where())
            .group_by(centre_id)
        )
    ]
