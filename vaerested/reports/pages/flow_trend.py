"""The FLOW report's picture, and its trend on the dashboard.

The dashboard shows the ``flow_months`` table of the FLOW report for the same
period and filter (the same protected figures as the FLOW page and files) and
a chart of the visits of those who moved out, per month.
"""

from __future__ import annotations

from vaerested.reports.pages.charts import bar_chart
from vaerested.reports.tables.build import build_report


def _chart(months_table):
    return bar_chart([(r["month"], r["flow_visits"]) for r in months_table.rows])


def flow_context(raw, shown, page) -> dict:
    """Return the FLOW page's chart: ``flow_visits`` per month."""
    months_table = next(t for t in shown if t.name == "flow_months")
    return {"flow_chart": _chart(months_table)}


def flow_trend_context(page) -> dict:
    """Return the dashboard's FLOW trend: the protected ``flow_months`` table
    of the period and filter, and its chart."""
    tables = build_report(
        "flow",
        page.start,
        page.end,
        min_cell=page.min_cell,
        centre_ids=page.centre_ids,
        district_code=page.district_code,
    )
    months_table = next(t for t in tables if t.name == "flow_months")
    return {"flow_trend": months_table, "flow_chart": _chart(months_table)}
