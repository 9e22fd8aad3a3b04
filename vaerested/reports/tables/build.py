"""Build the reports (visits, coverage, mobility, dashboard, reach, courses,
volunteers) as tables, and write them.

``build_report`` runs the aggregating queries (:mod:`vaerested.reports.tables.queries`),
combines their rows with the pure services and protects them
(:mod:`vaerested.services.protection`: cell-key perturbation, then small-cell
suppression, then the ratios from the perturbed counts; at min-cell 1 the
counts are raw).
The files are written by :func:`vaerested.exports.formats.write_report`
(CSV, Excel CSV, JSON or XLSX).

Which columns are suppressed (counts of visits or cards, i.e. of persons) is
listed in :data:`COUNT_COLUMNS`; the others are labels, numbers about the offer
(centres, target population, opening hours) or ratios. Ratios are rounded:
``mobility_index`` and ``share_multi_centre`` to 4 decimals and left empty
when either of its counts is suppressed; ``target_population_per_centre``
and the hours (``opening_hours_per_week`` and its evening and weekend
parts, ``opening_hours_per_1000_target``, ``visits_per_1000_target``) to 2
decimals; ``resident_share`` to 4 decimals and left empty when
``resident_cards`` is suppressed, as ``visits_per_1000_target`` is when
``visits`` is. Filters (centres, a district, a leader's own centres) restrict
the visits counted to those at the chosen centres, except in the mobility
report (DOMAIN.md, "Filters and mobility"): there every visit of the period
counts, each card's whole sequence at all centres, and the filter only chooses
what is shown: the matrix cells whose origin or destination is a chosen centre
(their rows and columns, the other centre named), the chosen centres' rows of
``mobility_centres`` (multi-centre counted city-wide), and as
``mobility_summary`` and ``mobility_months`` the active cards of the chosen
centres, of which multi-centre those seen at two or more centres anywhere
(see :mod:`vaerested.services.mobility`). A cell therefore has the same
figure, and the same cell key, in every view that shows it.
The dashboard's tables and ratios are defined in :mod:`vaerested.reports.tables.dashboard`,
the reach report's in :mod:`vaerested.reports.tables.reach`, the FLOW
report's in :mod:`vaerested.reports.tables.flow`, the outreach and
volunteering report's in :mod:`vaerested.reports.tables.volunteers`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vaerested.extensions import db
from vaerested.models import Centre, District
from vaerested.reports.tables import (
    courses,
    dashboard,
    flow,
    queries,
    reach,
    volunteers,
)
from vaerested.reports.tables.queries import Scope
from vaerested.reports.tables.table import Table
from vaerested.services import coverage, mobility
from vaerested.services.protection import cell, perturb_rows
from vaerested.services.suppression import suppress_rows

#: Report name -> the names of its tables (files are ``<name>.csv`` / ``.json``;
#: XLSX puts them as sheets into one ``<report>.xlsx``).
REPORTS: dict[str, list[str]] = {
    "visits": ["visits"],
    "coverage": ["coverage", "coverage_centres", "flows"],
    "mobility": [
        "mobility_matrix",
        "mobility_centres",
        "mobility_summary",
        "mobility_months",
    ],
    "dashboard": dashboard.TABLES,
    "reach": reach.TABLES,
    "courses": courses.TABLES,
    "flow": flow.TABLES,
    "volunteers": volunteers.TABLES,
}
#: File formats of an export (``csv_da``: the "Excel (dansk)" CSV; see
#: docs/exports.md).
FORMATS = ("csv", "csv_da", "xlsx", "json")

VISITS_COLUMNS = ["date", "centre", "visits", "card_visits", "tally_visits"]

#: Table name -> its columns.
COLUMNS: dict[str, list[str]] = {
    "visits": VISITS_COLUMNS,
    "coverage": coverage.COVERAGE_COLUMNS,
    "coverage_centres": coverage.CENTRE_COLUMNS,
    "flows": coverage.FLOW_COLUMNS,
    "mobility_matrix": mobility.MATRIX_COLUMNS,
    "mobility_centres": mobility.CENTRE_COLUMNS,
    "mobility_summary": mobility.SUMMARY_COLUMNS,
    "mobility_months": mobility.MONTH_COLUMNS,
    **dashboard.COLUMNS,
    **reach.COLUMNS,
    **courses.COLUMNS,
    **flow.COLUMNS,
    **volunteers.COLUMNS,
}
#: Table name -> its columns that count visits or cards (suppressed).
COUNT_COLUMNS: dict[str, list[str]] = {
    "visits": ["visits", "card_visits", "tally_visits"],
    "coverage": coverage.COVERAGE_COUNTS,
    "coverage_centres": coverage.CENTRE_COUNTS,
    "flows": coverage.FLOW_COUNTS,
    "mobility_matrix": mobility.MATRIX_COUNTS,
    "mobility_centres": mobility.CENTRE_COUNTS,
    "mobility_summary": mobility.SUMMARY_COUNTS,
    "mobility_months": mobility.MONTH_COUNTS,
    **dashboard.COUNT_COLUMNS,
    **reach.COUNT_COLUMNS,
    **courses.COUNT_COLUMNS,
    **flow.COUNT_COLUMNS,
    **volunteers.COUNT_COLUMNS,
}


class ReportError(ValueError):
    """Bad report input: unknown report or district, bad period or min-cell."""


def report_of(tables: Iterable[Table]) -> str:
    """Return the report name whose tables these are."""
    names = [t.name for t in tables]
    for report, table_names in REPORTS.items():
        if names and set(names) <= set(table_names):
            return report
    raise ReportError(f"unknown tables: {names}")


def check_input(name: str, start: date, end: date, min_cell: int) -> None:
    """Raise :class:`ReportError` for an unknown report, a bad period or min-cell."""
    if name not in REPORTS:
        raise ReportError(
            f"unknown report {name!r}: choose one of {', '.join(REPORTS)}"
        )
    if not isinstance(start, date) or not isinstance(end, date):
        raise ReportError("the period needs a start and an end date")
    if start > end:
        raise ReportError(f"the period starts ({start}) after it ends ({end})")
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise ReportError(f"min-cell must be a whole number >= 1, not {min_cell!r}")


def resolve_scope(
    session: Session,
    start: date,
    end: date,
    centre_ids: list[int] | None,
    district_code: str | None,
) -> Scope:
    """Return the :class:`Scope`; a district narrows it to centres located there."""
    ids = None if centre_ids is None else {int(i) for i in centre_ids}
    if district_code is not None:
        district_id = session.scalar(
            select(District.id).where(District.code == district_code)
        )
        if district_id is None:
            raise ReportError(f"unknown district {district_code!r}")
        located = set(
            session.scalars(select(Centre.id).where(Centre.district_id == district_id))
        )
        ids = located if ids is None else ids & located
    return Scope(start, end, None if ids is None else tuple(sorted(ids)))


def build_report(
    name: str,
    start: date,
    end: date,
    *,
    min_cell: int,
    centre_ids: list[int] | None = None,
    district_code: str | None = None,
    suppress: bool = True,
    session: Session | None = None,
    page_rows: int | None = None,
) -> list[Table]:
    """Return the tables of report ``name`` over ``start``..``end`` (inclusive).

    With ``suppress=False`` the counts are raw cells (counts with their cell
    keys, for pages that aggregate them further); :func:`protect_tables`
    protects them afterwards. With ``page_rows``, a report that can list the
    first rows of its table without the rest (visits) returns only those, its
    ``total_rows`` the count of them all; the others return every row.

    :raises ReportError: on an unknown report or district, a bad period or min-cell.
    """
    check_input(name, start, end, min_cell)
    session = session or db.session
    scope = resolve_scope(session, start, end, centre_ids, district_code)
    _report_settings(session)
    if page_rows is not None and name in _PAGE_BUILDERS:
        tables = _PAGE_BUILDERS[name](session, scope, page_rows)
    else:
        tables = _BUILDERS[name](session, scope, district_code)
    return protect_tables(tables, min_cell) if suppress else tables


def _report_settings(session: Session) -> None:
    """Give this transaction's report queries ``REPORT_WORK_MEM`` and
    ``REPORT_JIT`` on PostgreSQL.

    ``set_config(…, true)`` is ``SET LOCAL``: it ends with the transaction.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    work_mem = current_app.config.get("REPORT_WORK_MEM")
    jit = current_app.config.get("REPORT_JIT")
    settings = {}
    if work_mem:
        settings["work_mem"] = str(work_mem)
    if jit is not None:
        settings["jit"] = "on" if jit else "off"
    if settings:
        session.execute(
            select(*(func.set_config(k, v, True) for k, v in settings.items()))
        )


def protect_tables(tables: list[Table], min_cell: int) -> list[Table]:
    """Return copies of raw ``tables`` with their counts protected at ``min_cell``.

    Counts are perturbed by their cell keys (not at min-cell 1), ratios
    (the mobility index, per-1,000, per open day) are recomputed from the
    perturbed counts, so they are empty exactly when a count they use is
    suppressed; then the counts 1 to ``min_cell - 1`` are suppressed.
    """
    out = []
    for table in tables:
        rows = perturb_rows(table.rows, COUNT_COLUMNS[table.name], min_cell)
        if table.name == "mobility_summary":
            rows = [
                mobility.summary_rows(
                    r["active_cards"], r["multi_centre_cards"], min_cell
                )[0]
                for r in rows
            ]
        elif table.name in _RATIO_ROWS:
            rows = [_RATIO_ROWS[table.name](r, min_cell) for r in rows]
        rows = suppress_rows(rows, COUNT_COLUMNS[table.name], min_cell)
        out.append(replace(table, rows=rows, min_cell=min_cell))
    return out


#: The former name: suppression alone is no longer offered.
suppress_tables = protect_tables


def _centre_slugs(session: Session) -> dict[int, str]:
    return {row.id: row.slug for row in queries.centre_table(session)}


def _build_visits(session: Session, scope: Scope, district_code) -> list[Table]:
    slugs = _centre_slugs(session)
    # In the query's order: by day and slug.
    rows = [
        _visits_row(day, slugs[centre_id], total, with_card)
        for day, centre_id, total, with_card in queries.daily_visits(session, scope)
    ]
    return [Table("visits", list(VISITS_COLUMNS), rows)]


def _visits_row(day, centre: str, total, with_card) -> dict:
    return {
        "date": day.isoformat(),
        "centre": centre,
        "visits": total,
        "card_visits": with_card,
        "tally_visits": total - with_card,
    }


def _build_visits_page(session: Session, scope: Scope, page_rows: int) -> list[Table]:
    raw = queries.daily_visit_rows(session, scope)
    slugs = _centre_slugs(session)
    rows = [
        _visits_row(day, slugs[centre_id], cell(n, n_k), cell(c, c_k))
        for day, centre_id, n, n_k, c, c_k in raw[:page_rows]
    ]
    return [Table("visits", list(VISITS_COLUMNS), rows, total_rows=len(raw))]


def _build_coverage(session: Session, scope: Scope, district_code) -> list[Table]:
    district_rows = queries.district_table(session)
    code_of = {d.id: d.code for d in district_rows}
    wanted = sorted(
        (d for d in district_rows if district_code in (None, d.code)),
        key=lambda d: coverage.natural_key(d.code),
    )
    hours: dict[int, list] = {}
    for centre_id, weekday, opens, closes in queries.opening_intervals(session):
        hours.setdefault(centre_id, []).append((weekday, opens, closes))
    in_scope = set(scope.centre_ids) if scope.centre_ids is not None else None
    centre_rows = queries.centre_table(session)
    centre_infos = [
        coverage.CentreInfo(
            c.district_code,
            c.is_active,
            c.is_cat1,
            c.is_cat2,
            c.is_cat3,
            hours.get(c.id, ()),
            c.slug,
            c.lat,
            c.lon,
            c.typical_daily_users,
        )
        for c in centre_rows
        if in_scope is None or c.id in in_scope
    ]
    slugs = {c.id: c.slug for c in centre_rows}
    # One scan of the period's visits gives the per-district and per-centre counts.
    aggregates = queries.coverage_aggregates(session, scope)
    per_centre = {slugs[c]: (n, cards) for c, _, cards, n in aggregates["centre"]}
    per_district = {code_of[d]: (n, cards) for d, _, cards, n in aggregates["district"]}
    residents = {code_of[d]: cards for d, _, cards, _ in aggregates["resident"]}
    rows = coverage.coverage_rows(
        [coverage.DistrictInfo(d.code, d.target_population) for d in wanted],
        centre_infos,
        per_district,
        residents,
    )
    geometries = {}
    for d in wanted:
        if d.boundary_geojson:
            try:
                geometries[d.code] = json.loads(d.boundary_geojson)
            except ValueError:
                continue  # a broken boundary leaves the district off the map
    flow_rows = coverage.flow_rows(
        (code_of.get(home) if home is not None else None, code_of[there], cards, n)
        for home, there, cards, n in aggregates["flow"]
    )
    return [
        Table("coverage", list(coverage.COVERAGE_COLUMNS), rows, geometries),
        Table(
            "coverage_centres",
            list(coverage.CENTRE_COLUMNS),
            coverage.centre_rows(centre_infos, per_centre),
        ),
        Table("flows", list(coverage.FLOW_COLUMNS), flow_rows),
    ]


def _build_mobility(session: Session, scope: Scope, district_code) -> list[Table]:
    slugs = _centre_slugs(session)
    ranks = {centre_id: n for n, centre_id in enumerate(sorted(slugs, key=slugs.get))}
    matrix = sorted(
        (
            {
                "from_centre": slugs[a],
                "to_centre": slugs[b],
                "cards": cards,
                "transitions": n,
            }
            for a, b, cards, n in queries.mobility_matrix(session, scope, ranks)
        ),
        key=lambda r: (r["from_centre"], r["to_centre"]),
    )
    per_centre_rows, (active, multi) = queries.mobility_counts(session, scope)
    per_centre = sorted(
        (mobility.centre_row(slugs[c], a, m, 1) for c, a, m in per_centre_rows),
        key=lambda r: r["centre"],
    )
    return [
        Table("mobility_matrix", list(mobility.MATRIX_COLUMNS), matrix),
        Table("mobility_centres", list(mobility.CENTRE_COLUMNS), per_centre),
        Table(
            "mobility_summary",
            list(mobility.SUMMARY_COLUMNS),
            mobility.summary_rows(active, multi, 1),
        ),
        Table(
            "mobility_months",
            list(mobility.MONTH_COLUMNS),
            _mobility_months(session, scope),
        ),
    ]


def _mobility_months(session: Session, scope: Scope) -> list[dict]:
    """Return the raw mobility_months rows: each calendar month of the scope's
    period (clipped to it) counted on its own, as the summary is for the period."""
    ends = {
        month: (first, last)
        for month, first, last in mobility.months(scope.start, scope.end)
    }
    return [
        mobility.month_row(month, *ends[month], active, multi, 1)
        for month, active, multi in queries.mobility_months(session, scope)
    ]


#: Table name -> function recomputing a raw row's ratio at a min-cell.
_RATIO_ROWS = {
    "coverage": coverage.shown_ratios,
    "mobility_centres": lambda r, min_cell: mobility.centre_row(
        r["centre"], r["active_cards"], r["multi_centre_cards"], min_cell
    ),
    "mobility_months": lambda r, min_cell: mobility.month_row(
        r["month"],
        date.fromisoformat(r["start"]),
        date.fromisoformat(r["end"]),
        r["active_cards"],
        r["multi_centre_cards"],
        min_cell,
    ),
    **dashboard.RATIO_ROWS,
}


#: Reports whose page can be built from the first rows of their table alone.
_PAGE_BUILDERS = {"visits": _build_visits_page}

_BUILDERS = {
    "visits": _build_visits,
    "coverage": _build_coverage,
    "mobility": _build_mobility,
    "dashboard": dashboard.build_dashboard,
    "reach": reach.build_reach,
    "courses": courses.build_courses,
    "flow": flow.build_flow,
    "volunteers": volunteers.build_volunteers,
}
