"""The header a printed report starts with: report, period, filters, protection.

Built by the report views (and the offer landscape) from what they already
know, and drawn by ``templates/reports/_print_header.html``, which
``base.html`` includes when a page passes ``print_header``. It is shown only in
print (``static/css/print.css``): on screen the period form says the same.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date


@dataclass(frozen=True)
class PrintHeader:
    """What a printed report states at its top (all strings, already translated)."""

    #: The report's title.
    report: str
    #: The period, both ends formatted for the locale ("8. jan. 2024").
    start: str
    end: str
    #: The centres counted: "All centres" or their names.
    centres: str
    #: The district filter: "All districts" or the district's name.
    district: str
    #: The pages' min-cell (counts below it are shown as ``<min_cell``).
    min_cell: int


def print_header(
    report: str,
    start: date,
    end: date,
    *,
    centres: Iterable[str] | str,
    district: str,
    min_cell: int,
) -> PrintHeader:
    """Return the print header; ``centres`` is a label or the centres' names."""
    names = centres if isinstance(centres, str) else ", ".join(centres)
    return PrintHeader(
        str(report),
        format_date(start, "medium"),
        format_date(end, "medium"),
        names,
        str(district),
        min_cell,
    )
