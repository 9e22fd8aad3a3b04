"""The reach page's charts: visits by age band and by gender per centre.

Each chart draws a centre's visits of the whole period per value: the raw
cells of its months are summed (visit cells add up, keys and all), then
protected at the page's min-cell, and listed in a table of the chart's
numbers beside it. The report's tables below show the months themselves.
Values are drawn with their translated labels; the tables keep the codes.
"""

from flask_babel import gettext as _

from vaerested.labels import AGE_BAND_LABELS, GENDER_LABELS
from vaerested.models import AgeBand, Gender
from vaerested.reports.pages.dashboard_charts import grouped_bar_chart
from vaerested.reports.tables.reach import DIMENSIONS
from vaerested.services.protection import protect


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
        out[dim] = {
            "values": values,
            "rows": [
                (slug, [shown_totals.get((slug, v), 0) for v, _label in values])
                for slug in slugs
            ],
            # Wider with many centres, so their names under the axis stay apart.
            "chart": grouped_bar_chart(
                [(slug, page.names.centres.get(slug, slug)) for slug in slugs],
                values,
                shown_totals,
                width=max(720, 60 * len(slugs)),
            ),
        }
    return {"reach": out}
