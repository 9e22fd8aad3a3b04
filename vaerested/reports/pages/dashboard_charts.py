"""The dashboard page's summary figures and charts, from the report's tables.

Every chart draws the protected values of a table shown below it, except the
visits-over-time chart, whose totals per week or day (summed from the raw
cells, then protected, as on the visits page) are listed in a table of their
own. The summary figures are protected totals too.
Enum values are drawn with their translated labels; the tables keep the
export's raw values.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort
from flask_babel import gettext as _

from vaerested.extensions import db
from vaerested.labels import FIRST_CAME_LABELS, HOUSING_LABELS, category_label
from vaerested.models import FirstCame, Housing
from vaerested.reports.pages.charts import (
    Bar,
    Partial,
    bar_chart,
    nice_max,
    share_chart,
)
from vaerested.reports.tables import queries
from vaerested.reports.tables.dashboard import (
    CATEGORIES,
    UNKNOWN,
    VIEWS,
    sum_cells_by,
)
from vaerested.reports.tables.dashboard_queries import week_of
from vaerested.reports.tables.present import format_value
from vaerested.services.mobility import months
from vaerested.services.partial_periods import month_of, week_span
from vaerested.services.protection import protect
from vaerested.services.suppression import is_suppressed


def _totals(raw: dict, page, by: str) -> list[tuple[str, int | str]]:
    """Return ``(label, suppressed total)`` per week or day of the period."""
    per: dict[str, int] = {}
    if by == "week":
        per = sum_cells_by(
            (row["week"], row["visits"]) for row in raw["dashboard_weeks"].rows
        )
        first, step = week_of(page.start), 7
    else:
        from vaerested.reports.tables.build import resolve_scope

        scope = resolve_scope(
            db.session, page.start, page.end, page.centre_ids, page.district_code
        )
        for day, n in queries.daily_totals(db.session, scope):
            per[day.isoformat() if isinstance(day, date) else str(day)] = n
        first, step = page.start, 1
    labels = []
    moment = first
    while moment <= page.end:
        labels.append(moment.isoformat())
        moment += timedelta(days=step)
    return [(label, protect(per.get(label, 0), page.min_cell)) for label in labels]


def _summary(raw: dict, shown: dict, min_cell: int) -> list[tuple[str, str, int | str]]:
    """Return ``(test id, label, shown value)`` of the figures at the top."""

    def total(table: str, column: str) -> int:
        return sum(r[column] for r in raw[table].rows)

    centres = shown["dashboard_centres"].rows
    return [
        (
            "visits",
            _("Visits"),
            protect(total("dashboard_centres", "visits"), min_cell),
        ),
        (
            "centres",
            _("Centres with visits"),
            sum(1 for r in centres if r["visits"] != 0),
        ),
        (
            "cards",
            _("Cards with a visit"),
            protect(total("housing", "cards"), min_cell),
        ),
        ("new-cards", _("New cards"), protect(total("new_cards", "cards"), min_cell)),
        (
            "sessions",
            _("Activity sessions held"),
            total("activity_categories", "sessions_held"),
        ),
        (
            "attendance",
            _("Attendance at activities"),
            protect(total("activity_categories", "attendance"), min_cell),
        ),
    ]


def partial_months(start: date, end: date) -> Partial:
    """Return how a monthly chart of ``start``..``end`` marks its partial months."""
    return Partial(
        {m: month_of(m, start, end) for m, _first, _last in months(start, end)},
        _("partial month"),
        _("partial month: %(days)s of %(total)s days in the period"),
        _(
            "Hatched bars marked “partial month” have only some of their days in"
            " the period: each is drawn at its count scaled to the whole month"
            " (count × days in the month ÷ days in the period). Its title and the"
            " table give the actual count."
        ),
    )


def charts_context(raw_tables, shown_tables, page, by: str) -> dict:
    """Return the dashboard's figures and chart geometry for ``by`` (week or day)."""
    raw = {t.name: t for t in raw_tables}
    shown = {t.name: t for t in shown_tables}
    over_time = _totals(raw, page, by)
    names = page.names
    partial_weeks = (
        Partial(
            {
                label: week_span(date.fromisoformat(label), page.start, page.end)
                for label, _shown in over_time
            },
            _("partial week"),
            _("partial week: %(days)s of %(total)s days in the period"),
            _(
                "Hatched bars marked “partial week” have only some of their days in"
                " the period: each is drawn at its visits scaled to a whole week"
                " (visits × 7 ÷ days in the period), a pace to compare with the"
                " whole weeks. Its title and the table give the actual visits."
            ),
        )
        if by == "week"
        else None
    )
    centres = shown["dashboard_centres"].rows
    districts = shown["dashboard_districts"].rows
    first_came = [(m.value, str(FIRST_CAME_LABELS[m])) for m in FirstCame]
    new_cards = {
        (r["month"], r["first_came"]): r["cards"] for r in shown["new_cards"].rows
    }
    housing = shown["housing"].rows
    housing_labels = {m.value: str(HOUSING_LABELS[m]) for m in Housing}
    housing_values = {}
    for row in housing:
        for column in ("cards", "tally_visits"):
            housing_values[(row["housing"], column)] = row[column]
    activities = {r["category"]: r for r in shown["activity_categories"].rows}
    return {
        "by": by,
        "summary": _summary(raw, shown, page.min_cell),
        "sessions_held": sum(r["sessions_held"] for r in activities.values()),
        "over_time": over_time,
        "over_time_partial": {
            label: partial_weeks.detail(label)
            for label, _shown in over_time
            if partial_weeks and partial_weeks.span(label)
        },
        "time_chart": bar_chart(over_time, partial=partial_weeks),
        "centre_chart": hbar_chart(
            [
                (
                    names.centres.get(r["centre"], r["centre"]),
                    r["visits_per_open_day"],
                    r["typical_daily_users"],
                )
                for r in centres
            ]
        ),
        "district_chart": hbar_chart(
            [
                (
                    names.districts.get(r["district"], r["district"]),
                    r["visits_per_open_day"],
                    r["typical_daily_users"],
                )
                for r in districts
            ]
        ),
        "cards_chart": grouped_bar_chart(
            [
                (m, format_value(m, "month"))
                for m, _first, _last in months(page.start, page.end)
            ],
            [*first_came, (UNKNOWN, _("Unknown"))],
            new_cards,
            partial=partial_months(page.start, page.end),
        ),
        "housing_chart": grouped_bar_chart(
            [
                (r["housing"], housing_labels.get(r["housing"], _("Unknown")))
                for r in housing
            ],
            [("cards", _("Cards")), ("tally_visits", _("Visits without a card"))],
            housing_values,
        ),
        "reach_chart": share_chart(
            [(reach_label(r), r["group_share"]) for r in shown["dashboard_reach"].rows],
            width=720,
            left=240,
        ),
        "activity_chart": bar_chart(
            [
                (category_label(c), activities[c]["sessions_held"])
                for c in CATEGORIES
                if c in activities
            ]
        ),
    }


def reach_label(row: dict) -> str:
    """Return the chart label of a ``dashboard_reach`` row."""
    labels = {
        ("young", "named"): _("Young, centres naming them"),
        ("young", "other"): _("Young, other centres"),
        ("women", "named"): _("Women, centres naming them"),
        ("women", "other"): _("Women, other centres"),
    }
    return labels.get((row["target_group"], row["centres"]), row["target_group"])


# Chart layouts of the dashboard (see vaerested.reports.pages.charts for the others).


@dataclass
class HBar:
    y: float
    width: float
    label: str
    shown: int | float | str
    css: str
    #: x of the reference marker (e.g. typical daily users), or None.
    marker_x: float | None = None
    marker: int | None = None


@dataclass
class HBarChart:
    width: int
    height: int
    left: int
    bar_height: int
    bars: list[HBar] = field(default_factory=list)
    #: ``(x, label)`` of vertical grid lines.
    ticks: list[tuple[float, int]] = field(default_factory=list)


def hbar_chart(
    points: list[tuple[str, int | float | str | None, int | None]], width: int = 720
) -> HBarChart:
    """Lay out horizontal bars of ``(label, shown value, marker)`` rows, in order.

    A value of ``""`` or None (an empty ratio, e.g. of a suppressed count) is a
    short hatched stub; ``marker`` (None: none) is drawn as a vertical line
    across the bar, on the same scale.
    """
    left, right, top, bar_h, gap = 150, 20, 20, 18, 6
    chart = HBarChart(
        width=width,
        height=top + len(points) * (bar_h + gap) + 10,
        left=left,
        bar_height=bar_h,
    )
    if not points:
        return chart
    numbers = [v for _, v, _ in points if isinstance(v, int | float)]
    numbers += [m for _, _, m in points if m]
    top_value = nice_max(int(-(-max(numbers, default=0) // 1)))
    plot_w = width - left - right
    for i in range(5):
        value = top_value * i // 4
        chart.ticks.append((round(left + plot_w * value / top_value, 1), value))
    for i, (label, shown, marker) in enumerate(points):
        if isinstance(shown, int | float):
            w, css = plot_w * shown / top_value, "bar"
        else:
            w, css = 4.0, "bar suppressed"
        bar = HBar(round(top + i * (bar_h + gap), 1), round(w, 1), label, shown, css)
        if marker:
            bar.marker, bar.marker_x = (
                marker,
                round(left + plot_w * marker / top_value, 1),
            )
        chart.bars.append(bar)
    return chart


@dataclass
class GroupedBarChart:
    width: int
    height: int
    left: int
    bottom: int
    #: ``(series key, legend label, css class)`` in drawing order.
    series: list[tuple[str, str, str]]
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    partial_note: str = ""


def grouped_bar_chart(
    groups: list[tuple[str, str]],
    series: list[tuple[str, str]],
    values: dict[tuple[str, str], int | str],
    width: int = 720,
    partial: Partial | None = None,
) -> GroupedBarChart:
    """Lay out bars grouped by ``groups`` (``(key, label)``), one bar per series.

    ``values`` maps ``(group key, series key)`` to the shown count (missing: 0);
    series get the classes ``series-1`` … ``series-8`` (cycled), suppressed
    counts a short stub with ``suppressed``. With ``partial``, the bars of a
    group only partly in the period are drawn hatched at their counts scaled to
    the whole unit (as in :func:`~vaerested.reports.pages.charts.bar_chart`).
    """
    height, left, top, bottom = 240, 40, 10, 40
    chart = GroupedBarChart(
        width=width,
        height=height,
        left=left,
        bottom=height - bottom,
        series=[
            (k, label, f"series-{i % 8 + 1}") for i, (k, label) in enumerate(series)
        ],
    )
    if not groups or not series:
        return chart
    drawn = {
        (g, k): partial.height_value(g, v) if partial else v
        for (g, k), v in values.items()
    }
    numbers = [v for v in drawn.values() if not is_suppressed(v)]
    top_value = nice_max(math.ceil(max(numbers, default=0)))
    plot_h = height - top - bottom
    slot = (width - left - 10) / len(groups)
    pad = min(6.0, slot * 0.15)
    bar_w = (slot - 2 * pad) / len(series)
    for i in range(5):
        value = top_value * i // 4
        chart.ticks.append((round(top + plot_h - plot_h * value / top_value, 1), value))
    every = max(1, len(groups) // 8)
    for g, (group, group_label) in enumerate(groups):
        x0 = left + g * slot + pad
        is_partial = partial is not None and partial.span(group) is not None
        if is_partial:
            chart.partial_note = partial.note
        for s, (key, label, css) in enumerate(chart.series):
            shown = values.get((group, key), 0)
            if is_suppressed(shown):
                h, bar_css = 4.0, f"bar {css} suppressed"
            else:
                h = plot_h * drawn.get((group, key), 0) / top_value
                bar_css = f"bar {css}" + (" partial" if is_partial else "")
            chart.bars.append(
                Bar(
                    round(x0 + s * bar_w, 1),
                    round(top + plot_h - h, 1),
                    round(max(bar_w - 1, 0.5), 1),
                    round(h, 1),
                    f"{group_label}, {label}",
                    shown,
                    bar_css,
                    partial.mark if is_partial and s == 0 else "",
                    partial.detail(group) if is_partial else "",
                )
            )
        if g % every == 0:
            chart.x_labels.append((round(x0 + (slot - 2 * pad) / 2, 1), group_label))
    return chart


def dashboard_context(raw, shown, page) -> dict:
    """Return the dashboard's summary figures and charts (``?by=week|day``).

    Charts draw the suppressed values the tables show; the visits-over-time
    chart sums the raw counts per week or day and suppresses the totals.

    :raises HTTPException: 400 for an unknown ``by``.
    """
    by = page.args.get("by") or "week"
    if by not in VIEWS:
        abort(400, _("Choose to show visits by week or by day."))
    return charts_context(raw, shown, page, by)
