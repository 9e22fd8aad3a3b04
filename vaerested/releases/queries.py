"""The rows a public release is computed from (one pass over the period's visits)."""

from datetime import date

import polars as pl
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from vaerested.models import Card, Centre, District, Visit
from vaerested.services.dp import Grid, months_between

visits = Visit.__table__
cards = Card.__table__


def release_grid(session: Session, start: date, end: date) -> Grid:
    """Return the public grid: every centre (slug -> district code), every
    district code and every month of the period."""
    centres = session.execute(
        select(Centre.slug, District.code).join(District, Centre.district)
    ).all()
    codes = session.scalars(select(District.code)).all()
    return Grid(
        centres=dict(centres),
        districts=sorted(codes),
        months=months_between(start, end),
    )


def release_frame(session: Session, start: date, end: date) -> pl.DataFrame:
    """Return the period's visits as a frame ``(card_id, centre, visited_dt,
    month, home)`` for :func:`vaerested.services.dp.release`.

    ``home`` is the card's home district (a tally's own), as a district code.
    A visit whose card link was cut by retention counts as a tally.
    """
    slugs = {str(k): v for k, v in session.execute(select(Centre.id, Centre.slug))}
    codes = {str(k): v for k, v in session.execute(select(District.id, District.code))}
    # Straight from the DBAPI cursor, plain types: a million rows with no
    # per-row conversion in Python. SQLite gives ISO text, psycopg datetimes.
    stmt = (
        select(
            visits.c.card_id,
            visits.c.centre_id,
            type_coerce(visits.c.visited_dt, String),
            type_coerce(visits.c.visit_date, String),
            func.coalesce(cards.c.home_district_id, visits.c.home_district_id),
        )
        .select_from(visits.outerjoin(cards, cards.c.id == visits.c.card_id))
        .where(visits.c.visit_date >= start, visits.c.visit_date <= end)
    )
    connection = session.connection()
    sql = str(
        stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    text = bool(rows) and isinstance(rows[0][2], str)
    frame = pl.DataFrame(
        rows,
        schema={
            "card_id": pl.Int64,
            "centre_id": pl.Int64,
            # SQLite's fixed "YYYY-MM-DD HH:MM:SS.ffffff" text sorts as the time
            # does; the release only sorts by it.
            "visited_dt": pl.Utf8 if text else pl.Datetime("us", "UTC"),
            "visit_date": pl.Utf8 if text else pl.Date,
            "home_id": pl.Int64,
        },
        orient="row",
    )
    month = (
        pl.col("visit_date").str.slice(0, 7)
        if text
        else pl.col("visit_date").dt.strftime("%Y-%m")
    )
    return frame.select(
        "card_id",
        pl.col("centre_id")
        .cast(pl.Utf8)
        .replace_strict(slugs, default=None)
        .alias("centre"),
        "visited_dt",
        month.alias("month"),
        pl.col("home_id")
        .cast(pl.Utf8)
        .replace_strict(codes, default=None)
        .alias("home"),
    )
