"""The reach report: visits and distinct cards by age band and by gender.

DOMAIN.md, "Reach": young people (under 25) and women are named target groups
of the strategy, so the visitors' coarse attributes are counted per centre,
per district and per calendar month (clipped to the period). Tables:

- ``reach_centres``: ``month`` (YYYY-MM), ``centre``, ``district`` (where the
  centre is located), ``dimension`` (``age_band`` or ``gender``), ``value``
  (the attribute's code, ``unknown`` when not given), ``visits`` (all visits
  of the month at the centre with that value: card visits by the card's
  attribute, tallies by the attribute given with them) and ``cards`` (distinct
  cards with such a visit; tallies have none). One row per month, centre with
  a visit in that month, dimension and value: every value is listed, zeros
  included, ``unknown`` last, so a dimension's rows add up to the centre's
  visits and active cards of the month (before protection).
- ``reach_districts``: the same per district of the centres in scope
  (``cards`` distinct over the district's centres, so a card visiting two of
  them counts once).

Filters (centres, a district, a leader's own centres) restrict the visits
counted to those at the chosen centres. Counts and their cell keys come from
one statement (:func:`reach_counts`); they are protected like every report.
"""

from __future__ import annotations

from sqlalchemy import (
    String,
    case,
    distinct,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from vaerested.models import AgeBand, Gender
from vaerested.reports.tables import queries
from vaerested.reports.tables.cache import cached_rows
from vaerested.reports.tables.queries import Scope, cards, centres, visits
from vaerested.reports.tables.table import Table
from vaerested.services.coverage import natural_key
from vaerested.services.mobility import months
from vaerested.services.protection import KEYS, cell

UNKNOWN = "unknown"
#: Dimension -> its values in the order of the report (``unknown`` last).
DIMENSIONS: dict[str, list[str]] = {
    "age_band": [*(m.value for m in AgeBand), UNKNOWN],
    "gender": [*(m.value for m in Gender), UNKNOWN],
}
CENTRE_COLUMNS = [
    "month",
    "centre",
    "district",
    "dimension",
    "value",
    "visits",
    "cards",
]
DISTRICT_COLUMNS = ["month", "district", "dimension", "value", "visits", "cards"]
COLUMNS: dict[str, list[str]] = {
    "reach_centres": CENTRE_COLUMNS,
    "reach_districts": DISTRICT_COLUMNS,
}
COUNT_COLUMNS: dict[str, list[str]] = {
    "reach_centres": ["visits", "cards"],
    "reach_districts": ["visits", "cards"],
}
TABLES = list(COLUMNS)


def reach_counts(session: Session, scope: Scope) -> list[tuple]:
    """Return ``(unit, month, unit_id, dimension, value, visits, cards)`` rows.

    ``unit`` "centre" (``unit_id`` a centre id) or "district" (the id of the
    district the centres are located in); ``value`` the attribute's code or
    None when unknown; ``visits`` and ``cards`` are
    :class:`~vaerested.services.protection.Cell`. Only combinations with a
    visit are returned.
    """
    spans = months(scope.start, scope.end)
    return [
        (unit, month, unit_id, dim, value, cell(n, n_k), cell(c, c_k))
        for unit, month, unit_id, dim, value, n, n_k, c, c_k in cached_rows(
            session,
            "reach_counts_k",
            scope,
            lambda: _reach_counts(session, scope, spans),
        )
    ]


def _reach_counts(session: Session, scope: Scope, spans: list) -> list:
    # Each visit falls into the first month whose last day it is not after.
    month = case(
        *[(visits.c.visit_date <= last, literal(label)) for label, _, last in spans]
    )
    # The card visits from the covering day index alone (their attributes are
    # the card's, joined below); the tallies, which carry their own, apart.
    no_text = type_coerce(null(), String())
    centre_id = queries.grouping_centre(session).label("centre_id")
    dated = union_all(
        select(
            month.label("month"),
            centre_id,
            visits.c.card_id,
            no_text.label("t_age"),
            no_text.label("t_gender"),
            visits.c.record_key,
        ).where(scope.where(visits.c.card_id.is_not(None))),
        select(
            month,
            visits.c.centre_id,
            visits.c.card_id,
            type_coerce(visits.c.age_band, String()),
            type_coerce(visits.c.gender, String()),
            visits.c.record_key,
        ).where(scope.where(visits.c.card_id.is_(None))),
    ).subquery("reach_dated")
    # One group per month, centre and card (tallies: per attribute pair), so
    # per centre each card is counted, and its key added, once.
    groups = (
        select(
            dated.c.month,
            dated.c.centre_id,
            dated.c.card_id,
            dated.c.t_age,
            dated.c.t_gender,
            func.count().label("n"),
            func.sum(dated.c.record_key).label("n_k"),
        )
        .group_by(
            dated.c.month,
            dated.c.centre_id,
            dated.c.card_id,
            dated.c.t_age,
            dated.c.t_gender,
        )
        .cte("reach_groups")
    )
    # Joined with the centres and the cards once (a CTE used four times is
    # computed once): each of the four groupings below would hash every card.
    enriched = (
        select(
            groups.c.month,
            groups.c.centre_id,
            centres.c.district_id,
            groups.c.card_id,
            type_coerce(
                func.coalesce(type_coerce(cards.c.age_band, String()), groups.c.t_age),
                String(),
            ).label("age_band"),
            type_coerce(
                func.coalesce(type_coerce(cards.c.gender, String()), groups.c.t_gender),
                String(),
            ).label("gender"),
            groups.c.n,
            groups.c.n_k,
            cards.c.record_key.label("card_key"),
        )
        .select_from(
            groups.join(centres, centres.c.id == groups.c.centre_id).outerjoin(
                cards, cards.c.id == groups.c.card_id
            )
        )
        .cte("reach_enriched")
    )
    selects = []
    for dim in ("age_band", "gender"):
        value = enriched.c[dim]
        selects.append(
            select(
                literal("centre").label("unit"),
                enriched.c.month,
                enriched.c.centre_id.label("unit_id"),
                literal(dim).label("dimension"),
                value.label("value"),
                func.sum(enriched.c.n).label("visits"),
                func.sum(enriched.c.n_k).label("visits_k"),
                func.count(enriched.c.card_id).label("cards"),
                func.sum(enriched.c.card_key).label("cards_k"),
            ).group_by(enriched.c.month, enriched.c.centre_id, value)
        )
        selects.append(
            select(
                literal("district"),
                enriched.c.month,
                enriched.c.district_id,
                literal(dim),
                value,
                func.sum(enriched.c.n),
                func.sum(enriched.c.n_k),
                func.count(distinct(enriched.c.card_id)),
                queries.distinct_cards_key(enriched.c.card_id, enriched.c.card_key),
            ).group_by(enriched.c.month, enriched.c.district_id, value)
        )
    return [
        (
            unit,
            month_label,
            int(unit_id),
            dim,
            value,
            int(n),
            int(n_k or 0) % KEYS,
            int(c or 0),
            int(c_k or 0) % KEYS,
        )
        for unit, month_label, unit_id, dim, value, n, n_k, c, c_k in session.execute(
            union_all(*selects)
        )
    ]


def _grid(found: dict, units: dict) -> list[tuple]:
    """Return ``(month, unit_id, dimension, value, visits, cards)`` for every
    value of each month and unit with a visit (zeros filled in)."""
    zero = cell(0, 0)
    active = sorted(
        {(m, u) for m, u, _d, _v in found}, key=lambda k: (k[0], units[k[1]])
    )
    return [
        (m, u, dim, value, *found.get((m, u, dim, value), (zero, zero)))
        for m, u in active
        for dim, dim_values in DIMENSIONS.items()
        for value in dim_values
    ]


def build_reach(session: Session, scope: Scope, district_code) -> list[Table]:
    """Return the reach report's raw tables (counts with their cell keys)."""
    centre_rows = {c.id: c for c in queries.centre_table(session)}
    codes = {d.id: d.code for d in queries.district_table(session)}
    found: dict[str, dict] = {"centre": {}, "district": {}}
    for unit, month, unit_id, dim, value, n, c in reach_counts(session, scope):
        found[unit][(month, unit_id, dim, value or UNKNOWN)] = (n, c)
    centre_table = [
        {
            "month": m,
            "centre": centre_rows[u].slug,
            "district": centre_rows[u].district_code,
            "dimension": dim,
            "value": value,
            "visits": n,
            "cards": c,
        }
        for m, u, dim, value, n, c in _grid(
            found["centre"], {i: c.slug for i, c in centre_rows.items()}
        )
    ]
    district_table = [
        {
            "month": m,
            "district": codes[u],
            "dimension": dim,
            "value": value,
            "visits": n,
            "cards": c,
        }
        for m, u, dim, value, n, c in _grid(
            found["district"], {i: natural_key(code) for i, code in codes.items()}
        )
    ]
    return [
        Table("reach_centres", list(CENTRE_COLUMNS), centre_table),
        Table("reach_districts", list(DISTRICT_COLUMNS), district_table),
    ]
