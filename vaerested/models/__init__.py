"""All models, importable from one place (Alembic reads metadata from here)."""

from vaerested.models.base import Base
from vaerested.models.centres import (
    Centre,
    District,
    OpeningInterval,
    OperatorType,
    TargetGroup,
    Visitation,
    centre_target_groups,
)
from vaerested.models.users import LoginAttempt, Role, StaffUser, staff_centres

__all__ = [
    "Base",
    "Centre",
    "District",
    "LoginAttempt",
    "OpeningInterval",
    "OperatorType",
    "Role",
    "StaffUser",
    "TargetGroup",
    "Visitation",
    "centre_target_groups",
    "staff_centres",
]
