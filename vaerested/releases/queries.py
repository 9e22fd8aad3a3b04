"""What a public release is computed from: the bounded counts, in SQL.

:func:`release_counts` bounds each card's contribution and counts every table
in one statement (window functions, the same rule as
:func:`vaerested.services.dp.bound_contributions`), so only a few thousand
aggregated rows leave the database. :func:`release_frame` loads the period's
visits one per row for that pure polars path (tests compare the two).
"""

from collections import Counter
from datetime import date

import polars as pl
from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from vaerested.models import Card, Centre, District, Visit
from vaerested.services.dp import SHARES, UNKNOWN, Grid, months_between

visits = Visit.__table__
cards = Card.__table__
centres = Centre.__table__


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


def _month(session: Session):
    """Return the SQL for a visit's local month as ``YYYY-MM`` text."""
    if session.get_bind().dialect.name == "sqlite":
        # Stored as ISO text. Literal SQL, not parameters, so that the same
        # expression in SELECT and GROUP BY is recognised as one.
        return func.substr(
            visits.c.visit_date, literal_column("1"), literal_column("7")
        )
    return func.to_char(visits.c.visit_date, literal_column("'YYYY-MM'"))


def release_counts(
    session: Session,
    start: date,
    end: date,
    grid: Grid,
    max_transitions: int,
    max_visits: int,
) -> dict[str, dict[tuple, int]]:
    """Return the bounded true counts of every table, keyed by cell, as
    :func:`vaerested.services.dp.true_counts` does from :func:`release_frame`.

    One statement: each card's visits of the period numbered in time order
    (ties broken by centre slug) with the centre before (``LAG``); the first
    ``max_visits`` are kept, and the first ``max_transitions`` of its
    transitions (numbered again among themselves). Tallies (no card) count
    one each. The result has one row per cell, not per visit.
    """
    in_period = and_(visits.c.visit_date >= start, visits.c.visit_date <= end)
    month = _month(session).label("month")
    home = func.coalesce(cards.c.home_district_id, visits.c.home_district_id)
    order = (visits.c.visited_dt, centres.c.slug)
    seq = (
        select(
            visits.c.card_id,
            visits.c.centre_id,
            month,
            home.label("home_id"),
            func.row_number()
            .over(partition_by=visits.c.card_id, order_by=order)
            .label("n"),
            func.lag(visits.c.centre_id)
            .over(partition_by=visits.c.card_id, order_by=order)
            .label("prev"),
        )
        .select_from(
            visits.join(centres, centres.c.id == visits.c.centre_id).join(
                cards, cards.c.id == visits.c.card_id
            )
        )
        .where(in_period, visits.c.card_id.is_not(None))
        .cte("seq")
    )
    moves = (
        select(
            seq.c.card_id,
            seq.c.prev.label("a"),
            seq.c.centre_id.label("b"),
            func.row_number()
            .over(partition_by=seq.c.card_id, order_by=seq.c.n)
            .label("j"),
        )
        .where(seq.c.prev.is_not(None), seq.c.prev != seq.c.centre_id)
        .cte("moves")
    )
    per_month = (
        select(
            seq.c.month,
            func.count(func.distinct(seq.c.centre_id)).label("centres"),
        )
        .where(seq.c.n <= max_visits)
        .group_by(seq.c.card_id, seq.c.month)
        .subquery("per_month")
    )
    text = String()

    def row(kind, a, b, c, n1, n2):
        return select(
            literal(kind, text).label("kind"),
            cast(a, Integer).label("a"),
            cast(b, Integer).label("b"),
            type_coerce(c, text).label("c"),
            n1.label("n1"),
            n2.label("n2"),
        )

    stmt = union_all(
        row(
            "move",
            moves.c.a,
            moves.c.b,
            null(),
            func.count(),
            func.count(func.distinct(moves.c.card_id)),
        )
        .where(moves.c.j <= max_transitions)
        .group_by(moves.c.a, moves.c.b),
        row(
            "month",
            null(),
            null(),
            per_month.c.month,
            func.count(),
            func.sum(case((per_month.c.centres >= 2, 1), else_=0)),
        ).group_by(per_month.c.month),
        row(
            "visit",
            seq.c.centre_id,
            seq.c.home_id,
            seq.c.month,
            func.count(),
            literal(0),
        )
        .where(seq.c.n <= max_visits)
        .group_by(seq.c.centre_id, seq.c.home_id, seq.c.month),
        row(
            "visit",
            visits.c.centre_id,
            visits.c.home_district_id,
            _month(session),
            func.count(),
            literal(0),
        )
        .where(in_period, visits.c.card_id.is_(None))
        .group_by(visits.c.centre_id, visits.c.home_district_id, _month(session)),
    )
    slugs = dict(session.execute(select(Centre.id, Centre.slug)).all())
    codes = dict(session.execute(select(District.id, District.code)).all())
    truth = {name: Counter() for name in SHARES}
    for kind, a, b, c, n1, n2 in session.execute(stmt):
        if kind == "move":
            cell = (slugs[a], slugs[b])
            truth["matrix_transitions"][cell] += n1
            truth["matrix_cards"][cell] += n2
        elif kind == "month":
            truth["month_active"][(c,)] += n1
            if n2:
                truth["month_multi"][(c,)] += n2
        else:
            truth["centre_month_visits"][(slugs[a], c)] += n1
            target = grid.centres.get(slugs[a])
            if target is not None:
                truth["district_flows"][(codes.get(b, UNKNOWN), target)] += n1
    return {name: dict(counts) for name, counts in truth.items()}
