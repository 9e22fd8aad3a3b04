"""Geometry of the server-rendered SVG charts (no JavaScript, no inline styles).

The templates draw what these functions return; colours come from CSS classes
in ``static/css/reports.css``. Every chart is shown next to a table of its
numbers, so the values drawn here are the suppressed ones the table shows; a
suppressed bar is drawn as a short hatched stub, not at a guessed height.
"""

from dataclasses import dataclass, field

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


def _nice_max(value: int) -> int:
    """Return a round axis maximum at or above ``value``."""
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def bar_chart(points: list[tuple[str, int | str]], width: int = 720) -> BarChart:
    """Lay out a bar chart of ``(label, shown value)`` points, in order."""
    height, left, top, bottom = 220, 40, 10, 40
    chart = BarChart(width=width, height=height, left=left, bottom=height - bottom)
    if not points:
        return chart
    numbers = [v for _, v in points if not is_suppressed(v)]
    top_value = _nice_max(max(numbers, default=0))
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
            h, css = plot_h * shown / top_value, "bar"
        chart.bars.append(
            Bar(
                round(x, 1),
                round(top + plot_h - h, 1),
                round(max(slot - gap, 0.5), 1),
                round(h, 1),
                label,
                shown,
                css,
            )
        )
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
    size: int
    cell: int
    offset: int
    labels: list[str]
    cells: list[HeatCell] = field(default_factory=list)


def heatmap(labels: list[str], values: dict[tuple[str, str], int | str]) -> HeatMap:
    """Lay out a from x to matrix; ``values`` maps ``(from, to)`` to the shown count.

    Cells are shaded in five classes (``heat-1`` … ``heat-5``) relative to the
    largest shown count; suppressed cells get ``heat-suppressed``.
    """
    cell, offset = 36, 110
    chart = HeatMap(
        size=offset + cell * len(labels) + 10, cell=cell, offset=offset, labels=labels
    )
    numbers = [v for v in values.values() if not is_suppressed(v)]
    top = max(numbers, default=0)
    for row, a in enumerate(labels):
        for col, b in enumerate(labels):
            shown = values.get((a, b), 0)
            if a == b:
                css = "heat-diagonal"
            elif is_suppressed(shown):
                css = "heat-suppressed"
            elif shown == 0 or top == 0:
                css = "heat-0"
            else:
                css = f"heat-{min(5, 1 + int(4 * shown / top))}"
            chart.cells.append(
                HeatCell(
                    offset + col * cell,
                    offset + row * cell,
                    "" if a == b else shown,
                    css,
                    f"{a} → {b}: {shown}",
                )
            )
    return chart
