"""Geometry of the server-rendered SVG charts (no JavaScript, no inline styles).

The templates draw what these functions return; colours come from CSS classes
in ``static/css/reports.css``. Every chart is shown next to a table of its
numbers, so the values drawn here are the suppressed ones the table shows; a
suppressed bar is drawn as a short hatched stub, not at a guessed height.
A week or month only partly inside the period (see
:mod:`vaerested.services.partial_periods`) is drawn hatched at its count
scaled to the whole unit, marked with a note ("partial week"); its title and
table keep the actual count.
"""

import math
from collections.abc import Collection
from dataclasses import dataclass, field

from flask_babel import gettext as _

from vaerested.reports.tables.present import format_value
from vaerested.services.mobility import cell_shown
from vaerested.services.partial_periods import Span, scaled
from vaerested.services.suppression import is_suppressed


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    shown: int | str
    css: str
    #: A partial unit's mark written above its bar (e.g. "partial week"), or "".
    note: str = ""
    #: A partial unit's days, added to the bar's title after its label, or "".
    detail: str = ""


@dataclass
class BarChart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    #: ``(y, label)`` of horizontal grid lines.
    ticks: list[tuple[float, int]] = field(default_factory=list)
    #: ``(x, label)`` of the dates written under the axis.
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    left: int = 40
    bottom: int = 0
    #: The chart's explanation of its hatched partial bars ("" when none is partial).
    partial_note: str = ""


@dataclass(frozen=True)
class Partial:
    """How a chart marks the units (weeks, months) only partly in the period."""

    #: Group or point label -> its unit against the period.
    spans: dict[str, Span]
    #: The mark above a partial bar, e.g. "partial week".
    mark: str
    #: A partial unit's days for its title, formatted with ``days`` and ``total``.
    title: str
    #: The chart's note explaining the scaling.
    note: str

    def span(self, label: str) -> Span | None:
        """Return the span of ``label`` when it is partial, else None."""
        found = self.spans.get(label)
        return found if found is not None and found.partial else None

    def height_value(self, label: str, shown):
        """Return the value a bar is drawn at: scaled when ``label`` is partial."""
        span = self.span(label)
        if span is None or is_suppressed(shown):
            return shown
        return scaled(shown, span)

    def detail(self, label: str) -> str:
        """Return the partial unit's days ("5 of 7 days …"), or "" when whole."""
        span = self.span(label)
        if span is None:
            return ""
        return self.title % {"days": span.days_in_period, "total": span.days}


def label_width(labels: list[str], font_px: float = 11) -> int:
    """Return about how wide the longest of ``labels`` is drawn, in pixels."""
    return round(0.6 * font_px * max((len(label) for label in labels), default=0))


def nice_max(value: int) -> int:
    """Return a round axis maximum at or above ``value``."""
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def bar_chart(
    points: list[tuple[str, int | str]],
    width: int = 720,
    partial: Partial | None = None,
) -> BarChart:
    """Lay out a bar chart of ``(label, shown value)`` points, in order.

    With ``partial``, a point whose unit is only partly in the period is drawn
    at its value scaled to the whole unit, hatched (css ``partial``), with a mark.
    """
    height, left, top, bottom = 220, 40, 10, 40
    chart = BarChart(width=width, height=height, left=left, bottom=height - bottom)
    if not points:
        return chart
    drawn = [partial.height_value(label, v) if partial else v for label, v in points]
    numbers = [v for v in drawn if not is_suppressed(v)]
    top_value = nice_max(math.ceil(max(numbers, default=0)))
    plot_h = height - top - bottom
    slot = (width - left - 10) / len(points)
    gap = min(2.0, slot * 0.2)
    for i in range(5):
        value = top_value * i // 4
        chart.ticks.append((round(top + plot_h - plot_h * value / top_value, 1), value))
    every = max(1, len(points) // 8)
    for i, (label, shown) in enumerate(points):
        x = left + i * slot + gap / 2
        if is_suppressed(shown):
            h, css = 4.0, "bar suppressed"
        else:
            h, css = plot_h * drawn[i] / top_value, "bar"
        is_partial = partial is not None and partial.span(label) is not None
        chart.bars.append(
            Bar(
                round(x, 1),
                round(top + plot_h - h, 1),
                round(max(slot - gap, 0.5), 1),
                round(h, 1),
                label,
                shown,
                css + (" partial" if is_partial else ""),
                partial.mark if is_partial else "",
                partial.detail(label) if is_partial else "",
            )
        )
        if is_partial:
            chart.partial_note = partial.note
        if i % every == 0:
            chart.x_labels.append((round(x + (slot - gap) / 2, 1), label))
    return chart


@dataclass
class HeatCell:
    x: int
    y: int
    shown: int | str
    css: str
    title: str


@dataclass
class HeatMap:
    #: Height; the width adds room for the last slanted column labels.
    size: int
    cell: int
    offset: int
    labels: list[str]
    cells: list[HeatCell] = field(default_factory=list)

    @property
    def width(self) -> int:
        # The last column's label slants up to the right by about 0.7 of its length.
        return self.size + max(70, round(0.7 * label_width(self.labels[-1:])))


def heat_class(shown: int | str, top: int) -> str:
    """Return the shading class of a shown count, relative to the largest ``top``:
    ``heat-1`` … ``heat-5``, ``heat-0`` for none, ``heat-suppressed`` for ``<n``."""
    if is_suppressed(shown):
        return "heat-suppressed"
    if shown == 0 or top == 0:
        return "heat-0"
    return f"heat-{min(5, 1 + int(4 * shown / top))}"


def heatmap(
    labels: list[str],
    values: dict[tuple[str, str], int | str],
    shown: Collection[str] | None = None,
) -> HeatMap:
    """Lay out a from x to matrix; ``values`` maps ``(from, to)`` to the shown count.

    Cells are shaded in five classes (``heat-1`` … ``heat-5``) relative to the
    largest shown count; suppressed cells get ``heat-suppressed``. Under a
    filter to the ``shown`` centres, a cell with none of them at either end is
    not part of the view (:func:`~vaerested.services.mobility.cell_shown`):
    it is left blank (``heat-hidden``), never drawn as 0. A cell's title
    writes its count for the page's locale ("1.234" in Danish).
    """
    # Room for the labels: centre names are longer than slugs (11px text).
    cell, offset = 36, max(110, label_width(labels) + 16)
    chart = HeatMap(
        size=offset + cell * len(labels) + 10, cell=cell, offset=offset, labels=labels
    )
    numbers = [v for v in values.values() if not is_suppressed(v)]
    top = max(numbers, default=0)
    for row, a in enumerate(labels):
        for col, b in enumerate(labels):
            value = values.get((a, b), 0)
            written = format_value(value, "int")
            if a == b:
                shown_value, css, title = "", "heat-diagonal", f"{a} → {b}: {written}"
            elif not cell_shown(a, b, shown):
                shown_value, css = "", "heat-hidden"
                title = _("%(a)s → %(b)s: not part of this view", a=a, b=b)
            else:
                shown_value, css = value, heat_class(value, top)
                title = f"{a} → {b}: {written}"
            chart.cells.append(
                HeatCell(
                    offset + col * cell, offset + row * cell, shown_value, css, title
                )
            )
    return chart


@dataclass
class Node:
    x: float
    y: float
    label: str
    #: Where the label is written (outside the circle) and its anchor.
    label_x: float
    label_y: float
    anchor: str


@dataclass
class Link:
    #: SVG path of the curve from one centre to the other.
    d: str
    width: float
    source: str
    target: str
    transitions: int
    cards: int | str


@dataclass
class LinkDiagram:
    #: Width and height of the drawing (the width leaves room for the labels).
    width: int
    size: int
    node_radius: int
    nodes: list[Node] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def link_diagram(
    labels: list[str], links: list[tuple[str, str, int, int | str]]
) -> LinkDiagram:
    """Lay out centres on a circle and ``(from, to, transitions, cards)`` links.

    Each link is a directed curve from ``from`` to ``to`` that bends to its
    left, so A → B and B → A are two separate curves; its width grows with
    the transitions (relative to the largest). Pass only shown, unsuppressed
    transitions: the caller chooses which links to draw.
    """
    size, radius, node_r, margin = 460, 160, 7, 110
    centre = size / 2
    chart = LinkDiagram(width=size + 2 * margin, size=size, node_radius=node_r)
    where = {}
    for i, label in enumerate(labels):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(labels), 1)
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = margin + centre + radius * cos, centre + radius * sin
        where[label] = (x, y)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        chart.nodes.append(
            Node(
                round(x, 1),
                round(y, 1),
                label,
                round(margin + centre + (radius + 14) * cos, 1),
                round(centre + (radius + 14) * sin + 4, 1),
                anchor,
            )
        )
    top = max((n for _, _, n, _ in links), default=0)
    for a, b, n, cards in links:
        (x1, y1), (x2, y2) = where[a], where[b]
        # Control point: the chord's middle, pushed to the left of a -> b.
        cx = (x1 + x2) / 2 + 0.18 * (y2 - y1)
        cy = (y1 + y2) / 2 - 0.18 * (x2 - x1)
        d = f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"
        width = 1.5 + 6.5 * n / top if top else 1.5
        chart.links.append(Link(d, round(width, 1), a, b, n, cards))
    return chart


@dataclass
class LinePoint:
    x: float
    y: float
    label: str
    value: float
    #: ``point``, or ``point partial`` for a month only partly in the period.
    css: str = "point"
    #: A partial month's days, added to the point's title after its label, or "".
    detail: str = ""


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    bottom: int
    #: Polyline ``points`` strings: runs of consecutive months with a value.
    segments: list[str] = field(default_factory=list)
    points: list[LinePoint] = field(default_factory=list)
    #: ``(y, label)`` of horizontal grid lines.
    ticks: list[tuple[float, str]] = field(default_factory=list)
    #: ``(x, label)`` written under the axis.
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    #: The explanation of the hollow (partial) points ("" when none is partial).
    partial_note: str = ""


def line_chart(
    points: list[tuple[str, float | str]],
    width: int = 720,
    partial: Partial | None = None,
) -> LineChart:
    """Lay out a line chart of ``(label, value)`` shares between 0 and 1.

    A point is drawn for each value; an empty value (``""``: undefined or
    suppressed) leaves a gap, so the line joins only neighbouring values.
    With ``partial``, a point of a unit only partly in the period is hollow
    (css ``point partial``) and titled so; a share is not scaled.
    """
    height, left, top, bottom = 220, 44, 10, 40
    chart = LineChart(width=width, height=height, left=left, bottom=height - bottom)
    plot_h = height - top - bottom
    for i in range(5):
        chart.ticks.append((round(top + plot_h - plot_h * i / 4, 1), f"{i / 4:.2f}"))
    if not points:
        return chart
    slot = (width - left - 10) / len(points)
    every = max(1, len(points) // 12)
    run: list[str] = []
    for i, (label, value) in enumerate(points):
        x = round(left + (i + 0.5) * slot, 1)
        if i % every == 0:
            chart.x_labels.append((x, label))
        if value == "" or value is None:
            if len(run) > 1:
                chart.segments.append(" ".join(run))
            run = []
            continue
        y = round(top + plot_h - plot_h * min(float(value), 1.0), 1)
        if partial is not None and partial.span(label) is not None:
            chart.partial_note = partial.note
            point = LinePoint(
                x, y, label, value, "point partial", partial.detail(label)
            )
        else:
            point = LinePoint(x, y, label, value)
        chart.points.append(point)
        run.append(f"{x},{y}")
    if len(run) > 1:
        chart.segments.append(" ".join(run))
    return chart


@dataclass
class ShareChart:
    width: int
    height: int
    left: int
    row: int
    #: Width of the bar for 100 %.
    full: int
    bars: list[Bar] = field(default_factory=list)


def share_chart(
    points: list[tuple[str, float | str]], width: int = 620, left: int = 120
) -> ShareChart:
    """Lay out horizontal bars of ``(label, share)`` points, shares 0..1.

    An empty share (a suppressed count) is a short hatched stub (css
    ``bar suppressed``), never a guessed length.
    """
    left, row = max(left, label_width([label for label, _ in points]) + 12), 24
    full = width - left - 70
    chart = ShareChart(
        width=width, height=row * len(points) + 10, left=left, row=row, full=full
    )
    for i, (label, share) in enumerate(points):
        y = 5 + i * row
        if share == "" or share is None:
            w, css = 6.0, "bar suppressed"
        else:
            w, css = max(full * float(share), 1.0), "bar"
        chart.bars.append(Bar(left, y + 3, round(w, 1), row - 6, label, share, css))
    return chart
