"""Write imported districts and centres: upsert by code or slug (the caller commits)."""

from __future__ import annotations

from sqlalchemy import select

from vaerested.centres.importers import KEPT_WHEN_MISSING, Row, Written
from vaerested.models import Centre, District
from vaerested.reports.tables import cache as report_cache

#: SQL parameters per ``IN (…)`` query (SQLite allows 32,766 at most).
CHUNK = 500


def _existing(session, column, keys: list[str]) -> dict:
    found = {}
    for start in range(0, len(keys), CHUNK):  # bounded IN lists
        chunk = keys[start : start + CHUNK]
        for obj in session.scalars(select(column.class_).where(column.in_(chunk))):
            found[getattr(obj, column.key)] = obj
    return found


def _label(row: Row) -> str:
    return f"{row.key} ({row.label})" if row.label and row.label != row.key else row.key


def upsert_districts(session, rows: list[Row]) -> Written:
    """Create or update districts by code.

    A value of None (the file has no target population, area or reference
    point for the district) keeps what the district has.
    """
    existing = _existing(session, District.code, [row.key for row in rows])
    written = Written()
    for row in rows:
        district = existing.get(row.key)
        if district is None:
            district = District()
            session.add(district)
            written.created.append(_label(row))
        else:
            written.matched.append(_label(row))
        for name, value in row.values.items():
            if value is not None or name not in KEPT_WHEN_MISSING:
                setattr(district, name, value)
    session.flush()
    return written


def upsert_centres(session, rows: list[Row]) -> Written:
    """Create or update centres by slug."""
    existing = _existing(session, Centre.slug, [row.key for row in rows])
    codes = sorted({row.values["district_code"] for row in rows})
    districts = _existing(session, District.code, codes)
    written = Written()
    moved = False
    for row in rows:
        centre = existing.get(row.key)
        if centre is None:
            centre = Centre(slug=row.key)
            session.add(centre)
            written.created.append(_label(row))
        else:
            written.matched.append(_label(row))
        values = dict(row.values)
        district = districts[values.pop("district_code")]
        moved |= centre.district is not None and centre.district is not district
        centre.district = district
        for name, value in values.items():
            setattr(centre, name, value)
    session.flush()
    if moved:  # cached report figures count their visits in the old districts
        report_cache.invalidate(session)
    return written
