"""The reach page's charts: visits by age band and by gender per centre.

Each chart draws a centre's visits of the whole period per value: the raw
cells of its months are summed (visit cells add up, keys and all), then
protected at the page's min-cell, and listed in a table of the chart's
numbers beside it. The report's tables below show the months themselves.
Values are drawn with their translated labels; the tables keep the codes.
With more than :data:`CHART_MAX_CENTRES` centres a chart draws the busiest
(the filter's first) and says so; the table lists them all.
"""

from flask_babel import gettext as _

from vaerested.labels import AGE_BAND_LABELS, GENDER_LABELS
from vaerested.models import AgeBand, Gender
from vaerested.reports.pages.dashboard_charts import grouped_bar_chart
from vaerested.reports.pages.pictures import busiest, shown_count
from vaerested.reports.tables.reach import DIMENSIONS
from vaerested.services.protection import protect

#: The most centres a chart draws (a national year has 400: 2,400 bars on a
#: chart 24,000 px wide); the table of the chart's numbers lists every centre.
CHART_MAX_CENTRES = 40


def drawn_centres(
    slugs: list[str], totals: dict, shown: frozenset[str] | None, limit: int
) -> list[str]:
    """Return the centres a chart draws, in ``slugs``' order: every centre, or
    with more than ``limit`` the filter's centres first, then those with the
    most shown visits (suppressed counts as 0; ties by slug)."""
    if len(slugs) <= limit:
        return slugs
    volume = dict.fromkeys(slugs, 0)
    for (slug, _value), n in totals.items():
        volume[slug] += shown_count(n)
    chosen = set(busiest(volume, shown, limit))
    return [s for s in slugs if s in chosen]


def value_labels() -> dict[str, list[tuple[str, str]]]:
    """Return dimension -> ``(value, translated label)`` in the report's order."""
    labels = {
        **{m.value: str(AGE_BAND_LABELS[m]) for m in AgeBand},
        **{m.value: str(GENDER_LABELS[m]) for m in Gender},
    }
    return {
        dim: [(v, labels.get(v) or _("Unknown")) for v in values]
        for dim, values in DIMENSIONS.items()
    }


def reach_context(raw, shown, page) -> dict:
    """Return, per dimension, the protected visits per centre and value of the
    period (``rows``: ``(centre, [shown per value])``) and their chart."""
    centres = {t.name: t for t in raw}["reach_centres"].rows
    slugs = sorted({r["centre"] for r in centres})
    out = {}
    for dim, values in value_labels().items():
        totals: dict[tuple[str, str], int] = {}
        for r in centres:
            if r["dimension"] == dim:
                key = (r["centre"], r["value"])
                totals[key] = totals.get(key, 0) + r["visits"]
        shown_totals = {
            key: protect(total, page.min_cell) for key, total in totals.items()
        }
        drawn = drawn_centres(slugs, shown_totals, page.shown, CHART_MAX_CENTRES)
        out[dim] = {
            "values": values,
            "rows": [
                (slug, [shown_totals.get((slug, v), 0) for v, _label in values])
                for slug in slugs
            ],
            # Wider with many centres, so their names under the axis stay apart.
            "chart": grouped_bar_chart(
                [(slug, page.names.centres.get(slug, slug)) for slug in drawn],
                values,
                shown_totals,
                width=max(720, 60 * len(drawn)),
            ),
            "drawn": len(drawn) if len(drawn) < len(slugs) else None,
            "total": len(slugs),
        }
    return {"reach": out}
