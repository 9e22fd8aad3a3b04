"""Protected output: cell-key perturbation, then small-cell suppression.

DOMAIN.md, "Protected output". Every visit, card and session headcount has a
random *record key* 0-255 (:func:`new_record_key`, set at insert, never shown).
A count's *cell key* is the sum of the record keys of what it counts, mod 256,
computed in the same SQL as the count. The report queries return counts as
:class:`Cell` (an ``int`` carrying its key); sums and differences of cells are
cells whose key is the sum or difference of the keys, which is exactly the key
of the union (or difference) of the sets counted.

:func:`protect` turns a count into what may leave the system at a min-cell:

1. perturb: add the noise the ptable (``ptable.csv``, written by
   ``scripts/make_ptable.py``) gives for the raw count and the cell key;
2. suppress the perturbed count when it is 1 to ``min_cell - 1``;

and ratios are computed from the perturbed counts by the callers. With
``min_cell`` 1 (raw output, command line only) the raw count is returned.
The same cell always gets the same noise, so asking again, or in another
report, reveals nothing more.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from vaerested.services.suppression import suppress

#: The committed perturbation table: ``raw_count,key_from,key_to,noise``.
PTABLE_PATH = Path(__file__).with_name("ptable.csv")
#: Number of distinct keys (record and cell keys are 0..KEYS-1).
KEYS = 256
#: Largest noise, up or down (documented in docs/privacy.md).
MAX_NOISE = 2


def new_record_key() -> int:
    """Return a fresh random record key 0-255 (a column default)."""
    return secrets.randbelow(KEYS)


class Cell(int):
    """A raw count with its cell key (``sum(record_key) % 256``).

    Adding or subtracting two cells gives a cell with the keys added or
    subtracted; adding a plain 0 keeps the key (so ``sum()`` works). Any other
    arithmetic gives a plain ``int``, which :func:`protect` refuses (above 0).
    """

    key: int

    def __new__(cls, value: int, key: int | None) -> Cell:
        cell = super().__new__(cls, int(value or 0))
        cell.key = int(key or 0) % KEYS
        return cell

    def __add__(self, other):
        if isinstance(other, Cell):
            return Cell(int(self) + int(other), self.key + other.key)
        if type(other) is int and other == 0:
            return self
        return int(self) + other

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Cell):
            return Cell(int(self) - int(other), self.key - other.key)
        return int(self) - other

    def __repr__(self) -> str:
        return f"Cell({int(self)})"  # never the key


def cell(value, key) -> Cell:
    """Return a :class:`Cell` from a count and a key sum as SQL returns them."""
    return Cell(int(value or 0), int(key or 0))


@cache
def ptable() -> dict[int, tuple[int, ...]]:
    """Return raw count -> the noise of each cell key 0..255 (read once)."""
    table: dict[int, list[int | None]] = {}
    with open(PTABLE_PATH, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            raw = int(row["raw_count"])
            keys = table.setdefault(raw, [None] * KEYS)
            for key in range(int(row["key_from"]), int(row["key_to"]) + 1):
                keys[key] = int(row["noise"])
    out = {}
    for raw, keys in table.items():
        if None in keys:
            raise ValueError(f"ptable: raw count {raw} does not cover every key")
        out[raw] = tuple(keys)
    return out


@cache
def top() -> int:
    """Return the largest raw count with a ptable row of its own."""
    return max(ptable())


def noise(raw: int, key: int) -> int:
    """Return the ptable's noise for ``raw`` and cell ``key``; counts above
    :func:`top` use the row of :func:`top`."""
    if raw < 0:
        raise ValueError(f"a count cannot be negative: {raw!r}")
    table = ptable()
    return table[min(raw, top())][key % KEYS]


def perturb(value: int, min_cell: int) -> int:
    """Return the count ``value`` perturbed (raw when ``min_cell`` is 1).

    :raises ValueError: for a count above 0 that has no cell key.
    """
    if min_cell <= 1:
        return int(value)
    if isinstance(value, Cell):
        return int(value) + noise(int(value), value.key)
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return 0
    raise ValueError(f"a protected count needs a cell key: {value!r}")


def protect(value: int, min_cell: int) -> int | str:
    """Return ``value`` as it may be shown at ``min_cell``: perturbed, then
    suppressed (``"<5"``) when the perturbed count is 1 to ``min_cell - 1``."""
    return suppress(perturb(value, min_cell), min_cell)


def perturb_rows(
    rows: Iterable[Mapping], count_columns: Iterable[str], min_cell: int
) -> list[dict]:
    """Return copies of ``rows`` with the ``count_columns`` perturbed (not yet
    suppressed), so ratios can be computed from them."""
    columns = tuple(count_columns)
    if min_cell <= 1:
        return [{**row, **{c: int(row[c]) for c in columns}} for row in rows]
    # :func:`perturb` with the ptable looked up once (a national year's visits
    # table has 300,000 counts): the same noise, the same refusals.
    table, largest = ptable(), top()
    out = []
    for row in rows:
        new = dict(row)
        for column in columns:
            value = new[column]
            if isinstance(value, Cell):
                raw = int(value)
                if raw < 0:
                    raise ValueError(f"a count cannot be negative: {raw!r}")
                new[column] = raw + table[min(raw, largest)][value.key % KEYS]
            else:
                new[column] = perturb(value, min_cell)
        out.append(new)
    return out


def protect_rows(
    rows: Iterable[Mapping], count_columns: Iterable[str], min_cell: int
) -> list[dict]:
    """Return copies of ``rows`` with every column in ``count_columns`` protected."""
    columns = tuple(count_columns)
    return [
        {**row, **{c: suppress(row[c], min_cell) for c in columns}}
        for row in perturb_rows(rows, columns, min_cell)
    ]
