"""The rows a public release is computed from (one pass over the period's visits)."""

from datetime import date

import polars as pl
from sqlalchemy import func, select
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
    slugs = dict(session.execute(select(Centre.id, Centre.slug)).all())
    codes = {str(k): v for k, v in session.execute(select(District.id, District.code))}
    rows = session.execute(
        select(
            visits.c.card_id,
            visits.c.centre_id,
            visits.c.visited_dt,
            visits.c.visit_date,
            func.coalesce(cards.c.home_district_id, visits.c.home_district_id),
        )
        .select_from(visits.outerjoin(cards, cards.c.id == visits.c.card_id))
        .where(visits.c.visit_date >= start, visits.c.visit_date <= end)
    ).all()
    card_id, centre_id, visited, day, home = (
        (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [], [], [])
    )
    frame = pl.DataFrame(
        {
            "card_id": pl.Series(card_id, dtype=pl.Int64),
            "centre_id": pl.Series(centre_id, dtype=pl.Int64),
            "visited_dt": pl.Series(
                [v.replace(tzinfo=None) for v in visited], dtype=pl.Datetime("us")
            ),
            "visit_date": pl.Series(day, dtype=pl.Date),
            "home_id": pl.Series(home, dtype=pl.Int64),
        }
    )
    return frame.select(
        "card_id",
        pl.col("centre_id")
        .cast(pl.Utf8)
        .replace_strict({str(k): v for k, v in slugs.items()}, default=None)
        .alias("centre"),
        "visited_dt",
        pl.col("visit_date").dt.strftime("%Y-%m").alias("month"),
        pl.col("home_id")
        .cast(pl.Utf8)
        .replace_strict(codes, default=None)
        .alias("home"),
    )
