"""Read helpers for centre pages."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vaerested.centres.forms import choice_list
from vaerested.extensions import db
from vaerested.models import Centre, District, TargetGroup
from vaerested.services.hours_grid import CentreHours
from vaerested.services.opening_hours import format_interval, is_open_at, open_state_at


def interval_rows(centre: Centre) -> list[tuple]:
    """Return the centre's opening intervals as plain
    ``(weekday, opens, closes, is_user_run)``."""
    return [
        (i.weekday, i.opens_at, i.closes_at, i.is_user_run)
        for i in centre.opening_intervals
    ]


def user_run_labels(centre: Centre) -> set[tuple[int, str]]:
    """Return ``(weekday, "10:00–16:00")`` of the centre's user-run intervals."""
    return {
        (i.weekday, format_interval(i.opens_at, i.closes_at))
        for i in centre.opening_intervals
        if i.is_user_run
    }


def local_time(tz_name: str, at: datetime | None = None) -> datetime:
    """Return ``at`` (an aware datetime, default now) as wall-clock time in ``tz_name``."""
    return (at or datetime.now(UTC)).astimezone(ZoneInfo(tz_name))


def is_centre_open(centre: Centre, tz_name: str, at: datetime | None = None) -> bool:
    """Return whether ``centre`` is open at ``at`` (default now) in zone ``tz_name``."""
    return is_open_at(interval_rows(centre), local_time(tz_name, at))


def centre_open_state(
    centre: Centre, tz_name: str, at: datetime | None = None
) -> str | None:
    """Return "staffed", "user_run" or None (closed) for ``centre`` at ``at``."""
    return open_state_at(interval_rows(centre), local_time(tz_name, at))


def city_hours() -> list[CentreHours]:
    """Return every active centre with its district and weekly intervals."""
    centres = db.session.scalars(
        select(Centre)
        .join(District)
        .options(selectinload(Centre.district), selectinload(Centre.opening_intervals))
        .where(Centre.is_active.is_(True))
        .order_by(District.municipality, District.code, Centre.name)
    )
    return [
        CentreHours(
            c.id,
            c.name,
            c.district.code,
            c.district.name,
            c.district.municipality,
            interval_rows(c),
        )
        for c in centres
    ]


def list_centres(status: str = "active") -> list[Centre]:
    """Return centres by name; ``status`` is "active", "inactive" or "all"."""
    query = (
        select(Centre)
        .options(
            selectinload(Centre.district),
            selectinload(Centre.opening_intervals),
        )
        .order_by(Centre.name)
    )
    if status == "active":
        query = query.where(Centre.is_active.is_(True))
    elif status == "inactive":
        query = query.where(Centre.is_active.is_(False))
    return list(db.session.scalars(query))


def district_choices() -> list:
    """Return ``(id, label)`` for a district select, with an empty first choice."""
    districts = db.session.scalars(
        select(District).order_by(District.municipality, District.name)
    )
    return choice_list(
        [("", "–"), *((d.id, f"{d.name} ({d.municipality})") for d in districts)]
    )


def target_group_choices(current: list[TargetGroup] = ()) -> list:
    """Return active target groups, plus retired ones still in ``current``."""
    locale = str(get_locale() or "da")
    keep = {g.id for g in current}
    groups = db.session.scalars(select(TargetGroup).order_by(TargetGroup.code))
    return choice_list(
        (g.id, g.label(locale) if g.is_active else f"{g.label(locale)} (–)")
        for g in groups
        if g.is_active or g.id in keep
    )


def target_groups_by_ids(ids: list[int]) -> list[TargetGroup]:
    """Return the target groups with these ids."""
    if not ids:
        return []
    return list(db.session.scalars(select(TargetGroup).where(TargetGroup.id.in_(ids))))
