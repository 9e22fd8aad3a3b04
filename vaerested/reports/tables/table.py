"""A report table: the unit the builders make, the pages show and the files hold.

It lives apart from :mod:`vaerested.reports.tables.build` so that the table
builders (the dashboard's) and the file writers can use it without importing
the builder registry.
"""

from dataclasses import dataclass, field


@dataclass
class Table:
    """One output file: its name (no extension), columns and rows."""

    name: str
    columns: list[str]
    rows: list[dict]
    #: Row key (district code) -> GeoJSON geometry, for the coverage map file.
    geometries: dict[str, dict] = field(default_factory=dict)
    #: The min-cell the counts are protected at (None: raw cells, 1: raw counts).
    min_cell: int | None = None
    #: The rows the table has when ``rows`` holds only the first of them (a
    #: page lists at most :data:`PAGE_ROWS`; None: ``rows`` is the whole table).
    total_rows: int | None = None


#: The most rows a page lists of one table (every row is in the downloads).
PAGE_ROWS = 500
