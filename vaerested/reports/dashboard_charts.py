"""The dashboard page's summary figures and charts, from the report's tables.

Every chart draws the suppressed values of a table shown below it, except the
visits-over-time chart, whose totals per week or day (summed from raw counts,
then suppressed, as on the visits page) are listed in a table of their own.
Enum values are drawn with their translated labels; the tables keep the
export's raw values.
"""

from datetime import date, timedelta

from flask_babel import gettext as _

from vaerested.checkin.forms import FIRST_CAME_LABELS, HOUSING_LABELS
from vaerested.extensions import db
from vaerested.models import FirstCame, Housing
from vaerested.reports import queries
from vaerested.reports.charts import bar_chart, grouped_bar_chart, hbar_chart
from vaerested.reports.dashboard import CATEGORIES, UNKNOWN, week_of
from vaerested.services.mobility import months
from vaerested.services.suppression import suppress


def _totals(raw: dict, page, by: str) -> list[tuple[str, int | str]]:
    """Return ``(label, suppressed total)`` per week or day of the period."""
    per: dict[str, int] = {}
    if by == "week":
        for row in raw["dashboard_weeks"].rows:
            per[row["week"]] = per.get(row["week"], 0) + row["visits"]
        first, step = week_of(page.start), 7
    else:
        from vaerested.reports.build import resolve_scope

        scope = resolve_scope(
            db.session, page.start, page.end, page.centre_ids, page.district_code
        )
        for day, _centre, n, _cards in queries.daily_visits(db.session, scope):
            key = day.isoformat() if isinstance(day, date) else str(day)
            per[key] = per.get(key, 0) + n
        first, step = page.start, 1
    labels = []
    moment = first
    while moment <= page.end:
        labels.append(moment.isoformat())
        moment += timedelta(days=step)
    return [(label, suppress(per.get(label, 0), page.min_cell)) for label in labels]


def _summary(raw: dict, min_cell: int) -> list[tuple[str, str, int | str]]:
    """Return ``(test id, label, shown value)`` of the figures at the top."""

    def total(table: str, column: str) -> int:
        return sum(r[column] for r in raw[table].rows)

    centres = raw["dashboard_centres"].rows
    return [
        (
            "visits",
            _("Visits"),
            suppress(total("dashboard_centres", "visits"), min_cell),
        ),
        (
            "centres",
            _("Centres with visits"),
            sum(1 for r in centres if r["visits"] > 0),
        ),
        (
            "cards",
            _("Cards with a visit"),
            suppress(total("housing", "cards"), min_cell),
        ),
        ("new-cards", _("New cards"), suppress(total("new_cards", "cards"), min_cell)),
        (
            "sessions",
            _("Activity sessions held"),
            total("activity_categories", "sessions_held"),
        ),
        (
            "attendance",
            _("Attendance at activities"),
            suppress(total("activity_categories", "attendance"), min_cell),
        ),
    ]


def category_label(category: int) -> str:
    """Return the translated name of a category of offer."""
    return _("Category %(n)s", n=category)


def charts_context(raw_tables, shown_tables, page, by: str) -> dict:
    """Return the dashboard's figures and chart geometry for ``by`` (week or day)."""
    raw = {t.name: t for t in raw_tables}
    shown = {t.name: t for t in shown_tables}
    over_time = _totals(raw, page, by)
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
        "summary": _summary(raw, page.min_cell),
        "sessions_held": sum(r["sessions_held"] for r in activities.values()),
        "over_time": over_time,
        "time_chart": bar_chart(over_time),
        "centre_chart": hbar_chart(
            [
                (r["centre"], r["visits_per_open_day"], r["typical_daily_users"])
                for r in centres
            ]
        ),
        "district_chart": hbar_chart(
            [
                (r["district"], r["visits_per_open_day"], r["typical_daily_users"])
                for r in districts
            ]
        ),
        "cards_chart": grouped_bar_chart(
            [(m, m) for m, _first, _last in months(page.start, page.end)],
            [*first_came, (UNKNOWN, _("Unknown"))],
            new_cards,
        ),
        "housing_chart": grouped_bar_chart(
            [
                (r["housing"], housing_labels.get(r["housing"], _("Unknown")))
                for r in housing
            ],
            [("cards", _("Cards")), ("tally_visits", _("Visits without a card"))],
            housing_values,
        ),
        "activity_chart": bar_chart(
            [
                (category_label(c), activities[c]["sessions_held"])
                for c in CATEGORIES
                if c in activities
            ]
        ),
    }
