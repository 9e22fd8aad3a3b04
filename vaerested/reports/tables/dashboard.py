"""The dashboard report: visits against typical daily users, new cards, housing, activities.

Tables (all within the scope: the period, both ends inclusive, and its centres):

- ``dashboard_centres``: per centre listed (active, or with a visit in the
  period): its district, ``typical_daily_users`` (from the centre's record;
  empty when not given),
  ``open_days`` (days in the period with at least one visit there), ``visits``,
  ``visits_per_open_day`` (1 decimal) and ``visits_vs_typical`` (visits per
  open day / typical daily users, 2 decimals). A ratio is empty when the visits
  are suppressed, there are no open days or no typical daily users.
- ``dashboard_districts``: the same per district of the listed centres;
  ``centres`` is how many are listed, ``typical_daily_users`` their sum (empty
  when none has one), ``open_days`` the days with a visit at any of them.
- ``dashboard_weeks``: visits per ISO week (its Monday; the first and last weeks
  may be cut by the period) and centre, from the same daily counts as the
  visits report; ``days_in_period`` (1 to 7) and ``partial`` (1 when only some
  of the week's days are in the period, see
  :mod:`vaerested.services.partial_periods`).
- ``new_cards``: cards issued per local month by how the holder first came
  (``first_came``, "unknown" when not given); with centres in scope, the cards
  issued at them; ``days_in_period`` and ``partial`` of the month, as for weeks.
- ``housing``: per housing situation ("unknown" last): distinct ``cards`` with
  a visit in scope by the card's situation on the period's last day (its
  latest housing statement on or before it, else its housing at issue), and
  ``tally_visits``, the card-less
  visits by the housing given with them.
- ``activity_categories``: per category of offer (1, 2, 3): ``sessions_held``,
  sessions whose local start day is in the period, not cancelled, that have
  started (by the time of the report) or have attendance recorded;
  ``attendance``, their headcounts plus card scans (volunteers not counted);
  ``activities`` with at least one held session.
- ``dashboard_reach``: the strategy's target groups young people (code
  ``young``: age band ``under_25``) and women (``women``: gender ``woman``)
  against the centres that name them as target groups in their offer profile.
  Per group, one row for the listed centres that name it (``centres`` =
  ``named``) and one for the others (``other``): ``centre_count``,
  ``known_visits`` (visits with the attribute given, the tallies' included),
  ``group_visits`` (of them, the young's or the women's) and ``group_share``
  (group / known visits from the perturbed counts, 4 decimals, at most 1;
  empty when either count is suppressed or there are no known visits).

Counts of visits, cards and attendance are suppressed (:data:`COUNT_COLUMNS`);
the ratios are recomputed from the raw counts by :data:`RATIO_ROWS`.
"""

from __future__ import annotations

from datetime import date

from vaerested.models import AgeBand, FirstCame, Gender, Housing
from vaerested.services import partial_periods
from vaerested.services.coverage import natural_key
from vaerested.services.protection import Cell
from vaerested.services.suppression import is_suppressed, suppress

CENTRE_COLUMNS = [
    "centre",
    "district",
    "typical_daily_users",
    "open_days",
    "visits",
    "visits_per_open_day",
    "visits_vs_typical",
]
DISTRICT_COLUMNS = [
    "district",
    "centres",
    "typical_daily_users",
    "open_days",
    "visits",
    "visits_per_open_day",
    "visits_vs_typical",
]
#: Table name -> its columns, in the order of the report's files.
COLUMNS: dict[str, list[str]] = {
    "dashboard_centres": CENTRE_COLUMNS,
    "dashboard_districts": DISTRICT_COLUMNS,
    # The partial-period columns come last: the files' first columns are a contract.
    "dashboard_weeks": [
        "week",
        "centre",
        "district",
        "visits",
        *partial_periods.COLUMNS,
    ],
    "new_cards": ["month", "first_came", "cards", *partial_periods.COLUMNS],
    "housing": ["housing", "cards", "tally_visits"],
    "activity_categories": ["category", "sessions_held", "attendance", "activities"],
    "dashboard_reach": [
        "target_group",
        "centres",
        "centre_count",
        "known_visits",
        "group_visits",
        "group_share",
    ],
}
#: Table name -> its counts of visits, cards or persons (suppressed).
COUNT_COLUMNS: dict[str, list[str]] = {
    "dashboard_centres": ["visits"],
    "dashboard_districts": ["visits"],
    "dashboard_weeks": ["visits"],
    "new_cards": ["cards"],
    "housing": ["cards", "tally_visits"],
    "activity_categories": ["attendance"],
    "dashboard_reach": ["known_visits", "group_visits"],
}
TABLES = list(COLUMNS)
UNKNOWN = "unknown"
CATEGORIES = (1, 2, 3)
VIEWS = ("week", "day")
#: Target group code -> the reach dimension and value that stand for it.
REACH_GROUPS: dict[str, tuple[str, str]] = {
    "young": ("age_band", AgeBand.UNDER_25.value),
    "women": ("gender", Gender.WOMAN.value),
}


def with_ratios(row: dict, min_cell: int) -> dict:
    """Return ``row`` (raw counts) with its two ratios computed at ``min_cell``."""
    visits, days, typical = row["visits"], row["open_days"], row["typical_daily_users"]
    hidden = is_suppressed(suppress(visits, min_cell))
    per_day = "" if hidden or not days else round(visits / days, 1)
    versus = "" if per_day == "" or not typical else round(visits / days / typical, 2)
    return {**row, "visits_per_open_day": per_day, "visits_vs_typical": versus}


def with_share(row: dict, min_cell: int) -> dict:
    """Return a ``dashboard_reach`` row with ``group_share`` from its counts
    (perturbed ones when protected), empty when either is suppressed."""
    known, group = row["known_visits"], row["group_visits"]
    hidden = any(is_suppressed(suppress(n, min_cell)) for n in (known, group))
    share = "" if hidden or not known else round(min(group / known, 1.0), 4)
    return {**row, "group_share": share}


#: Table name -> function recomputing a raw row's ratios at a min-cell.
RATIO_ROWS = {
    "dashboard_centres": with_ratios,
    "dashboard_districts": with_ratios,
    "dashboard_reach": with_share,
}


def build_dashboard(session, scope, district_code) -> list:
    """Return the dashboard's raw tables (counts unsuppressed, ratios at min-cell 1)."""
    from vaerested.checkin.operations import local_tz
    from vaerested.models.base import utcnow
    from vaerested.reports.tables import dashboard_queries as dq
    from vaerested.reports.tables.table import Table

    tz = local_tz()
    totals = dq.day_totals(session, scope)
    in_scope = None if scope.centre_ids is None else set(scope.centre_ids)
    visited = {centre_id for kind, centre_id, *_ in totals if kind == "centre"}
    listed = {
        c.id: c
        for c in dq.centre_rows(session)
        if (in_scope is None or c.id in in_scope) and (c.is_active or c.id in visited)
    }
    tables = {
        "dashboard_centres": _centre_rows(listed, totals),
        "dashboard_districts": _district_rows(listed, totals),
        "dashboard_weeks": _week_rows(listed, totals, scope.start, scope.end),
        "new_cards": [
            {
                "month": m,
                "first_came": f or UNKNOWN,
                "cards": n,
                **partial_periods.month_of(m, scope.start, scope.end).columns(),
            }
            for m, f, n in sorted(
                dq.new_cards(session, scope, tz), key=lambda r: (r[0], _rank(r[1]))
            )
        ],
        "housing": _housing_rows(dq.housing_counts(session, scope)),
        "activity_categories": _activity_rows(
            dq.activity_categories(session, scope, tz, utcnow())
        ),
        "dashboard_reach": _reach_rows(
            listed,
            dq.reach_visits(session, scope),
            dq.target_group_centres(session, list(REACH_GROUPS)),
        ),
    }
    return [Table(name, list(COLUMNS[name]), rows) for name, rows in tables.items()]


def _or_empty(value):
    """Return ``value``, or "" for None (written as an empty cell, JSON null)."""
    return "" if value is None else value


def _rank(first_came: str | None) -> int:
    values = [m.value for m in FirstCame]
    return values.index(first_came) if first_came in values else len(values)


def sum_cells_by(items) -> dict:
    """Return ``key -> the sum of its counts`` from ``(key, count)`` pairs.

    The same as adding them one by one (cells add up to a cell, keys and all;
    a plain int among them gives a plain int), with one :class:`Cell` per key
    instead of one per addition: a national year has 146,000 centre days.
    """
    totals: dict = {}
    for key, n in items:
        total = totals.get(key)
        if total is None:
            total = totals[key] = [0, 0, True]
        total[0] += int(n)
        if isinstance(n, Cell):
            total[1] += n.key
        elif n != 0:
            total[2] = False
    return {
        key: Cell(n, cell_key) if keyed else n
        for key, (n, cell_key, keyed) in totals.items()
    }


def _centre_rows(listed: dict, totals: list) -> list[dict]:
    found = {
        centre_id: (days, n)
        for kind, centre_id, _key, days, n in totals
        if kind == "centre"
    }
    rows = []
    for centre_id, c in sorted(listed.items(), key=lambda item: item[1].slug):
        days, visits = found.get(centre_id, (0, 0))
        row = {
            "centre": c.slug,
            "district": c.district_code,
            "typical_daily_users": _or_empty(c.typical_daily_users),
            "open_days": days,
            "visits": visits,
        }
        rows.append(with_ratios(row, 1))
    return rows


def _district_rows(listed: dict, totals: list) -> list[dict]:
    members: dict[str, list] = {}
    for c in listed.values():
        members.setdefault(c.district_code, []).append(c)
    found = {
        code: (days, n) for kind, _c, code, days, n in totals if kind == "district"
    }
    rows = []
    for code in sorted(members, key=natural_key):
        typical = [c.typical_daily_users for c in members[code]]
        known = [t for t in typical if t is not None]
        days, visits = found.get(code, (0, 0))
        row = {
            "district": code,
            "centres": len(members[code]),
            "typical_daily_users": sum(known) if known else "",
            "open_days": days,
            "visits": visits,
        }
        rows.append(with_ratios(row, 1))
    return rows


def _week_rows(listed: dict, totals: list, start: date, end: date) -> list[dict]:
    spans: dict[str, dict] = {}  # a year has 53 weeks, not 21,000 centre weeks
    for kind, _centre_id, week, _days, _n in totals:
        if kind == "week" and week not in spans:
            spans[week] = partial_periods.week_span(
                date.fromisoformat(week), start, end
            ).columns()
    rows = [
        {
            "week": week,
            "centre": listed[centre_id].slug,
            "district": listed[centre_id].district_code,
            "visits": n,
            **spans[week],
        }
        for kind, centre_id, week, _days, n in totals
        if kind == "week"
    ]
    return sorted(rows, key=lambda r: (r["week"], r["centre"]))


def _housing_rows(counts: list[tuple]) -> list[dict]:
    rows = {
        value: {"housing": value, "cards": 0, "tally_visits": 0}
        for value in [*(m.value for m in Housing), UNKNOWN]
    }
    for kind, housing, n in counts:
        column = "cards" if kind == "cards" else "tally_visits"
        rows[housing or UNKNOWN][column] += n
    return list(rows.values())


def _activity_rows(counts: list[tuple]) -> list[dict]:
    found = {c: (held, attended, n) for c, held, attended, n in counts}
    return [
        dict(
            zip(
                COLUMNS["activity_categories"],
                (c, *found.get(c, (0, 0, 0))),
                strict=True,
            )
        )
        for c in CATEGORIES
    ]


def _reach_rows(listed: dict, counts: list[tuple], named: set) -> list[dict]:
    """Return the ``dashboard_reach`` rows (raw counts, share at min-cell 1).

    ``counts`` are :func:`~vaerested.reports.tables.dashboard_queries.reach_visits`'
    rows: each centre's visits of the period by value.
    """
    rows = []
    for code, (dimension, value) in REACH_GROUPS.items():
        for side in ("named", "other"):
            members = {
                centre_id
                for centre_id in listed
                if ((centre_id, code) in named) == (side == "named")
            }
            cells = [
                (v, n)
                for centre_id, dim, v, n in counts
                if dim == dimension and centre_id in members
            ]
            row = {
                "target_group": code,
                "centres": side,
                "centre_count": len(members),
                "known_visits": sum(n for v, n in cells if v is not None),
                "group_visits": sum(n for v, n in cells if v == value),
            }
            rows.append(with_share(row, 1))
    return rows
