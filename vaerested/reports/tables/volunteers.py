"""The outreach and volunteering report: who volunteers where, and who came along.

DOMAIN.md, the strategy's cross-cutting goal: a citizen's mobility between
centres is a development goal in itself; users volunteer in the daily running
and are encouraged to volunteer at *other* centres too; outreach staff
(street workers, home guides, support contact persons, SKP) accompany people
to a centre. Tables:

- ``volunteers``: per centre where cards volunteered (the centre of the
  activity), over the period P: ``volunteer_cards`` (distinct cards recorded
  as a volunteer at a session of the centre whose local start day is in P,
  not cancelled), ``volunteer_sessions`` (such volunteer records: a card at a
  session counts once, a card at three sessions three times; records that
  retention unlinked from their card still count) and ``away_volunteers``
  (of the volunteer cards, those whose *home* centre in P is another centre:
  the home centre is the centre with the card's most visits in P, at every
  centre, ties broken by centre slug; a card without visits in P has no home
  and is not counted there). One row per centre with a volunteer in P.
- ``outreach_arrivals``: per calendar month (clipped to P) and centre with a
  visit that month, one row per kind of outreach (``street_worker``,
  ``home_guide``, ``skp``, ``other``, and ``none``: not stated or came alone;
  zeros included), ``visits``: the visits of that month at the centre with
  that kind (card visits and tallies alike).

Filters (centres, a district, a leader's own centres) choose the centres
shown (where they volunteered; where the visits were); the home centre is
always found from the card's visits at every centre, as mobility is
(DOMAIN.md, "Filters and mobility"). Counts and their cell keys come from one
statement per table; they are protected like every report.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from vaerested.models import Activity, ActivitySession, Outreach, SessionScan
from vaerested.reports.tables import queries
from vaerested.reports.tables.dashboard_queries import local_start
from vaerested.reports.tables.queries import Scope, cards, centres, visits
from vaerested.reports.tables.table import Table
from vaerested.services.mobility import months
from vaerested.services.protection import KEYS, cell

activities = Activity.__table__
sessions = ActivitySession.__table__
scans = SessionScan.__table__

#: The code of "no outreach stated" (NULL in ``visits.outreach``).
NONE = "none"
#: The kinds of the ``outreach`` column, in the report's order (``none`` last).
OUTREACH_KINDS = [*(m.value for m in Outreach), NONE]
VOLUNTEER_COLUMNS = [
    "centre",
    "district",
    "volunteer_cards",
    "volunteer_sessions",
    "away_volunteers",
]
VOLUNTEER_COUNTS = ["volunteer_cards", "volunteer_sessions", "away_volunteers"]
OUTREACH_COLUMNS = ["month", "centre", "district", "outreach", "visits"]
COLUMNS: dict[str, list[str]] = {
    "volunteers": VOLUNTEER_COLUMNS,
    "outreach_arrivals": OUTREACH_COLUMNS,
}
COUNT_COLUMNS: dict[str, list[str]] = {
    "volunteers": VOLUNTEER_COUNTS,
    "outreach_arrivals": ["visits"],
}
TABLES = list(COLUMNS)


def volunteer_counts(session: Session, scope: Scope, tz) -> list[tuple]:
    """Return ``(centre_id, volunteer_cards, volunteer_sessions, away_volunteers)``
    per centre with a volunteer in the scope's period; the counts are
    :class:`~vaerested.services.protection.Cell`."""
    clauses = [
        scans.c.is_volunteer,
        sessions.c.is_cancelled == false(),
        sessions.c.start_dt >= local_start(scope.start, tz),
        sessions.c.start_dt < local_start(scope.end + timedelta(days=1), tz),
    ]
    if scope.centre_ids is not None:
        clauses.append(scope.centres_clause(activities.c.centre_id))
    volunteered = (
        select(
            activities.c.centre_id,
            scans.c.card_id,
            func.coalesce(cards.c.record_key, 0).label("record_key"),
        )
        .select_from(
            scans.join(sessions, sessions.c.id == scans.c.session_id)
            .join(activities, activities.c.id == sessions.c.activity_id)
            .outerjoin(cards, cards.c.id == scans.c.card_id)
        )
        .where(and_(*clauses))
        .cte("volunteered")
    )
    # The volunteers' visits in P at every centre, per centre; the home centre
    # is the first by most visits, then by slug.
    per_centre = (
        select(
            visits.c.card_id,
            visits.c.centre_id,
            func.count().label("n"),
        )
        .where(
            visits.c.visit_date >= scope.start,
            visits.c.visit_date <= scope.end,
            visits.c.card_id.in_(
                select(volunteered.c.card_id).where(volunteered.c.card_id.is_not(None))
            ),
        )
        .group_by(visits.c.card_id, visits.c.centre_id)
        .subquery("volunteer_visits")
    )
    ranked = (
        select(
            per_centre.c.card_id,
            per_centre.c.centre_id,
            func.row_number()
            .over(
                partition_by=per_centre.c.card_id,
                order_by=(per_centre.c.n.desc(), centres.c.slug),
            )
            .label("rank"),
        )
        .join(centres, centres.c.id == per_centre.c.centre_id)
        .subquery("volunteer_ranked")
    )
    home = (
        select(ranked.c.card_id, ranked.c.centre_id)
        .where(ranked.c.rank == 1)
        .subquery("volunteer_home")
    )
    away = and_(
        home.c.centre_id.is_not(None), home.c.centre_id != volunteered.c.centre_id
    )
    card_key = cast(volunteered.c.card_id, BigInteger) * KEYS + volunteered.c.record_key
    rows = session.execute(
        select(
            volunteered.c.centre_id,
            func.count(func.distinct(volunteered.c.card_id)),
            queries.distinct_cards_key(volunteered.c.card_id, volunteered.c.record_key),
            func.count(),
            func.sum(volunteered.c.record_key),
            func.count(func.distinct(case((away, volunteered.c.card_id)))),
            func.sum(func.distinct(case((away, card_key)))),
        )
        .select_from(
            volunteered.outerjoin(home, home.c.card_id == volunteered.c.card_id)
        )
        .group_by(volunteered.c.centre_id)
    )
    return [
        (
            int(centre_id),
            cell(c, int(c_k or 0) % KEYS),
            cell(n, int(n_k or 0) % KEYS),
            cell(a, int(a_k or 0) % KEYS),
        )
        for centre_id, c, c_k, n, n_k, a, a_k in rows
    ]


def outreach_counts(session: Session, scope: Scope) -> list[tuple]:
    """Return ``(month, centre_id, outreach, visits)`` of the scope's visits;
    ``outreach`` the kind's code or None (not stated), ``visits`` a Cell."""
    spans = months(scope.start, scope.end)
    month = case(
        *[(visits.c.visit_date <= last, literal(label)) for label, _, last in spans]
    )
    kind = type_coerce(visits.c.outreach, String())
    rows = session.execute(
        select(
            month,
            visits.c.centre_id,
            kind,
            func.count(),
            func.sum(visits.c.record_key),
        )
        .where(scope.where())
        .group_by(month, visits.c.centre_id, kind)
    )
    return [
        (label, int(centre_id), value, cell(n, int(k or 0) % KEYS))
        for label, centre_id, value, n, k in rows
    ]


def build_volunteers(session: Session, scope: Scope, district_code) -> list[Table]:
    """Return the outreach and volunteering report's raw tables."""
    from vaerested.checkin.operations import local_tz

    centre_rows = {c.id: c for c in queries.centre_table(session)}
    volunteer_rows = sorted(
        volunteer_counts(session, scope, local_tz()),
        key=lambda r: centre_rows[r[0]].slug,
    )
    volunteer_table = [
        {
            "centre": centre_rows[centre_id].slug,
            "district": centre_rows[centre_id].district_code,
            "volunteer_cards": c,
            "volunteer_sessions": n,
            "away_volunteers": a,
        }
        for centre_id, c, n, a in volunteer_rows
    ]
    found = {
        (m, centre_id, value or NONE): n
        for m, centre_id, value, n in outreach_counts(session, scope)
    }
    active = sorted(
        {(m, centre_id) for m, centre_id, _v in found},
        key=lambda k: (k[0], centre_rows[k[1]].slug),
    )
    zero = cell(0, 0)
    outreach_table = [
        {
            "month": m,
            "centre": centre_rows[centre_id].slug,
            "district": centre_rows[centre_id].district_code,
            "outreach": kind,
            "visits": found.get((m, centre_id, kind), zero),
        }
        for m, centre_id in active
        for kind in OUTREACH_KINDS
    ]
    return [
        Table("volunteers", list(VOLUNTEER_COLUMNS), volunteer_table),
        Table("outreach_arrivals", list(OUTREACH_COLUMNS), outreach_table),
    ]
