"""Small-cell suppression of exported counts (DOMAIN.md, "Small-cell suppression").

A count of visits, cards or persons from 1 up to ``min_cell - 1`` is written as
``"<" + min_cell`` (``"<5"`` by default); 0 stays 0. A ratio built from a
suppressed count is left empty (``""``). With ``min_cell`` 1 nothing is
suppressed. Counts that are not about persons (numbers of centres, the
estimated target population, opening hours) are never passed through here.
"""

from collections.abc import Iterable, Mapping

#: What an empty (undefined or suppressed) ratio is written as.
EMPTY = ""


def _check_min_cell(min_cell: int) -> None:
    if not isinstance(min_cell, int) or isinstance(min_cell, bool) or min_cell < 1:
        raise ValueError(f"min_cell must be an integer >= 1, not {min_cell!r}")


def suppress(count: int, min_cell: int) -> int | str:
    """Return ``count``, or ``"<min_cell"`` when it is from 1 to ``min_cell - 1``.

    :raises ValueError: when ``min_cell`` is below 1 or ``count`` is negative.
    """
    _check_min_cell(min_cell)
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count!r}")
    if 0 < count < min_cell:
        return f"<{min_cell}"
    return count


def is_suppressed(value: object) -> bool:
    """Return whether ``value`` is a suppressed count (a ``"<n"`` string)."""
    return isinstance(value, str) and value.startswith("<")


def ratio(
    numerator: int | str | None,
    denominator: int | str | None,
    min_cell: int,
    digits: int,
) -> float | str:
    """Return ``numerator / denominator`` rounded to ``digits`` decimals.

    Returns ``""`` when either count is (or would be) suppressed at ``min_cell``,
    is unknown (None), or the denominator is 0. Pass ``min_cell=1`` for ratios of
    numbers that are not suppressed at all.
    """
    _check_min_cell(min_cell)
    values = []
    for value in (numerator, denominator):
        if value is None or is_suppressed(value) or value == EMPTY:
            return EMPTY
        if is_suppressed(suppress(value, min_cell)):
            return EMPTY
        values.append(value)
    num, den = values
    if den == 0:
        return EMPTY
    return round(num / den, digits)


def suppress_rows(
    rows: Iterable[Mapping], count_columns: Iterable[str], min_cell: int
) -> list[dict]:
    """Return copies of ``rows`` with every column in ``count_columns`` suppressed.

    Other columns (labels, ratios already computed, non-person numbers) are
    copied unchanged.
    """
    _check_min_cell(min_cell)
    counts = tuple(count_columns)
    marker = f"<{min_cell}"
    out = []
    for row in rows:
        new = dict(row)
        for column in counts:
            count = new[column]
            # :func:`suppress` inlined (min-cell checked once, above).
            if count < 0:
                raise ValueError(f"a count cannot be negative: {count!r}")
            if 0 < count < min_cell:
                new[column] = marker
        out.append(new)
    return out


#: Short alias: apply suppression to a table's rows.
suppress_table = suppress_rows
