"""Factory functions for test data. Each adds to the session and flushes."""

import itertools
from datetime import time

from vaerested.auth.passwords import hash_password
from vaerested.extensions import db
from vaerested.models import (
    Centre,
    District,
    OpeningInterval,
    Role,
    StaffUser,
    TargetGroup,
)

DEFAULT_PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(DEFAULT_PASSWORD)  # hashing is slow on purpose
_seq = itertools.count(1)


def create_district(code: str | None = None, **kwargs) -> District:
    n = next(_seq)
    district = District(
        code=code or f"D{n}",
        name=kwargs.pop("name", f"District {n}"),
        municipality=kwargs.pop("municipality", "København"),
        **kwargs,
    )
    db.session.add(district)
    db.session.flush()
    return district


def create_target_group(code: str | None = None, **kwargs) -> TargetGroup:
    n = next(_seq)
    group = TargetGroup(
        code=code or f"group{n}",
        name_da=kwargs.pop("name_da", f"Gruppe {n}"),
        name_en=kwargs.pop("name_en", f"Group {n}"),
        **kwargs,
    )
    db.session.add(group)
    db.session.flush()
    return group


def create_centre(
    slug: str | None = None, district: District | None = None, hours=(), **kwargs
) -> Centre:
    """Create a centre; ``hours`` is a list of (weekday, "HH:MM", "HH:MM")."""
    n = next(_seq)
    kwargs.setdefault("is_cat1", True)
    centre = Centre(
        slug=slug or f"centre-{n}",
        name=kwargs.pop("name", f"Centre {n}"),
        district=district or create_district(),
        **kwargs,
    )
    for weekday, opens, closes in hours:
        centre.opening_intervals.append(
            OpeningInterval(
                weekday=weekday,
                opens_at=time.fromisoformat(opens),
                closes_at=time.fromisoformat(closes),
            )
        )
    db.session.add(centre)
    db.session.flush()
    return centre


def create_user(
    role: str | Role = Role.STAFF, centres=(), email: str | None = None, **kwargs
) -> StaffUser:
    n = next(_seq)
    user = StaffUser(
        email=email or f"user{n}@example.org",
        display_name=kwargs.pop("display_name", f"User {n}"),
        password_hash=kwargs.pop("password_hash", _PASSWORD_HASH),
        role=Role(role),
        centres=list(centres),
        **kwargs,
    )
    db.session.add(user)
    db.session.flush()
    return user
