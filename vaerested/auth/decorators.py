"""Access control: roles, and binding of leaders and staff to their centres."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from vaerested.extensions import db
from vaerested.models import Centre, Role


def role_required(*roles: str | Role) -> Callable:
    """Allow only logged-in users whose role is one of ``roles`` or ranks above.

    Roles rank admin > leader > staff: a leader may do what staff may at their
    centres, and administration may do what either may, at every centre.
    """
    allowed = {Role(r) for r in roles}
    if Role.STAFF in allowed:
        allowed.add(Role.LEADER)
    if allowed & {Role.LEADER, Role.STAFF}:
        allowed.add(Role.ADMIN)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def centre_required(*roles: str | Role) -> Callable:
    """Load the centre named by the ``slug`` URL argument and check access to it.

    Passes ``centre`` to the view instead of ``slug``. Answers 404 for an unknown
    slug and 403 when the user's role is not in ``roles`` or the user is not bound
    to that centre.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @role_required(*roles)
        def wrapped(*args, slug: str, **kwargs):
            centre = db.session.scalar(select(Centre).where(Centre.slug == slug))
            if centre is None:
                abort(404)
            if not current_user.can_access_centre(centre):
                abort(403)
            return view(*args, centre=centre, **kwargs)

        return wrapped

    return decorator
