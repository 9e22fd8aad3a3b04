"""Geometry of the offer landscape figure and the delivered profile.

The strategy draws the centres' offer profiles as one column per centre over
the life phases 1 (bottom) to 4 (top) it serves, shaded by category, with a
small box on top for category 3. Category 1 covers life phases 1-3 and category
2 phases 2-4, so a phase cell is ``cat1``, ``cat2``, ``cat12`` (both) or
``cat0`` (served, but neither category reaches that phase). The delivered
profile is what actually happened in a period: the share of activity hours and
of attendance per category. Everything here is plain numbers for a template.
"""

from collections.abc import Mapping, Sequence
from typing import NamedTuple

#: Life phases each category covers (DOMAIN.md).
CATEGORY_PHASES = {1: range(1, 4), 2: range(2, 5)}
PHASES = (1, 2, 3, 4)
CATEGORIES = (1, 2, 3)


class CentreProfile(NamedTuple):
    """A centre's registered offer profile."""

    slug: str
    name: str
    categories: tuple[int, ...]
    phase_min: int
    phase_max: int


class Rect(NamedTuple):
    """A rectangle of the figure."""

    x: float
    y: float
    width: float
    height: float
    #: CSS class, e.g. "cat1".
    css: str
    #: Short text for a tooltip (``<title>``).
    label: str


class Column(NamedTuple):
    """One centre's column."""

    slug: str
    name: str
    #: Centre of the column, for its label.
    label_x: float
    cells: list[Rect]
    cat3_box: Rect | None


class Landscape(NamedTuple):
    """The laid-out landscape figure."""

    width: float
    height: float
    #: Bottom of the phase area: labels go below it.
    baseline: float
    columns: list[Column]
    #: ``(y, phase)`` of each phase label on the axis (middle of the phase row).
    phase_ticks: list[tuple[float, int]]


def phase_class(categories: Sequence[int], phase: int) -> str:
    """Return the CSS class of one life-phase cell of a centre's column."""
    in_1 = 1 in categories and phase in CATEGORY_PHASES[1]
    in_2 = 2 in categories and phase in CATEGORY_PHASES[2]
    if in_1 and in_2:
        return "cat12"
    if in_1:
        return "cat1"
    if in_2:
        return "cat2"
    return "cat0"


def landscape(
    profiles: Sequence[CentreProfile],
    column_width: float = 36,
    gap: float = 14,
    phase_height: float = 48,
    box_height: float = 22,
    axis_width: float = 40,
    label_height: float = 120,
) -> Landscape:
    """Lay out one column per centre, in the given order."""
    top = box_height + 8
    baseline = top + 4 * phase_height
    columns = []
    for i, profile in enumerate(profiles):
        x = axis_width + gap + i * (column_width + gap)
        cells = []
        for phase in range(profile.phase_min, profile.phase_max + 1):
            css = phase_class(profile.categories, phase)
            y = baseline - phase * phase_height
            cells.append(
                Rect(x, y, column_width, phase_height, css, f"{profile.name}: {phase}")
            )
        box = None
        if 3 in profile.categories:
            y_top = baseline - profile.phase_max * phase_height
            box = Rect(
                x + column_width * 0.15,
                y_top - box_height,
                column_width * 0.7,
                box_height,
                "cat3",
                f"{profile.name}: 3",
            )
        columns.append(
            Column(profile.slug, profile.name, x + column_width / 2, cells, box)
        )
    width = axis_width + gap + len(profiles) * (column_width + gap)
    ticks = [(baseline - (p - 0.5) * phase_height, p) for p in PHASES]
    return Landscape(width, baseline + label_height, baseline, columns, ticks)


def number(value) -> float:
    """Return a shown value as a number: a suppressed count (``"<5"``) is 0,
    so a picture or share never draws a number its table does not show."""
    return value if isinstance(value, int | float) else 0


def shares(values: Mapping[int, float]) -> dict[int, float]:
    """Return each category's share of the total (0-1); all 0 when the total is 0.

    Suppressed counts are left out of the total (see :func:`number`).
    """
    total = sum(number(values.get(c, 0)) for c in CATEGORIES)
    return {c: (number(values.get(c, 0)) / total if total else 0.0) for c in CATEGORIES}


class Segment(NamedTuple):
    """One category's part of a 100 % bar."""

    x: float
    width: float
    category: int
    share: float


class Bar(NamedTuple):
    """A 100 % bar of one measure."""

    #: "hours" or "attendance".
    measure: str
    y: float
    segments: list[Segment]
    total: float


class DeliveredRow(NamedTuple):
    """Hours and attendance per category of one centre in a period."""

    slug: str
    name: str
    hours: dict[int, float]
    #: Raw cells from the database; protected (an int or "<5") when shown.
    attendance: dict[int, int | str]


class DeliveredFigure(NamedTuple):
    """The laid-out delivered-profile figure."""

    width: float
    height: float
    bar_x: float
    bar_width: float
    bar_height: float
    #: ``(row, label_y, hours_bar, attendance_bar)`` per centre.
    rows: list[tuple[DeliveredRow, float, Bar, Bar]]


def _bar(measure: str, values: Mapping[int, float], x: float, y: float, width):
    segments, offset = [], x
    for category, share in shares(values).items():
        if share > 0:
            segments.append(Segment(offset, share * width, category, share))
            offset += share * width
    return Bar(measure, y, segments, sum(number(values.get(c, 0)) for c in CATEGORIES))


def delivered(
    rows: Sequence[DeliveredRow],
    label_width: float = 160,
    bar_width: float = 300,
    bar_height: float = 14,
    row_gap: float = 14,
) -> DeliveredFigure:
    """Lay out two stacked 100 % bars per centre: hours, then attendance."""
    laid = []
    row_height = 2 * bar_height + 4 + row_gap
    for i, row in enumerate(rows):
        y = i * row_height + 4
        laid.append(
            (
                row,
                y + bar_height,
                _bar("hours", row.hours, label_width, y, bar_width),
                _bar(
                    "attendance",
                    row.attendance,
                    label_width,
                    y + bar_height + 4,
                    bar_width,
                ),
            )
        )
    height = max(len(rows) * row_height, row_height)
    return DeliveredFigure(
        label_width + bar_width + 10, height, label_width, bar_width, bar_height, laid
    )
