"""Write paths for administration. They flush; the caller commits."""

import logging

from vaerested.audit import record_audit
from vaerested.auth.passwords import hash_password
from vaerested.auth.sessions import end_all_sessions
from vaerested.extensions import db
from vaerested.models import Centre, District, Role, StaffUser, TargetGroup
from vaerested.models.users import new_login_id
from vaerested.reports.tables import cache as report_cache

logger = logging.getLogger(__name__)

DISTRICT_FIELDS = (
    "code",
    "name",
    "municipality",
    "target_population",
    "ref_lat",
    "ref_lon",
)
GROUP_FIELDS = ("code", "name_da", "name_en", "is_active")


def save_district(district: District | None, data: dict) -> District:
    """Create a district (``district`` None) or update it from form ``data``."""
    if district is None:
        district = District()
        db.session.add(district)
    for name in DISTRICT_FIELDS:
        value = data[name]
        setattr(district, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    logger.info("District %s saved", district.id)
    return district


def delete_district(district: District) -> None:
    """Delete a district that no centre refers to.

    :raises ValueError: when centres still lie in the district.
    """
    if district.centres:
        raise ValueError("district has centres")
    db.session.delete(district)
    db.session.flush()
    # Cards and tallies living there lose their home district: every cached
    # report figure that counted them by home is out of date.
    report_cache.invalidate(db.session)
    logger.info("District %s deleted", district.id)


def save_target_group(group: TargetGroup | None, data: dict) -> TargetGroup:
    """Create a target group (``group`` None) or update it from form ``data``."""
    if group is None:
        group = TargetGroup()
        db.session.add(group)
    for name in GROUP_FIELDS:
        value = data[name]
        setattr(group, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    logger.info("Target group %s saved", group.id)
    return group


def _describe(user: StaffUser) -> str:
    """Return an audit detail naming the account, its role, state and centres."""
    centres = ",".join(c.slug for c in user.centres) or "-"
    state = "active" if user.is_active_account else "inactive"
    return (
        f"user {user.id} {user.email} role={user.role.value} {state} centres={centres}"
    )


def end_sessions(user: StaffUser) -> None:
    """End every session of the user, which logs them out everywhere."""
    user.login_id = new_login_id()
    end_all_sessions(user)


def create_user(
    email: str, display_name: str, role: Role, centres: list[Centre], password: str
) -> StaffUser:
    """Create a staff account; administrators are bound to no centre."""
    user = StaffUser(
        email=email.strip().lower(),
        display_name=display_name.strip(),
        role=role,
        password_hash=hash_password(password),
        centres=[] if role == Role.ADMIN else list(centres),
    )
    db.session.add(user)
    db.session.flush()
    logger.info("User %s created with role %s", user.id, role.value)
    record_audit("user.create", detail=_describe(user))
    return user


def update_user(
    user: StaffUser,
    display_name: str,
    role: Role,
    centres: list[Centre],
    is_active: bool,
) -> None:
    """Set name, role, centres and active flag; deactivating ends all sessions."""
    user.display_name = display_name.strip()
    user.role = role
    user.centres = [] if role == Role.ADMIN else list(centres)
    if user.is_active_account and not is_active:
        end_sessions(user)
    user.is_active_account = is_active
    db.session.flush()
    logger.info("User %s updated (role %s, active %s)", user.id, role.value, is_active)
    record_audit("user.update", detail=_describe(user))


def set_password(user: StaffUser, password: str) -> None:
    """Set a new password and end every session of the account."""
    user.password_hash = hash_password(password)
    end_sessions(user)
    db.session.flush()
    logger.info("Password of user %s reset", user.id)
    record_audit("user.password", detail=_describe(user))


def deactivate_user(user: StaffUser) -> None:
    """Deactivate an account and end every session of it."""
    user.is_active_account = False
    end_sessions(user)
    db.session.flush()
    logger.info("User %s deactivated", user.id)
    record_audit("user.deactivate", detail=_describe(user))
