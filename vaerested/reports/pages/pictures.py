"""The mobility page's pictures, and the coverage page's flows matrix.

Everything here is drawn from the suppressed tables the page shows (and the
files contain), so a picture never shows a number its table does not:

- the centre-to-centre heat map of ``mobility_matrix``;
- the strongest links: the :data:`TOP_LINKS` matrix cells with the most
  transitions, each a directed curve A → B (A → B and B → A are separate
  links); suppressed cells are never drawn;
- the mobility index month by month (``mobility_months``);
- per centre the share of its cards also seen elsewhere (``mobility_centres``);
- under a filter (a leader's own centre, chosen centres, a district), per
  shown centre where its visitors also go and come from: its row and column of
  the matrix, the other centres named (:func:`centre_connections`), with its
  share of multi-centre cards, all computed city-wide (DOMAIN.md, "Filters and
  mobility");
- the home district × centre district matrix of the coverage report's
  ``flows`` (:func:`flows_matrix`, a template global used by
  ``reports/_flows.html``).
"""

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _

from vaerested.reports.pages.charts import (
    Partial,
    heat_class,
    heatmap,
    line_chart,
    link_diagram,
    share_chart,
)
from vaerested.reports.tables.build import Table
from vaerested.reports.tables.present import Names, cell_value, format_value
from vaerested.services.coverage import natural_key
from vaerested.services.mobility import months as months_of
from vaerested.services.partial_periods import month_of
from vaerested.services.suppression import is_suppressed

#: How many centre pairs the diagram of the strongest links draws.
TOP_LINKS = 12
#: Most centres the heat map draws (a national deployment has hundreds: a
#: 400 × 400 grid is 160,000 cells, megabytes of SVG nobody can read). With
#: more, it draws the centres with the most transitions (:func:`heat_centres`).
HEAT_MAX_CENTRES = 40
#: Most rows of the matrix table on the page; with more, the page lists the
#: cells with the most transitions and the downloads hold every cell.
MATRIX_PAGE_ROWS = 500
LINK_COLUMNS = ["from_centre", "to_centre", "transitions", "cards"]
#: Columns of a shown centre's connections table (one row per other centre;
#: ``other_centre`` holds its slug, the page shows its name).
CONNECTION_COLUMNS = [
    "other_centre",
    "cards_to",
    "transitions_to",
    "cards_from",
    "transitions_from",
]


@dataclass
class Connections:
    """Where one centre's visitors also go and come from (protected figures)."""

    slug: str
    name: str
    #: The centre's ``mobility_centres`` row (None: no card visits in the period).
    row: dict | None
    table: Table


def centre_connections(
    slug: str, matrix: list[dict], centres_row: dict | None, names: Names
) -> Connections:
    """Return centre ``slug``'s row and column of the (protected) ``matrix``.

    One row per other centre with a transition to or from ``slug``, its slug
    in ``other_centre`` (the page shows its name, as every table does through
    :mod:`~vaerested.reports.tables.present`), ordered by name:
    ``cards_to``/``transitions_to`` are the
    cell ``slug -> other``, ``cards_from``/``transitions_from`` the cell
    ``other -> slug``; a cell without transitions is 0 (under a filter every
    cell with ``slug`` at one end is shown, so a missing one is none).
    """
    to = {r["to_centre"]: r for r in matrix if r["from_centre"] == slug}
    back = {r["from_centre"]: r for r in matrix if r["to_centre"] == slug}
    centres = names.centres
    others = sorted(set(to) | set(back), key=lambda s: (centres.get(s, s), s))
    rows = [
        {
            "other_centre": other,
            "cards_to": to[other]["cards"] if other in to else 0,
            "transitions_to": to[other]["transitions"] if other in to else 0,
            "cards_from": back[other]["cards"] if other in back else 0,
            "transitions_from": back[other]["transitions"] if other in back else 0,
        }
        for other in others
    ]
    table = Table(f"mobility_connections_{slug}", list(CONNECTION_COLUMNS), rows)
    return Connections(slug, centres.get(slug, slug), centres_row, table)


def strongest_links(matrix: list[dict], limit: int = TOP_LINKS) -> list[dict]:
    """Return the ``limit`` matrix rows with the most (shown) transitions.

    Suppressed and zero cells are left out; ties go by from and to centre.
    """
    shown = [
        r
        for r in matrix
        if not is_suppressed(r["transitions"]) and r["transitions"] > 0
    ]
    shown.sort(key=lambda r: (-r["transitions"], r["from_centre"], r["to_centre"]))
    return [{c: r[c] for c in LINK_COLUMNS} for r in shown[:limit]]


def shown_count(value) -> int:
    """Return a protected count as a number to rank by (suppressed: 0)."""
    return 0 if is_suppressed(value) or value == "" else int(value)


def heat_centres(
    matrix: list[dict],
    shown: frozenset[str] | None = None,
    limit: int | None = None,
) -> list[str] | None:
    """Return the slugs the heat map draws, or None when it draws every centre.

    With more than ``limit`` centres in the (protected) ``matrix``: the centres
    of the filter (``shown``, by slug) first, then those with the most shown
    transitions in and out (suppressed cells count 0; ties by slug), ``limit``
    in all (default :data:`HEAT_MAX_CENTRES`). The cells drawn are cells of
    the table, never new figures.
    """
    limit = HEAT_MAX_CENTRES if limit is None else limit
    volume: dict[str, int] = {}
    for r in matrix:
        count = shown_count(r["transitions"])
        for slug in (r["from_centre"], r["to_centre"]):
            volume[slug] = volume.get(slug, 0) + count
    if len(volume) <= limit:
        return None
    return busiest(volume, shown, limit)


def busiest(
    volume: dict[str, int], shown: frozenset[str] | None, limit: int
) -> list[str]:
    """Return ``limit`` slugs of ``volume`` (slug -> shown count): those of the
    filter (``shown``) first, by slug, then the rest by most volume (ties by
    slug). A picture that cannot draw every centre draws these."""
    first = sorted(s for s in volume if shown is not None and s in shown)[:limit]
    chosen = set(first)
    rest = sorted((s for s in volume if s not in chosen), key=lambda s: (-volume[s], s))
    return first + rest[: limit - len(first)]


def matrix_page_table(table: Table, limit: int | None = None) -> Table:
    """Return the matrix table as the page lists it: every row, or with more
    than ``limit`` the ``limit`` cells with the most shown transitions (ties by
    from and to centre; suppressed cells last). The downloads hold every row.
    ``limit`` defaults to :data:`MATRIX_PAGE_ROWS`."""
    limit = MATRIX_PAGE_ROWS if limit is None else limit
    if len(table.rows) <= limit:
        return table
    rows = sorted(
        table.rows,
        key=lambda r: (
            -shown_count(r["transitions"]),
            is_suppressed(r["transitions"]),
            r["from_centre"],
            r["to_centre"],
        ),
    )
    return replace(table, rows=rows[:limit])


def _partial_months(page) -> Partial:
    """Return how the mobility index chart marks months partly in the period."""
    return Partial(
        {
            m: month_of(m, page.start, page.end)
            for m, _first, _last in months_of(page.start, page.end)
        },
        _("partial month"),
        _("partial month: %(days)s of %(total)s days in the period"),
        _(
            "A hollow point is a partial month: only some of its days are in the"
            " period. The index is a share of that month's cards, so it is not"
            " scaled, but it rests on fewer days."
        ),
    )


def mobility_context(raw, shown, page) -> dict:
    """Return the mobility page's charts, drawn from the suppressed tables.

    The pictures name the centres (the tables keep their slugs) and write the
    months for the page's locale.
    """
    tables = {t.name: t for t in shown}
    matrix = tables["mobility_matrix"].rows
    centres = page.names.centres

    def name(slug: str) -> str:
        return centres.get(slug, slug)

    drawn = heat_centres(matrix, page.shown)
    heat_matrix = matrix
    if drawn is not None:
        keep = set(drawn)
        heat_matrix = [
            r for r in matrix if r["from_centre"] in keep and r["to_centre"] in keep
        ]
    labels = sorted(
        {name(r["from_centre"]) for r in heat_matrix}
        | {name(r["to_centre"]) for r in heat_matrix}
    )
    values = {
        (name(r["from_centre"]), name(r["to_centre"])): r["transitions"]
        for r in heat_matrix
    }
    matrix_table = matrix_page_table(tables["mobility_matrix"])
    links = strongest_links(matrix)
    months = [
        (format_value(r["month"], "month"), r["mobility_index"])
        for r in tables["mobility_months"].rows
    ]
    shares = [
        (name(r["centre"]), r["share_multi_centre"])
        for r in tables["mobility_centres"].rows
    ]
    per_centre = {r["centre"]: r for r in tables["mobility_centres"].rows}
    shown_slugs = None if page.shown is None else sorted(page.shown)
    connections = [
        centre_connections(slug, matrix, per_centre.get(slug), page.names)
        for slug in shown_slugs or ()
    ]
    # The heat map is labelled with names: so is its filter.
    heat_shown = None if page.shown is None else {name(s) for s in page.shown}
    return {
        "heat": heatmap(labels, values, heat_shown) if labels else None,
        # Centres in the matrix, and how many the heat map draws (None: all).
        "heat_total": len(
            {r["from_centre"] for r in matrix} | {r["to_centre"] for r in matrix}
        ),
        "heat_drawn": None if drawn is None else len(labels),
        "matrix_table": matrix_table,
        "matrix_rows": len(matrix),
        "connections": connections,
        "filtered": page.shown is not None,
        "links": (
            link_diagram(
                # Every centre on the circle, or with more than the heat map
                # draws, only the ends of the links (400 nodes are a blur).
                labels
                if drawn is None
                else sorted(
                    {name(r["from_centre"]) for r in links}
                    | {name(r["to_centre"]) for r in links}
                ),
                [
                    (
                        name(r["from_centre"]),
                        name(r["to_centre"]),
                        r["transitions"],
                        r["cards"],
                    )
                    for r in links
                ],
            )
            if links
            else None
        ),
        "links_table": Table("mobility_links", list(LINK_COLUMNS), links),
        "top_links": TOP_LINKS,
        "index_chart": (
            line_chart(months, partial=_partial_months(page))
            if any(v != "" for _, v in months)
            else None
        ),
        "share_chart": share_chart(shares) if shares else None,
    }


@dataclass
class FlowCell:
    #: The shown card count ("" when no visit went from that home to there).
    shown: int | str
    css: str
    title: str


@dataclass
class FlowsMatrix:
    #: Home districts (rows), "unknown" last, and centre districts (columns).
    homes: list[str] = field(default_factory=list)
    centres: list[str] = field(default_factory=list)
    #: Their names as the page shows them (district code -> name, "Unknown").
    home_names: list[str] = field(default_factory=list)
    centre_names: list[str] = field(default_factory=list)
    #: One list of cells per home district, in column order.
    cells: list[list[FlowCell]] = field(default_factory=list)


def flows_matrix(flows_table: Table | None, names: Names | None = None) -> FlowsMatrix:
    """Return the flows rows as a home district × centre district matrix of cards.

    Cells hold the suppressed ``cards`` of the row (``<5`` stays ``<5``) and
    are shaded ``heat-1`` … ``heat-5`` relative to the largest shown count;
    a pair without any row is blank (``heat-none``).
    """
    matrix = FlowsMatrix()
    if flows_table is None or not flows_table.rows:
        return matrix
    rows = flows_table.rows
    for r in rows:  # the table is ordered by home district, "unknown" last
        if r["home_district"] not in matrix.homes:
            matrix.homes.append(r["home_district"])
    matrix.centres = sorted({r["centre_district"] for r in rows}, key=natural_key)
    names = names or Names()
    matrix.home_names = [
        cell_value("flows", "home_district", h, names) for h in matrix.homes
    ]
    matrix.centre_names = [
        cell_value("flows", "centre_district", c, names) for c in matrix.centres
    ]
    found = {(r["home_district"], r["centre_district"]): r for r in rows}
    numbers = [r["cards"] for r in rows if not is_suppressed(r["cards"])]
    top = max(numbers, default=0)
    for home, home_name in zip(matrix.homes, matrix.home_names, strict=True):
        line = []
        for there, there_name in zip(matrix.centres, matrix.centre_names, strict=True):
            row = found.get((home, there))
            if row is None:
                line.append(FlowCell("", "heat-none", f"{home_name} → {there_name}: 0"))
                continue
            cards = row["cards"]
            css = heat_class(cards, top)
            title = _(
                "%(home)s → %(there)s: %(cards)s cards, %(visits)s visits",
                home=home_name,
                there=there_name,
                cards=format_value(cards, "int"),
                visits=format_value(row["visits"], "int"),
            )
            line.append(FlowCell(cards, css, title))
        matrix.cells.append(line)
    return matrix
