"""Mobility between centres, computed from plain visit rows (DOMAIN.md, "Mobility").

This is the straightforward definition, kept simple on purpose: it is the
reference the database queries (:mod:`vaerested.reports.tables.queries`) are tested
against. Give it the card visits of one period (tallies have no card and take
no part in mobility).

- *active cards*: cards with at least one visit; *multi-centre cards*: cards
  with visits at two or more distinct centres; *mobility index* = multi / active.
- A card's visits in time order (ties broken by centre slug); each pair of
  consecutive visits at different centres A != B is one transition A -> B.
- Matrix cell (A, B): ``transitions`` (all A -> B) and ``cards`` (distinct
  cards with at least one A -> B).
- Per centre, ``share_multi_centre`` = its multi-centre cards / its active
  cards; per calendar month of the period (clipped to it), the same figures
  as the whole period's summary, computed over that month alone.

Filters (some centres, a district, a leader's own centres: the *shown*
centres) never remove visits (DOMAIN.md, "Filters and mobility"): every figure
is computed from each card's visits at all centres, and the filter chooses
what is shown (:func:`cell_shown`):

- matrix: the cells whose origin *or* destination is a shown centre, i.e.
  the shown centres' rows and columns (where their visitors come from and
  go next), with the other centre named;
- per centre: the rows of the shown centres, each with its city-wide
  multi-centre cards (its active cards that also visited any other centre);
- summary (and each month): the *active cards of the shown centres* (cards
  with a visit at one of them), of which *multi-centre* those that visited two
  or more distinct centres anywhere; the index is their ratio. For one shown
  centre this is that centre's row; with no filter, the city's figures.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from vaerested.services import partial_periods
from vaerested.services.suppression import ratio

#: Decimals of the mobility index.
INDEX_DIGITS = 4

MATRIX_COLUMNS = ["from_centre", "to_centre", "cards", "transitions"]
MATRIX_COUNTS = ["cards", "transitions"]
CENTRE_COLUMNS = ["centre", "active_cards", "multi_centre_cards", "share_multi_centre"]
CENTRE_COUNTS = ["active_cards", "multi_centre_cards"]
SUMMARY_COLUMNS = ["active_cards", "multi_centre_cards", "mobility_index"]
SUMMARY_COUNTS = ["active_cards", "multi_centre_cards"]
#: ``days_in_period``/``partial`` (appended last): how much of the calendar
#: month the period covers (:mod:`vaerested.services.partial_periods`).
MONTH_COLUMNS = ["month", "start", "end", *SUMMARY_COLUMNS, *partial_periods.COLUMNS]
MONTH_COUNTS = ["active_cards", "multi_centre_cards"]


class VisitRow(NamedTuple):
    """One card visit: the card, the centre's slug and the visit's time."""

    card_id: int
    centre_slug: str
    visited_dt: datetime


@dataclass
class Mobility:
    """Raw (unsuppressed) mobility figures of one period."""

    #: ``(from_slug, to_slug) -> (cards, transitions)``.
    matrix: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    #: ``slug -> (active_cards, multi_centre_cards)``.
    centres: dict[str, tuple[int, int]] = field(default_factory=dict)
    active_cards: int = 0
    multi_centre_cards: int = 0


def cell_shown(origin, destination, shown: Collection | None) -> bool:
    """Return whether matrix cell ``origin -> destination`` is shown under a
    filter to the ``shown`` centres (None: no filter, every cell)."""
    return shown is None or origin in shown or destination in shown


def transitions(rows: Iterable[VisitRow]) -> list[tuple[int, str, str]]:
    """Return every transition as ``(card_id, from_slug, to_slug)``."""
    by_card: dict[int, list[VisitRow]] = defaultdict(list)
    for row in rows:
        by_card[row.card_id].append(row)
    found = []
    for card_id in sorted(by_card):
        ordered = sorted(by_card[card_id], key=lambda r: (r.visited_dt, r.centre_slug))
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.centre_slug != after.centre_slug:
                found.append((card_id, before.centre_slug, after.centre_slug))
    return found


def compute_mobility(
    rows: Iterable[VisitRow], shown: Collection[str] | None = None
) -> Mobility:
    """Return the matrix, per-centre and overall figures of ``rows``.

    ``rows`` are the period's card visits at every centre; ``shown`` (slugs)
    is a filter choosing the cells and rows, as in the module docstring.
    """
    rows = list(rows)
    cell_cards: dict[tuple[str, str], set[int]] = defaultdict(set)
    cell_count: dict[tuple[str, str], int] = defaultdict(int)
    for card_id, a, b in transitions(rows):
        cell_cards[a, b].add(card_id)
        cell_count[a, b] += 1

    centres_of: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        centres_of[row.card_id].add(row.centre_slug)
    multi = {card for card, slugs in centres_of.items() if len(slugs) >= 2}
    cards_at: dict[str, set[int]] = defaultdict(set)
    for card, slugs in centres_of.items():
        for slug in slugs:
            cards_at[slug].add(card)

    active = {
        card
        for card, slugs in centres_of.items()
        if shown is None or slugs & set(shown)
    }
    return Mobility(
        matrix={
            cell: (len(cell_cards[cell]), cell_count[cell])
            for cell in sorted(cell_count)
            if cell_shown(*cell, shown)
        },
        centres={
            slug: (len(cards), len(cards & multi))
            for slug, cards in sorted(cards_at.items())
            if shown is None or slug in shown
        },
        active_cards=len(active),
        multi_centre_cards=len(active & multi),
    )


def matrix_rows(mobility: Mobility) -> list[dict]:
    """Return mobility_matrix rows (raw), ordered by from and to centre."""
    return [
        {"from_centre": a, "to_centre": b, "cards": cards, "transitions": count}
        for (a, b), (cards, count) in sorted(mobility.matrix.items())
    ]


def centre_rows(mobility: Mobility) -> list[dict]:
    """Return mobility_centres rows (raw), ordered by centre slug."""
    return [
        centre_row(slug, active, multi, 1)
        for slug, (active, multi) in sorted(mobility.centres.items())
    ]


def centre_row(slug: str, active: int, multi: int, min_cell: int) -> dict:
    """Return one mobility_centres row (raw counts) with its share.

    ``share_multi_centre`` = multi / active, 4 decimals; empty when either
    count would be suppressed at ``min_cell`` or there are no active cards.
    """
    return {
        "centre": slug,
        "active_cards": active,
        "multi_centre_cards": multi,
        "share_multi_centre": ratio(multi, active, min_cell, INDEX_DIGITS),
    }


def months(start: date, end: date) -> list[tuple[str, date, date]]:
    """Return ``(YYYY-MM, first day, last day)`` of each calendar month
    overlapping ``start``..``end``, clipped to that period, in order."""
    found = []
    first = start
    while first <= end:
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = min(end, following - timedelta(days=1))
        found.append((first.strftime("%Y-%m"), first, last))
        first = following
    return found


def month_row(
    month: str, start: date, end: date, active: int, multi: int, min_cell: int
) -> dict:
    """Return one mobility_months row (raw counts) with its index at ``min_cell``."""
    return {
        "month": month,
        "start": start.isoformat(),
        "end": end.isoformat(),
        **summary_rows(active, multi, min_cell)[0],
        # The month is clipped to the period, so start..end is the part inside it.
        **partial_periods.month_span(start, start, end).columns(),
    }


def summary_rows(
    active_cards: int, multi_centre_cards: int, min_cell: int
) -> list[dict]:
    """Return the one mobility_summary row (raw counts).

    The index is empty when either count would be suppressed at ``min_cell``
    or there are no active cards; else it is rounded to 4 decimals.
    """
    return [
        {
            "active_cards": active_cards,
            "multi_centre_cards": multi_centre_cards,
            "mobility_index": ratio(
                multi_centre_cards, active_cards, min_cell, INDEX_DIGITS
            ),
        }
    ]
