"""Helpers for the Alembic migrations (``migrations/versions``).

SQLite cannot alter a constraint in place, so Alembic's batch mode copies the
table to a new one and drops the old: the table's triggers (the visit-day
rollup and the visit chain, kept by the database) go with it, silently.
:func:`sqlite_triggers_kept` puts them back, exactly as they were.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection


@contextmanager
def sqlite_triggers_kept(bind: Connection, table: str) -> Iterator[None]:
    """Re-create, after the block, the triggers ``table`` had before it (SQLite)."""
    if bind.dialect.name != "sqlite":
        yield
        return
    saved = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
        (table,),
    ).all()
    yield
    present = {
        name
        for (name,) in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        )
    }
    for name, sql in saved:
        if name not in present:
            bind.exec_driver_sql(sql)
