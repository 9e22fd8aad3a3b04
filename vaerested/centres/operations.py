"""Write paths for centres. They flush; the caller commits."""

import logging

from vaerested.extensions import db
from vaerested.models import Centre, OpeningInterval, TargetGroup
from vaerested.reports.tables import cache as report_cache

logger = logging.getLogger(__name__)

#: Fields of the offer profile that a centre's leader may change.
PROFILE_FIELDS = (
    "address",
    "is_cat1",
    "is_cat2",
    "is_cat3",
    "life_phase_min",
    "life_phase_max",
    "typical_daily_users",
)
#: Further fields only administration may change (never the slug).
ADMIN_FIELDS = ("name", "lat", "lon", "operator_type", "visitation")


def update_profile(
    centre: Centre, data: dict, target_groups: list[TargetGroup]
) -> None:
    """Set the offer profile of ``centre`` from form ``data``."""
    for name in PROFILE_FIELDS:
        value = data[name]
        if name == "address":
            value = (value or "").strip()
        setattr(centre, name, value)
    centre.target_groups = list(target_groups)
    db.session.flush()
    logger.info("Profile of centre %s updated", centre.id)


def update_centre(centre: Centre, data: dict, target_groups: list[TargetGroup]) -> None:
    """Set the administrative fields and the profile of ``centre``."""
    for name in ADMIN_FIELDS:
        setattr(centre, name, data[name])
    centre.name = centre.name.strip()
    if centre.district_id is not None and centre.district_id != data["district"]:
        # Cached report figures count its visits in the old district.
        report_cache.invalidate(db.session)
    centre.district_id = data["district"]
    update_profile(centre, data, target_groups)


def create_centre(slug: str, data: dict, target_groups: list[TargetGroup]) -> Centre:
    """Create a centre with ``slug`` from form ``data``."""
    centre = Centre(slug=slug, name=data["name"].strip(), district_id=data["district"])
    db.session.add(centre)
    update_centre(centre, data, target_groups)
    logger.info("Centre %s (%s) created", centre.id, slug)
    return centre


def set_active(centre: Centre, is_active: bool) -> None:
    """Deactivate or reactivate ``centre``; its data always stays."""
    centre.is_active = is_active
    db.session.flush()
    logger.info("Centre %s active=%s", centre.id, is_active)


def replace_opening_hours(centre: Centre, intervals: list[tuple]) -> None:
    """Make ``intervals`` the centre's complete weekly opening hours.

    Each interval is ``(weekday, opens, closes)`` or, with a fourth item True,
    a user-run one.
    """
    centre.opening_intervals.clear()
    db.session.flush()  # delete the old rows before inserting the new ones
    for weekday, opens, closes, *user_run in sorted(intervals):
        centre.opening_intervals.append(
            OpeningInterval(
                weekday=weekday,
                opens_at=opens,
                closes_at=closes,
                is_user_run=bool(user_run and user_run[0]),
            )
        )
    db.session.flush()
    logger.info("Opening hours of centre %s: %d intervals", centre.id, len(intervals))
