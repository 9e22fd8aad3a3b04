"""The FLOW report: moves to an own home and the visits of those who moved out.

DOMAIN.md, "FLOW": the strategy reads more demand from people who moved out
of a residential centre as a sign of better flow. From the cards' dated
housing statements (:class:`~vaerested.models.HousingStatement`; a card's
situation on a day is its latest statement on or before that day), per
calendar month of the period (clipped to it):

- ``moved_to_own_home``: distinct cards with a statement "own home" dated in
  the month whose previous statement was any other known situation (not
  "unknown", not "own home"; the legacy unspecified "homeless" is known);
- ``moved_out_of_residential_centre``: of those, the cards whose previous
  statement was "residential centre" (DOMAIN.md: a move to an own home from a
  residential centre, the strategy's FLOW);
- ``flow_visits``: the visits in the month of cards whose situation on the
  visit's day is "own home" and who earlier stated "residential centre".

Tables: ``flow`` per ``month`` and ``centre`` (the moves counted at the centre
where the new statement was given, the visits at the centre visited; a row
for each month and centre with a count above zero) and ``flow_months`` per
month over the centres in scope (a card counted once however many centres;
without a filter, statements of no known centre count too). The previous
statement may lie before the period; statements older than the retention
period are deleted, so a card's first kept statement has no previous one.
Filters keep the chosen centres. All counts and cell keys (distinct cards'
record keys, visits' record keys) come from one statement; they are
protected like every report.
"""

from __future__ import annotations

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from vaerested.models import Housing, HousingStatement
from vaerested.reports.tables import queries
from vaerested.reports.tables.cache import cached_rows
from vaerested.reports.tables.queries import Scope, cards, centres, visits
from vaerested.reports.tables.table import Table
from vaerested.services.mobility import months
from vaerested.services.protection import KEYS, cell

statements = HousingStatement.__table__

OWN_HOME = Housing.OWN_HOME.value
RESIDENTIAL_CENTRE = Housing.RESIDENTIAL_CENTRE.value
COUNTS = ["moved_to_own_home", "moved_out_of_residential_centre", "flow_visits"]
FLOW_COLUMNS = ["month", "centre", *COUNTS]
MONTH_COLUMNS = ["month", *COUNTS]
COLUMNS: dict[str, list[str]] = {"flow": FLOW_COLUMNS, "flow_months": MONTH_COLUMNS}
COUNT_COLUMNS: dict[str, list[str]] = {"flow": COUNTS, "flow_months": COUNTS}
TABLES = list(COLUMNS)


def _history():
    """Every statement with its card's previous and next statement (CTE)."""
    situation = type_coerce(statements.c.situation, String())
    window = {"partition_by": statements.c.card_id, "order_by": statements.c.stated_on}
    is_rc = case((situation == RESIDENTIAL_CENTRE, 1), else_=0)
    return select(
        statements.c.card_id,
        statements.c.stated_on,
        statements.c.centre_id,
        situation.label("situation"),
        func.lag(situation).over(**window).label("previous"),
        func.lag(statements.c.stated_on).over(**window).label("previous_on"),
        func.lead(statements.c.stated_on).over(**window).label("next_on"),
        func.max(is_rc).over(**window, rows=(None, 0)).label("had_rc"),
    ).cte("flow_history")


def _month(column, spans):
    """Return the ``YYYY-MM`` of a date already within the period."""
    return case(*[(column <= last, literal(label)) for label, _, last in spans])


def flow_counts(session: Session, scope: Scope) -> list[tuple]:
    """Return ``(month, centre_id, measure, count)`` rows: ``centre_id`` None
    for the ``flow_months`` totals, ``count`` a
    :class:`~vaerested.services.protection.Cell`. Only counts above zero.

    Cached: the dashboard's FLOW trend reads the same rows as the FLOW page.
    """
    return [
        (month, centre_id, measure, cell(n, k))
        for month, centre_id, measure, n, k in cached_rows(
            session, "flow_counts", scope, lambda: _flow_counts(session, scope)
        )
    ]


def _flow_counts(session: Session, scope: Scope) -> list[tuple]:
    spans = months(scope.start, scope.end)
    history = _history()
    in_period = and_(
        history.c.stated_on >= scope.start, history.c.stated_on <= scope.end
    )
    centre_clause = (
        [scope.centres_clause(history.c.centre_id)]
        if scope.centre_ids is not None
        else []
    )
    known_before = and_(
        history.c.previous_on.is_not(None), history.c.previous.is_not(None)
    )
    moves = (
        select(
            _month(history.c.stated_on, spans).label("month"),
            history.c.centre_id,
            history.c.card_id,
            cards.c.record_key,
            case(
                (
                    and_(
                        history.c.situation == OWN_HOME, history.c.previous != OWN_HOME
                    ),
                    1,
                ),
                else_=0,
            ).label("to_own"),
            case(
                (
                    and_(
                        history.c.situation == OWN_HOME,
                        history.c.previous == RESIDENTIAL_CENTRE,
                    ),
                    1,
                ),
                else_=0,
            ).label("out_rc"),
        )
        .select_from(history.join(cards, cards.c.id == history.c.card_id))
        .where(in_period, known_before, *centre_clause)
        .cte("flow_moves")
    )
    flow_visits = (
        select(
            _month(visits.c.visit_date, spans).label("month"),
            visits.c.centre_id,
            visits.c.record_key,
        )
        .select_from(
            visits.join(
                history,
                and_(
                    history.c.card_id == visits.c.card_id,
                    history.c.stated_on <= visits.c.visit_date,
                    or_(
                        history.c.next_on.is_(None),
                        visits.c.visit_date < history.c.next_on,
                    ),
                ),
            )
        )
        .where(
            scope.where(),
            history.c.situation == OWN_HOME,
            history.c.had_rc == 1,
        )
        .cte("flow_visit_rows")
    )
    parts = []
    for per_centre in (True, False):
        for measure, flag in (
            ("moved_to_own_home", moves.c.to_own),
            ("moved_out_of_residential_centre", moves.c.out_rc),
        ):
            centre = moves.c.centre_id if per_centre else null()
            query = select(
                moves.c.month,
                type_coerce(centre, Integer()).label("centre_id"),
                literal(measure, String()).label("measure"),
                func.count(func.distinct(moves.c.card_id)).label("n"),
                queries.distinct_cards_key(moves.c.card_id, moves.c.record_key).label(
                    "k"
                ),
            ).where(flag == 1)
            if per_centre:
                query = query.where(moves.c.centre_id.is_not(None)).group_by(
                    moves.c.month, moves.c.centre_id
                )
            else:
                query = query.group_by(moves.c.month)
            parts.append(query)
        centre = flow_visits.c.centre_id if per_centre else null()
        query = select(
            flow_visits.c.month,
            type_coerce(centre, Integer()),
            literal("flow_visits", String()),
            func.count(),
            func.sum(flow_visits.c.record_key),
        )
        group = [flow_visits.c.month]
        if per_centre:
            group.append(flow_visits.c.centre_id)
        parts.append(query.group_by(*group))
    return [
        (
            month,
            None if centre_id is None else int(centre_id),
            measure,
            int(n),
            int(k or 0) % KEYS,
        )
        for month, centre_id, measure, n, k in session.execute(union_all(*parts))
        if n
    ]


def build_flow(session: Session, scope: Scope, district_code) -> list[Table]:
    """Return the FLOW report's raw tables (counts with cell keys)."""
    per_centre: dict[tuple, dict] = {}
    per_month: dict[str, dict] = {}
    for month, centre_id, measure, n in flow_counts(session, scope):
        if centre_id is None:
            per_month.setdefault(month, {})[measure] = n
        else:
            per_centre.setdefault((month, centre_id), {})[measure] = n
    slugs = dict(session.execute(select(centres.c.id, centres.c.slug)).all())
    zero = cell(0, 0)
    flow_rows = sorted(
        (
            {
                "month": month,
                "centre": slugs[centre_id],
                **{c: found.get(c, zero) for c in COUNTS},
            }
            for (month, centre_id), found in per_centre.items()
        ),
        key=lambda r: (r["month"], r["centre"]),
    )
    month_rows = [
        {"month": month, **{c: per_month.get(month, {}).get(c, zero) for c in COUNTS}}
        for month, _, _ in months(scope.start, scope.end)
    ]
    return [
        Table("flow", list(FLOW_COLUMNS), flow_rows),
        Table("flow_months", list(MONTH_COLUMNS), month_rows),
    ]
